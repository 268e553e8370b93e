"""The notice item's transition table: the one statement of which move is allowed (STYLE.md habit 1).

Each action a verb (or the set-based sweep and filing) can record on an item is
declared once here: the statuses it may leave from, the status it reaches, who
may take it, and, where a move also depends on time or the item's track, the
guard that says so. Everything else is derived from this table:

* ``moves.move_check``, called by ``moves._apply`` (the one function that
  writes a move) and by the sweep and set filing on their representatives,
  refuses an action the table does not allow for this item, actor and instant;
* ``actions_available`` tells the pages and the decision form what to offer;
* ``TRANSITION_PAIRS`` feeds PostgreSQL's trigger on ``NoticeItem.status``
  (``item_status_trigger``), so an ``UPDATE`` that bypasses the verbs and
  makes a move the table has not got fails in the database;
* ``ALLOWED_MOVES`` (status -> reachable statuses) for the tests and checks.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from portal.errors import TransitionError
from portal.i18n import lower_later, text_later
from portal.roles import user_is_reviewer, user_is_senior_reviewer
from portal.scoping import organisation_ids_of
from takedowns.models import FINAL_STATUSES, OPEN_STATUSES, ItemStatus, Track, notice_holder_side

S = ItemStatus


class By(StrEnum):
    """Who may take an action."""

    REVIEWER = "reviewer"  # any platform reviewer (senior reviewers and admins too)
    SENIOR_REVIEWER = "senior_reviewer"
    HOLDER_SIDE = "holder_side"  # the brand's staff, its agents, a vetting partner's people (notice_holder_side)
    MERCHANT_SIDE = "merchant_side"  # the users of the merchant whose listing the item names
    SYSTEM = "system"  # routing, the deadline sweep: no person's right is checked


def _window_open(deadline_field, closed):
    """A guard: the item's ``deadline_field`` is still ahead of ``now`` (open while now < deadline)."""

    def guard(item, now):
        deadline = getattr(item, deadline_field)
        if deadline is None:
            return TransitionError(text_later(_("Item %(item)s has no open window."), item=item.pk), item=item)
        if now < deadline:
            return None
        return TransitionError(
            text_later(closed, deadline=f"{deadline:%Y-%m-%d %H:%M}"), item=item, code="deadline_passed"
        )

    return guard


def _window_closed(deadline_field):
    """A guard for the sweep's moves: the item's ``deadline_field`` has passed (due at the deadline)."""

    def guard(item, now):
        deadline = getattr(item, deadline_field)
        if deadline is not None and deadline <= now:
            return None
        return TransitionError(
            text_later(_("Item %(item)s's window is still open."), item=item.pk), item=item, code="not_due"
        )

    return guard


def _fast_track_only(item, now):
    if item.track == Track.FAST:
        return None
    return TransitionError(
        text_later(
            _(
                "Item %(item)s was not taken down on the fast track; only a fast-track takedown is reversed in a "
                "quality audit."
            ),
            item=item.pk,
        ),
        item=item,
    )


@dataclass(frozen=True)
class Transition:
    action: str  # the ItemEvent's action; also the audit entry's takedowns.item.<action>
    sources: frozenset  # statuses the item may be in
    target: str
    by: By
    refusal: str  # why a wrong source is refused, after "Item <id> is <status>; " (lazy: read in the reader's language)
    guard: object = None  # (item, now) -> TransitionError | None: what time or track also require

    @property
    def final(self):
        """A move into a final status is a decision: it is dated, signed and starts a new generation."""
        return self.target in FINAL_STATUSES


_ROUTE = _("only a submitted item is routed")
_ADJUDICATE = _("only items waiting for adjudication are decided")
_REVERSE = _("that decision cannot be reversed")

TRANSITIONS = {
    t.action: t
    for t in (
        Transition("queued", frozenset({S.SUBMITTED}), S.PENDING_REVIEW, By.SYSTEM, _ROUTE),
        Transition("fast_tracked", frozenset({S.SUBMITTED}), S.AWAITING_COUNTER_NOTICE, By.SYSTEM, _ROUTE),
        Transition(
            "invalid", frozenset({S.SUBMITTED}), S.INVALID, By.SYSTEM, _("only a submitted item is found invalid")
        ),
        Transition(
            "accepted",
            frozenset({S.PENDING_REVIEW}),
            S.AWAITING_COUNTER_NOTICE,
            By.REVIEWER,
            _("only items waiting for review are accepted"),
        ),
        Transition(
            "rejected",
            frozenset({S.PENDING_REVIEW}),
            S.REJECTED,
            By.REVIEWER,
            _("only items waiting for review are rejected"),
        ),
        Transition(
            "counter_noticed",
            frozenset({S.AWAITING_COUNTER_NOTICE}),
            S.COUNTER_NOTICED,
            By.MERCHANT_SIDE,
            _("a counter-notice is no longer possible"),
            guard=_window_open(
                "counter_notice_deadline",
                _("The counter-notice window closed at %(deadline)s UTC; a counter-notice can no longer be filed."),
            ),
        ),
        Transition(
            "replied",
            frozenset({S.COUNTER_NOTICED}),
            S.PENDING_ADJUDICATION,
            By.HOLDER_SIDE,
            _("there is no counter-notice to reply to"),
            guard=_window_open("reply_deadline", _("The reply window closed at %(deadline)s UTC.")),
        ),
        Transition(
            "reply_window_lapsed",
            frozenset({S.COUNTER_NOTICED}),
            S.PENDING_ADJUDICATION,
            By.SYSTEM,
            _("no reply window is running"),
            guard=_window_closed("reply_deadline"),
        ),
        Transition(
            "upheld_no_counter_notice",
            frozenset({S.AWAITING_COUNTER_NOTICE}),
            S.UPHELD,
            By.SYSTEM,
            _("no counter-notice window is running"),
            guard=_window_closed("counter_notice_deadline"),
        ),
        Transition("upheld", frozenset({S.PENDING_ADJUDICATION}), S.UPHELD, By.REVIEWER, _ADJUDICATE),
        Transition("dismissed", frozenset({S.PENDING_ADJUDICATION}), S.DISMISSED, By.REVIEWER, _ADJUDICATE),
        Transition("withdrawn", OPEN_STATUSES, S.WITHDRAWN, By.HOLDER_SIDE, _("a decided item cannot be withdrawn")),
        # Final statuses move only when a senior reviewer reverses the decision on appeal...
        Transition("reversed_to_dismissed", frozenset({S.UPHELD}), S.DISMISSED, By.SENIOR_REVIEWER, _REVERSE),
        Transition("reversed_to_upheld", frozenset({S.DISMISSED}), S.UPHELD, By.SENIOR_REVIEWER, _REVERSE),
        Transition(
            "reopened_on_appeal", frozenset({S.REJECTED}), S.AWAITING_COUNTER_NOTICE, By.SENIOR_REVIEWER, _REVERSE
        ),
        # ... or when a quality audit finds a fast-track takedown wrong.
        Transition(
            "audit_reversed",
            frozenset({S.AWAITING_COUNTER_NOTICE, S.COUNTER_NOTICED, S.PENDING_ADJUDICATION, S.UPHELD}),
            S.DISMISSED,
            By.REVIEWER,
            _("only a standing fast-track takedown can be reversed in a quality audit"),
            guard=_fast_track_only,
        ),
    )
}

# A new item's first status, by the action its first event records (no source: it did not exist).
CREATIONS = {"submitted": S.SUBMITTED, "invalid": S.INVALID}

# --- Derived from the table ---------------------------------------------------------

# Every (from, to) the table allows: what the PostgreSQL trigger on NoticeItem.status accepts.
TRANSITION_PAIRS = tuple(sorted({(source, t.target) for t in TRANSITIONS.values() for source in t.sources}))
# status -> the statuses one move can reach from it.
ALLOWED_MOVES = {status: {to for source, to in TRANSITION_PAIRS if source == status} for status in S}
# A senior reviewer's reversal on appeal, by the status of the decision it reverses.
REVERSALS = {source: t.action for t in TRANSITIONS.values() if t.by == By.SENIOR_REVIEWER for source in t.sources}
# Where a quality audit may still reverse a fast-track takedown.
AUDIT_REVERSIBLE = TRANSITIONS["audit_reversed"].sources


def item_status_trigger():
    """PostgreSQL's guard on ``NoticeItem.status``: any move outside ``TRANSITION_PAIRS`` raises.

    Registered in ``TakedownsConfig.ready`` (the table imports the models, so the
    model cannot name it at class creation); its migration carries the pairs.
    """
    import pgtrigger

    return pgtrigger.FSM(name="notice_item_status_moves", field="status", transitions=list(TRANSITION_PAIRS))


# --- Who may take an action ---------------------------------------------------------

_REFUSED = {
    By.REVIEWER: _("Only platform reviewers decide on notice items."),
    By.SENIOR_REVIEWER: _("Only senior reviewers decide appeals."),
    By.HOLDER_SIDE: _("Only the rights holder or its filer can do this."),
    By.MERCHANT_SIDE: _("Only the merchant whose listing is named can do this."),
}


def actor_may(by, item, actor):
    """Whether ``actor`` stands where ``by`` asks on ``item``. SYSTEM checks no person."""
    if by == By.SYSTEM:
        return True
    if actor is None or not actor.is_authenticated:
        return False
    if by == By.REVIEWER:
        return user_is_reviewer(actor)
    if by == By.SENIOR_REVIEWER:
        return user_is_senior_reviewer(actor)
    if by == By.HOLDER_SIDE:
        return notice_holder_side(item.notice, actor)
    if by == By.MERCHANT_SIDE:
        return item.listing.store.merchant.organisation_id in organisation_ids_of(actor)
    raise ValueError(f"unknown side {by!r}")


def transition_refusal(item, action, *, actor, now):
    """What refuses ``action`` on ``item`` by ``actor`` at ``now``, or None when the table allows it.

    Checked in this order: who (PermissionDenied), the item's status, then the
    action's guard (a window, the track) (TransitionError).
    """
    transition = TRANSITIONS[action]
    if not actor_may(transition.by, item, actor):
        return PermissionDenied(_REFUSED[transition.by])
    if item.status not in transition.sources:
        return TransitionError(
            text_later(
                _("Item %(item)s is %(status)s; %(refusal)s."),
                item=item.pk,
                status=lower_later(S(item.status).label),
                refusal=transition.refusal,
            ),
            item=item,
        )
    if transition.guard is not None:
        return transition.guard(item, now)
    return None


def actions_available(item, user, *, now):
    """The actions ``user`` may take on ``item`` at ``now``, in table order: what a page offers.

    System actions (routing, the sweep) are never offered.
    """
    return [
        action
        for action, transition in TRANSITIONS.items()
        if transition.by != By.SYSTEM
        and item.status in transition.sources
        and transition_refusal(item, action, actor=user, now=now) is None
    ]
