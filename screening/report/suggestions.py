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

from django.utils.translation import gettext, ngettext

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


def _ratio(value):
    return f"{value:.2f}"


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
                gettext(
                    "No notice threshold would have kept precision at %(target)s: at the current %(notice)s, "
                    "%(right)s of %(decided)s decided listings were right (%(precision)s). Consider leaving every "
                    "listing to an alert (a notice threshold of 1)."
                )
                % {
                    "target": _ratio(NOTICE_PRECISION_TARGET),
                    "notice": _score(notice),
                    "right": cur_right,
                    "decided": cur_decided,
                    "precision": _ratio(cur_precision),
                },
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
            gettext(
                "Raising the notice threshold from %(notice)s to %(cut)s would have kept %(wrong)s from being filed "
                "and sent %(right)s to an alert instead; precision at or above %(cut)s: %(r)s of %(d)s "
                "(%(precision)s), against %(cur_right)s of %(cur_decided)s (%(cur_precision)s) now."
            )
            % {
                "notice": _score(notice),
                "cut": _score(cut),
                "wrong": ngettext("%(n)s wrong notice", "%(n)s wrong notices", wrong_avoided) % {"n": wrong_avoided},
                "right": ngettext("%(n)s right one", "%(n)s right ones", right_moved) % {"n": right_moved},
                "r": r,
                "d": d,
                "precision": _ratio(r / d),
                "cur_right": cur_right,
                "cur_decided": cur_decided,
                "cur_precision": _ratio(cur_precision),
            },
        )
    more_right, more_wrong = r - cur_right, (d - r) - (cur_decided - cur_right)
    if cut >= notice or not more_right + more_wrong:
        return None  # the same decisions either way
    return Suggestion(
        "notice",
        notice,
        cut,
        gettext(
            "Lowering the notice threshold from %(notice)s to %(cut)s would have taken %(more)s down at once "
            "(%(more_right)s right, %(more_wrong)s wrong); precision at or above %(cut)s: %(r)s of %(d)s "
            "(%(precision)s). Notices go only to brands that opted in to proactive enforcement."
        )
        % {
            "notice": _score(notice),
            "cut": _score(cut),
            "more": ngettext("%(n)s more listing", "%(n)s more listings", more_right + more_wrong)
            % {"n": more_right + more_wrong},
            "more_right": more_right,
            "more_wrong": more_wrong,
            "r": r,
            "d": d,
            "precision": _ratio(r / d),
        },
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
        gettext(
            "Raising the alert threshold from %(alert)s to %(cut)s would have sent %(fewer)s (dismissed) and missed "
            "%(missed)s; the alerts' dismissal rate would have been %(then)s instead of %(now)s (%(band)s decided "
            "alerts below the notice threshold)."
        )
        % {
            "alert": _score(alert),
            "cut": _score(cut),
            "fewer": ngettext("%(n)s fewer false alert", "%(n)s fewer false alerts", avoided) % {"n": avoided},
            "missed": ngettext("%(n)s confirmed one", "%(n)s confirmed ones", missed) % {"n": missed},
            "then": f"{rate_then:.0%}",
            "now": f"{rate_now:.0%}",
            "band": len(band),
        },
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
