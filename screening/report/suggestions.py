"""Threshold suggestions from a brand's decided screening results: plain Python, no database.

Each decision is a screening result somebody judged: an alert the brand confirmed (right) or
dismissed (wrong), a proactive notice upheld (right) or dismissed, rejected or reversed (wrong).
Its score is the result's. From them, for a brand with at least ``MIN_DECISIONS`` decisions:

- **The notice threshold**: a notice goes to every listing scoring at or above it, so the
  precision a cut would have had is that of the decisions at or above it. The lowest cut whose
  precision is at least ``NOTICE_PRECISION_TARGET`` (0.97, issue 11's floor), over at least
  ``MIN_DECISIONS`` decisions, is suggested when it would have changed some decision: raising when the current one falls short, lowering when a
  lower one would still have held (more listings down at once, with the brand's own confirmations
  behind them).
- **The alert threshold**: of the decided alerts in the alert band (scoring below the notice
  threshold), those under a higher cut would not have been sent. The cut that best trades
  dismissals avoided against confirmed listings missed (a missed infringement weighs
  ``MISSED_WEIGHT`` dismissals) is suggested when it avoids more than it misses and lowers the
  band's dismissal rate. Lowering the alert threshold cannot be judged: nothing below it was asked.

Suggestions say what would have happened, with the numbers; nothing is ever applied from here.
A cut is shown with two decimals when one fits between the scores it separates, else four.
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

MIN_DECISIONS = 20
NOTICE_PRECISION_TARGET = 0.97
MISSED_WEIGHT = 3


@dataclass(frozen=True)
class Decision:
    score: float
    right: bool
    source: str = "alert"  # "alert" | "notice"


@dataclass(frozen=True)
class Suggestion:
    threshold: str  # "notice" | "alert"
    current: float
    suggested: float
    text: str

    def as_dict(self):
        return {"threshold": self.threshold, "current": self.current, "suggested": self.suggested, "text": self.text}


def _cut_between(below, at_least, *, nearest):
    """A cut c with below < c <= at_least, as short as possible (two decimals if one fits), nearest
    ``"below"`` (a raise as small as will do) or ``"at_least"`` (a lowering as small as will do)."""
    low, high = Decimal(str(below)), Decimal(str(at_least))
    for places in ("0.01", "0.0001"):
        step = Decimal(places)
        if nearest == "below":
            candidate = low.quantize(step, rounding=ROUND_FLOOR) + step
        else:
            candidate = high.quantize(step, rounding=ROUND_FLOOR)
        if low < candidate <= high:
            return float(candidate)
    return at_least


def _score(value):
    """A threshold as shown: two decimals, or four when it needs them."""
    return f"{value:.2f}" if round(value, 2) == value else f"{value:.4f}"


def _precision(right, decided):
    return right / decided if decided else None


def _plural(n, one, many=None):
    return f"{n} {one if n == 1 else (many or one + 's')}"


def notice_suggestion(decisions, *, notice, alert):
    """The notice threshold's suggestion (or None) from every decision of the brand."""
    ranked = sorted(decisions, key=lambda d: d.score, reverse=True)
    if not ranked:
        return None
    # precision at or above each distinct score, from the top down
    right = decided = 0
    best = None  # (cut, right, decided) of the lowest cut meeting the target
    levels = []
    i = 0
    while i < len(ranked):
        score = ranked[i].score
        while i < len(ranked) and ranked[i].score == score:
            right += ranked[i].right
            decided += 1
            i += 1
        levels.append((score, right, decided))
    for score, r, d in levels:
        # A precision is worth suggesting from only with enough decisions behind it.
        if score > alert and d >= MIN_DECISIONS and _precision(r, d) >= NOTICE_PRECISION_TARGET:
            best = (score, r, d)
    at_current = [(r, d) for score, r, d in levels if score >= notice]
    cur_right, cur_decided = at_current[-1] if at_current else (0, 0)
    cur_precision = _precision(cur_right, cur_decided)
    if best is None:
        if cur_decided >= MIN_DECISIONS and cur_precision < NOTICE_PRECISION_TARGET:
            return Suggestion(
                "notice",
                notice,
                1.0,
                f"No notice threshold would have kept precision at {NOTICE_PRECISION_TARGET:.2f}: at the current "
                f"{_score(notice)}, {cur_right} of {cur_decided} decided listings were right "
                f"({cur_precision:.2f}). Consider leaving every listing to an alert (a notice threshold of 1).",
            )
        return None
    score, r, d = best
    below = max((s for s, _, _ in levels if s < score), default=alert)
    raising = score > notice
    cut = _cut_between(below, score, nearest="below" if raising else "at_least")
    if raising:
        if cur_precision is not None and cur_precision >= NOTICE_PRECISION_TARGET:
            return None
        wrong_avoided = (cur_decided - cur_right) - (d - r)
        right_moved = cur_right - r
        return Suggestion(
            "notice",
            notice,
            cut,
            f"Raising the notice threshold from {_score(notice)} to {_score(cut)} would have kept "
            f"{_plural(wrong_avoided, 'wrong notice')} from being filed and sent "
            f"{_plural(right_moved, 'right one')} to an alert instead; precision at or above {_score(cut)}: "
            f"{r} of {d} ({r / d:.2f}), against {cur_right} of {cur_decided} ({cur_precision:.2f}) now.",
        )
    more_right, more_wrong = r - cur_right, (d - r) - (cur_decided - cur_right)
    if cut >= notice or not more_right + more_wrong:
        return None  # the same decisions either way
    return Suggestion(
        "notice",
        notice,
        cut,
        f"Lowering the notice threshold from {_score(notice)} to {_score(cut)} would have taken "
        f"{_plural(more_right + more_wrong, 'more listing')} down at once ({more_right} right, {more_wrong} "
        f"wrong); precision at or above {_score(cut)}: {r} of {d} ({r / d:.2f}). "
        "Notices go only to brands that opted in to proactive enforcement.",
    )


def alert_suggestion(decisions, *, notice, alert):
    """The alert threshold's suggestion (or None) from the brand's decided alerts below the notice threshold."""
    band = sorted((d for d in decisions if d.source == "alert" and d.score < notice), key=lambda d: d.score)
    if not band:
        return None
    dismissed_total = sum(not d.right for d in band)
    best = None  # (gain, cut, avoided, missed)
    avoided = missed = 0
    for index, decision in enumerate(band):
        # The cut just above this decision's score (and below the next distinct one).
        avoided += not decision.right
        missed += decision.right
        if index + 1 < len(band) and band[index + 1].score == decision.score:
            continue
        if index + 1 == len(band):
            break  # a cut above every alert in the band would stop alerts altogether
        gain = avoided - MISSED_WEIGHT * missed
        if gain > 0 and (best is None or gain > best[0]):
            best = (gain, _cut_between(decision.score, band[index + 1].score, nearest="below"), avoided, missed)
    if best is None:
        return None
    _, cut, avoided, missed = best
    kept = len(band) - avoided - missed
    rate_now = dismissed_total / len(band)
    rate_then = (dismissed_total - avoided) / kept
    return Suggestion(
        "alert",
        alert,
        cut,
        f"Raising the alert threshold from {_score(alert)} to {_score(cut)} would have sent "
        f"{_plural(avoided, 'fewer false alert')} (dismissed) and missed {_plural(missed, 'confirmed one')}; "
        f"the alerts' dismissal rate would have been {rate_then:.0%} instead of {rate_now:.0%} "
        f"({len(band)} decided alerts below the notice threshold).",
    )


def threshold_suggestions(decisions, *, notice, alert):
    """[Suggestion] for a brand's decisions, none under MIN_DECISIONS."""
    decisions = list(decisions)
    if len(decisions) < MIN_DECISIONS:
        return []
    found = [
        notice_suggestion(decisions, notice=notice, alert=alert),
        alert_suggestion(decisions, notice=notice, alert=alert),
    ]
    return [s for s in found if s is not None]
