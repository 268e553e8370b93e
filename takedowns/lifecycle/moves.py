"""How a move is written: the locked item, the check against the table, and the rows of one move.

``_apply`` is the one function that writes a move on an item: it checks the
move against ``table.TRANSITIONS`` (actor, source status, guard) and writes the
new status, the ``ItemEvent``, the audit entry, the statements of reasons and
the ``Effect`` rows, in the caller's transaction: the rows ``rows.move_rows``
makes, inserted by ``rows.rows_insert``. The plans below say what a move is for
an item; the verbs and the set-based paths (the deadline sweep,
``takedowns.sweep``; the set filing, ``takedowns.routing``) share them and
``move_rows``, so one item or many get the same rows.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from takedowns import effects
from takedowns.lifecycle.rows import (
    actor_label,
    creation_rows,
    move_rows,
    rows_insert,
)
from takedowns.lifecycle.table import CREATIONS, TRANSITIONS, transition_refusal
from takedowns.models import EffectKind, InfringementType, ItemStatus, NoticeItem, RestrictionKind, Track
from takedowns.recorded import event_reasons

S = ItemStatus


@dataclass
class Move:
    """What a verb asks of ``_apply``: the action (its target comes from the table), fields, effects."""

    action: str
    reason: str = ""
    fields: dict = field(default_factory=dict)
    effects: list = field(default_factory=list)  # (kind, key, payload)
    statements: list = field(default_factory=list)  # dicts for StatementOfReasons
    data: dict = field(default_factory=dict)
    # The listing's status follows in the move's own transaction, for this cause (the fast track
    # takes the listing down at once, not when a worker gets to the delist effect); '': it does not.
    listing_follows: str = ""

    def __post_init__(self):
        if self.action not in TRANSITIONS:
            raise ValueError(f"{self.action!r} is not in the transition table")

    @property
    def to(self):
        return TRANSITIONS[self.action].target

    @property
    def final(self):
        return TRANSITIONS[self.action].final


def _lock(item_id):
    return (
        NoticeItem.objects.select_for_update(of=("self",))
        .select_related("notice", "listing", "listing__store", "ip_asset", "notice__rights_holder__organisation")
        .get(pk=item_id)
    )


def move_check(item, action, *, actor=None, now=None):
    """Raise unless the table lets ``actor`` take ``action`` on ``item`` at ``now`` (PermissionDenied, TransitionError)."""
    refusal = transition_refusal(item, action, actor=actor, now=now or timezone.now())
    if refusal is not None:
        raise refusal


def _begin(item_id, action, *, actor, now):
    """Lock the item and check the action before the verb reads or writes anything else."""
    item = _lock(item_id)
    move_check(item, action, actor=actor, now=now)
    return item


def _apply(item, move, *, actor, actor_default="system", now=None):
    """Check the move against the table, then write it on the locked item. Returns the event.

    The rows are ``rows.move_rows``'s, the ones the set-based sweep and filing write for many items.
    """
    now = now or timezone.now()
    move_check(item, move.action, actor=actor, now=now)
    rows = move_rows(item, move, actor=actor, actor_default=actor_default, now=now)
    item.save(update_fields=rows.fields)
    rows_insert([rows], dispatch=effects.effects_dispatch)
    return rows.event


# --- Plans shared with the set-based paths ------------------------------------------


def counter_notice_window(now):
    return now + timedelta(hours=settings.TAKEDOWN_COUNTER_NOTICE_HOURS)


def uphold_effects(item, generation):
    """Consequences of an upheld item, keyed by the decision generation (exactly once each)."""
    key = f"gen-{generation}"
    effects = [
        (EffectKind.DELIST, key, {"listing": item.listing_id}),
        (EffectKind.PENALISE, key, {"generation": generation}),
    ]
    if item.infringement_type == InfringementType.COUNTERFEIT:
        effects.append((EffectKind.REIMBURSE, key, {"generation": generation}))
    return effects


def uphold_statement(item, *, automated_decision, facts):
    return {
        "restriction": RestrictionKind.LISTING_REMOVED,
        "facts": facts,
        "automated_decision": automated_decision,
    }


def uphold_by_default_plan(item):
    """The move of an item whose counter-notice window passed unanswered (verb and set-based sweep)."""
    generation = item.decision_generation + 1
    return Move(
        action="upheld_no_counter_notice",
        reason=event_reasons.NO_COUNTER_NOTICE,
        fields={"took_down_listing": True, "automated_decision": True},
        effects=uphold_effects(item, generation),
        statements=[
            uphold_statement(
                item,
                automated_decision=True,
                facts=f"{item.explanation}\n\n{event_reasons.NO_ANSWER}",
            )
        ],
    )


def reply_lapse_plan(item):
    """The move of an item whose rights-holder reply window passed (verb and set-based sweep)."""
    return Move(action="reply_window_lapsed", reason=event_reasons.REPLY_LAPSED)


def route_plan(item, track, reason, now):
    """The move that routes a submitted item (verb and set-based filing, ``takedowns.routing``).

    Fast track: the listing comes down at once and the counter-notice window opens. Standard
    track, and always for a store on the holder's authorised list: the reviewer queue.
    """
    if track == Track.FAST and not item.authorised_store_flag:
        return Move(
            action="fast_tracked",
            reason=reason or event_reasons.FAST_TRACK,
            fields={
                "track": Track.FAST,
                "opened_at": now,
                "counter_notice_deadline": counter_notice_window(now),
                "took_down_listing": True,
            },
            effects=[(EffectKind.DELIST, "fast-track", {"listing": item.listing_id})],
            statements=[
                {
                    "restriction": RestrictionKind.LISTING_REMOVED,
                    "facts": item.explanation,
                    "automated_decision": True,
                }
            ],
            data={"track": Track.FAST},
            # Down in the routing transaction; the delist effect row stays as the record, a no-op then.
            listing_follows="fast track",
        )
    return Move(
        action="queued",
        reason=reason or event_reasons.WAITING_FOR_REVIEWER,
        fields={"track": Track.STANDARD},
        data={"track": Track.STANDARD, "authorised_store_flag": item.authorised_store_flag},
    )


# --- A new item -----------------------------------------------------------------------


@dataclass
class Creation:
    """What ``notice_item_create`` writes for a new item, as values (shared with ``takedowns.routing``)."""

    item_fields: dict  # the item's first status and what goes with it
    event_fields: dict  # its first ItemEvent, but the item
    audit_action: str
    audit_label: str | None  # audit_log_record's actor_label: None when an actor is named

    def audit_data(self, event_id):
        return {"after": self.item_fields["status"], "reason": self.item_fields["invalid_reason"], "event": event_id}


def creation_plan(*, notice, actor, invalid_reason="", authorised_store_flag=False, now):
    action = "invalid" if invalid_reason else "submitted"
    status = CREATIONS[action]
    label = actor_label(actor, "screening" if notice.channel == "proactive" else "system")
    return Creation(
        item_fields={
            "status": status,
            "status_changed_at": now,
            "invalid_reason": invalid_reason,
            "authorised_store_flag": authorised_store_flag,
            "decided_at": now if invalid_reason else None,
            "decision_generation": 1 if invalid_reason else 0,
        },
        event_fields={
            "at": now,
            "actor": actor,
            "actor_label": label,
            "action": action,
            "from_status": "",
            "to_status": status,
            "reason": invalid_reason or event_reasons.NOTICE_RECEIVED,
            "data": {"authorised_store_flag": authorised_store_flag} if authorised_store_flag else {},
        },
        audit_action=f"takedowns.item.{action}",
        audit_label=None if actor else label,
    )


def notice_item_create(*, notice, fields, actor, invalid_reason="", authorised_store_flag=False, now=None):
    """Create an item inside the caller's transaction: submitted, or invalid with its reason.

    The item's first status is set here (and, for many at once, by ``takedowns.routing`` from
    the same ``creation_plan``) and nowhere else; the event records it like any other move.
    Raises IntegrityError when an open item for the same listing and asset appears
    concurrently (the caller turns that into an invalid item pointing to the other one).
    """
    now = now or timezone.now()
    plan = creation_plan(
        notice=notice, actor=actor, invalid_reason=invalid_reason, authorised_store_flag=authorised_store_flag, now=now
    )
    item = NoticeItem.objects.create(notice=notice, **plan.item_fields, **fields)
    rows_insert([creation_rows(item, plan, actor=actor)], dispatch=effects.effects_dispatch)
    return item
