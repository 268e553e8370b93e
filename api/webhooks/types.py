"""The event types a subscription may choose (``type`` in every payload; Standard Webhooks style).

One type per item move, named after the transition table's action, so a new
transition is a new type without a second list to keep: ``notice_item.fast_tracked``,
``notice_item.counter_noticed`` (the merchant's counter-notice), the decisions
(``accepted``, ``rejected``, ``upheld``, ``upheld_no_counter_notice``,
``dismissed``), the appeal outcomes that move the item (``reversed_to_*``,
``reopened_on_appeal``), ``withdrawn``... Besides those: an appeal decided
(confirmed or reversed), a Good Faith membership change, a screening alert raised
(``alert.created``) and decided by its rights holder (``alert.decided``: confirmed with a
notice, or dismissed), and the test event.
"""

from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput
from portal.i18n import text_later
from takedowns.lifecycle import CREATIONS, TRANSITIONS

ALL = "*"  # a subscription to every type, including types added later
ITEM_PREFIX = "notice_item."
APPEAL_DECIDED = "appeal.decided"
MEMBERSHIP_CHANGED = "good_faith.membership_changed"
ALERT_CREATED = "alert.created"
ALERT_DECIDED = "alert.decided"
TEST = "webhook.test"


def _item_types():
    return [f"{ITEM_PREFIX}{action}" for action in [*CREATIONS, *TRANSITIONS]]


EVENT_TYPES = {
    **{name: f"Notice item: {name.removeprefix(ITEM_PREFIX).replace('_', ' ')}" for name in _item_types()},
    APPEAL_DECIDED: "Appeal decided (confirmed or reversed)",
    MEMBERSHIP_CHANGED: "Good Faith membership changed",
    ALERT_CREATED: "Screening alert raised: a suspicious listing for your brand to confirm or dismiss",
    ALERT_DECIDED: "Screening alert decided: confirmed (a notice was filed), already filed (under an open notice) or dismissed",
    TEST: "Test event (sent on request)",
}

# What a subscriber may choose: every type but the test event, which goes to whoever asks for it.
SUBSCRIBABLE = [ALL, *(name for name in EVENT_TYPES if name != TEST)]


def _invalid(message, code):
    error = InvalidInput(message, code=code)
    error.pointer = "/event_types"  # api.problems points at the field
    return error


def event_types_clean(values):
    """The chosen types, each once, in catalogue order; unknown names refused with the list of known ones."""
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise _invalid(_("Give the event types as a list."), "invalid_event_types")
    unknown = [v for v in values if v not in SUBSCRIBABLE]
    if unknown:
        shown = ", ".join(str(v)[:100] for v in unknown[:5])
        raise _invalid(
            text_later(_("Unknown event type: %(unknown)s. See /api/v1/webhooks/event-types/."), unknown=shown),
            "unknown_event_type",
        )
    if not values:
        raise _invalid(_('Choose at least one event type (or "*" for all).'), "event_types_required")
    chosen = set(values)
    if ALL in chosen:
        return [ALL]
    return [name for name in SUBSCRIBABLE if name in chosen]
