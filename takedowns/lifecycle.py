"""The item state machine: the only place a notice item's status moves (STYLE.md habit 1).

Allowed moves are declared once in ``ALLOWED_MOVES``. Each public verb locks
the item, checks the current status and the actor's right, writes the new
status, the ``ItemEvent`` (actor, time, reason, before and after), the audit
entry and the ``Effect`` rows of the move's consequences, all in one
transaction; the effects' tasks are sent after commit. The set-based deadline
sweep (``takedowns.sweep``) applies these same rules to many rows at once and
must be kept in step with ``uphold_by_default_plan``.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from portal.audit import audit_log_record
from portal.roles import user_is_reviewer, user_is_senior_reviewer
from portal.scoping import organisation_ids_of
from takedowns.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    EffectKind,
    InfringementType,
    ItemEvent,
    ItemStatus,
    NoticeItem,
    RestrictionKind,
    Track,
    notice_holder_side,
)

S = ItemStatus

ALLOWED_MOVES = {
    S.SUBMITTED: {S.INVALID, S.PENDING_REVIEW, S.AWAITING_COUNTER_NOTICE, S.WITHDRAWN},
    S.PENDING_REVIEW: {S.REJECTED, S.AWAITING_COUNTER_NOTICE, S.WITHDRAWN},
    # -> dismissed from the window only when a quality audit reverses a fast-track takedown.
    S.AWAITING_COUNTER_NOTICE: {S.UPHELD, S.COUNTER_NOTICED, S.WITHDRAWN, S.DISMISSED},
    S.COUNTER_NOTICED: {S.PENDING_ADJUDICATION, S.WITHDRAWN, S.DISMISSED},
    S.PENDING_ADJUDICATION: {S.UPHELD, S.DISMISSED, S.WITHDRAWN},
    # Final statuses move only when a senior reviewer reverses the decision on appeal.
    S.UPHELD: {S.DISMISSED},
    S.DISMISSED: {S.UPHELD},
    S.REJECTED: {S.AWAITING_COUNTER_NOTICE},
    S.INVALID: set(),
    S.WITHDRAWN: set(),
}

# While an item is in one of these and took the listing down, the listing stays down.
HOLDS_LISTING_DOWN = frozenset({S.AWAITING_COUNTER_NOTICE, S.COUNTER_NOTICED, S.PENDING_ADJUDICATION, S.UPHELD})


class TransitionError(Exception):
    """An illegal move: pages show it as a message, the API answers 409."""

    def __init__(self, message, *, item=None, code="illegal_transition"):
        super().__init__(message)
        self.message = message
        self.item = item
        self.code = code

    def __str__(self):
        return self.message


@dataclass
class Move:
    """What a verb asks of ``_apply``: the new status, the fields to set, the effects to write."""

    to: str
    action: str
    reason: str = ""
    fields: dict = field(default_factory=dict)
    effects: list = field(default_factory=list)  # (kind, key, payload)
    statements: list = field(default_factory=list)  # dicts for StatementOfReasons
    data: dict = field(default_factory=dict)
    final: bool = False


def actor_label(actor, default="system"):
    return actor.get_username() if actor is not None else default


def _status_label(status):
    return S(status).label.lower()


def _lock(item_id):
    return (
        NoticeItem.objects.select_for_update(of=("self",))
        .select_related("notice", "listing", "listing__store", "ip_asset", "notice__rights_holder__organisation")
        .get(pk=item_id)
    )


def _check_move(item, to):
    if to not in ALLOWED_MOVES[item.status]:
        raise TransitionError(
            f"Item {item.pk} is {_status_label(item.status)}; it cannot become {_status_label(to)}.",
            item=item,
        )


def move_in_memory(item, move, *, actor, now):
    """Set a move's new values on ``item`` (not saved). Returns the names of the fields it changed.

    Shared by ``_apply`` and the set-based filing (``takedowns.routing``), which inserts the
    item already routed: both write the same values.
    """
    item.status = move.to
    item.status_changed_at = now
    item.version += 1
    update = ["status", "status_changed_at", "version"]
    for name, value in move.fields.items():
        setattr(item, name, value)
        update.append(name)
    if move.final:
        item.decided_at = now
        item.decided_by = actor
        item.decision_generation += 1
        update += ["decided_at", "decided_by", "decision_generation"]
    if move.to in {S.PENDING_REVIEW, S.PENDING_ADJUDICATION}:
        item.queued_at = now
        item.review_due_at = now + timedelta(hours=settings.TAKEDOWN_REVIEW_SLA_HOURS)
        update += ["queued_at", "review_due_at"]
    return update


def move_audit_data(before, move, event_id):
    """The data of a move's audit entry (``takedowns.item.<action>``)."""
    return {"before": before, "after": move.to, "reason": move.reason, "event": event_id, **move.data}


def move_effects(move, event_id):
    """A move's effects, with the notification every move sends: the notify handler decides who hears what."""
    return [*move.effects, (EffectKind.NOTIFY, f"event-{event_id}", {"event": event_id})]


def _apply(item, move, *, actor, actor_default="system", now=None):
    """Write the move on a locked item: status, event, audit, effects, statements. Returns the event."""
    from takedowns.effects import effects_write
    from takedowns.reasons import statements_write

    now = now or timezone.now()
    before = item.status
    _check_move(item, move.to)
    item.save(update_fields=move_in_memory(item, move, actor=actor, now=now))
    label = actor_label(actor, actor_default)
    event = ItemEvent.objects.create(
        item=item,
        at=now,
        actor=actor,
        actor_label=label,
        action=move.action,
        from_status=before,
        to_status=move.to,
        reason=move.reason,
        data=move.data,
    )
    audit_log_record(
        action=f"takedowns.item.{move.action}",
        actor=actor,
        actor_label=None if actor else label,
        obj=item,
        organisation=item.notice.rights_holder.organisation,
        data=move_audit_data(before, move, event.pk),
    )
    statements_write(item, move.statements, now=now)
    effects_write(item, move_effects(move, event.pk))
    return event


# --- Actors' rights ---------------------------------------------------------


def _require_reviewer(actor):
    if actor is None or not user_is_reviewer(actor):
        raise PermissionDenied("Only platform reviewers decide on notice items.")


def _require_holder_side(item, actor):
    if not notice_holder_side(item.notice, actor):
        raise PermissionDenied("Only the rights holder or its filer can do this.")


def _require_merchant_side(item, actor):
    if actor is None or item.listing.store.merchant.organisation_id not in organisation_ids_of(actor):
        raise PermissionDenied("Only the merchant whose listing is named can do this.")


# --- Plans shared with the set-based sweep ------------------------------------


def _counter_notice_window(now):
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
        to=S.UPHELD,
        action="upheld_no_counter_notice",
        reason="No counter-notice was filed within the window.",
        fields={"took_down_listing": True, "automated_decision": True},
        effects=uphold_effects(item, generation),
        statements=[
            uphold_statement(
                item,
                automated_decision=True,
                facts=f"{item.explanation}\n\nThe merchant did not answer within the counter-notice window.",
            )
        ],
        final=True,
    )


def reply_lapse_plan(item):
    """The move of an item whose rights-holder reply window passed (verb and set-based sweep)."""
    return Move(
        to=S.PENDING_ADJUDICATION, action="reply_window_lapsed", reason="The rights holder did not reply in time."
    )


# --- The verbs ----------------------------------------------------------------


def route_plan(item, track, reason, now):
    """The move that routes a submitted item (verb and set-based filing, ``takedowns.routing``).

    Fast track: the listing comes down at once and the counter-notice window opens. Standard
    track, and always for a store on the holder's authorised list: the reviewer queue.
    """
    if track == Track.FAST and not item.authorised_store_flag:
        return Move(
            to=S.AWAITING_COUNTER_NOTICE,
            action="fast_tracked",
            reason=reason or "Fast track: the listing is taken down at once.",
            fields={
                "track": Track.FAST,
                "opened_at": now,
                "counter_notice_deadline": _counter_notice_window(now),
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
        )
    return Move(
        to=S.PENDING_REVIEW,
        action="queued",
        reason=reason or "Waiting for a reviewer.",
        fields={"track": Track.STANDARD},
        data={"track": Track.STANDARD, "authorised_store_flag": item.authorised_store_flag},
    )


def notice_item_route(*, item_id, track, reason="", actor=None, now=None):
    """After validation: standard track to the review queue, fast track down at once."""
    now = now or timezone.now()
    with transaction.atomic():
        item = _lock(item_id)
        move = route_plan(item, track, reason, now)
        _apply(item, move, actor=actor, now=now)
        if move.to == S.AWAITING_COUNTER_NOTICE:
            from takedowns.listing_sync import listing_status_sync

            # The fast track takes the listing down in the accepting transaction, not when a
            # worker gets to it; the delist effect row stays as the record and is a no-op then.
            listing_status_sync(item.listing_id, cause=f"fast track of item {item.pk}")
            from good_faith.audits import quality_audit_maybe_select

            # Drawn here, the one place a fast-track takedown happens, so every one has the same chance.
            quality_audit_maybe_select(item, now=now)
        return item


def notice_item_mark_invalid(*, item_id, reason, actor=None, now=None):
    with transaction.atomic():
        item = _lock(item_id)
        _apply(
            item,
            Move(to=S.INVALID, action="invalid", reason=reason, fields={"invalid_reason": reason}, final=True),
            actor=actor,
            now=now,
        )
        return item


def notice_item_accept(*, item_id, actor, reason="", now=None):
    """A reviewer finds the notice well-founded: the counter-notice window opens; the listing stays live."""
    _require_reviewer(actor)
    now = now or timezone.now()
    with transaction.atomic():
        item = _lock(item_id)
        # The table also lets a rejected item reopen, but only a reversal on appeal may do that.
        if item.status != S.PENDING_REVIEW:
            raise TransitionError(
                f"Item {item.pk} is {_status_label(item.status)}; only items waiting for review are accepted.",
                item=item,
            )
        _apply(
            item,
            Move(
                to=S.AWAITING_COUNTER_NOTICE,
                action="accepted",
                reason=reason or "The notice is complete and substantiated; the merchant may answer.",
                fields={"opened_at": now, "counter_notice_deadline": _counter_notice_window(now)},
                effects=[(EffectKind.MARK_UNDER_COMPLAINT, f"v{item.version + 1}", {"listing": item.listing_id})],
            ),
            actor=actor,
            now=now,
        )
        return item


def notice_item_reject(*, item_id, actor, reason, manifestly_unfounded=False, now=None):
    """A reviewer rejects; ``manifestly_unfounded`` counts towards misuse measures (DSA article 23)."""
    _require_reviewer(actor)
    if not (reason or "").strip():
        raise TransitionError("Give the filer a reason for the rejection.", code="reason_required")
    with transaction.atomic():
        item = _lock(item_id)
        _apply(
            item,
            Move(
                to=S.REJECTED,
                action="rejected",
                reason=reason.strip(),
                fields={"manifestly_unfounded": bool(manifestly_unfounded)},
                data={"manifestly_unfounded": True} if manifestly_unfounded else {},
                final=True,
                effects=[(EffectKind.REINSTATE, f"v{item.version + 1}", {"listing": item.listing_id})],
            ),
            actor=actor,
            now=now,
        )
        if manifestly_unfounded and item.notice.filer_organisation_id:
            from good_faith.misuse import misuse_evaluate

            # Evaluated here, in the rejection's own transaction, rather than in a task after
            # commit: it is a lock and a count, and a strike can then never be committed without
            # its warning or suspension. The organisation lock it takes serialises concurrent
            # rejections of one filer, so a threshold crossed twice at once makes one measure.
            misuse_evaluate(organisation_id=item.notice.filer_organisation_id, now=item.decided_at)
        return item


def notice_item_counter_notice(*, item_id, actor, counter_notice_fields, evidence=(), now=None):
    """The merchant answers inside the window; after the deadline it is refused with the deadline shown.

    ``counter_notice_fields`` are the CounterNotice model's fields; ``evidence`` is a list of
    ``portal.uploads.ValidatedUpload`` already checked by the caller.
    """
    from portal.uploads import StoredFilesGuard
    from takedowns.counter_notices import counter_notice_create

    now = now or timezone.now()
    with StoredFilesGuard() as guard, transaction.atomic():
        item = _lock(item_id)
        _require_merchant_side(item, actor)
        if item.status != S.AWAITING_COUNTER_NOTICE:
            raise TransitionError(
                f"Item {item.pk} is {_status_label(item.status)}; a counter-notice is no longer possible.",
                item=item,
            )
        if now >= item.counter_notice_deadline:  # open while now < deadline; the sweep takes it at the deadline
            raise TransitionError(
                "The counter-notice window closed at "
                f"{item.counter_notice_deadline:%Y-%m-%d %H:%M} UTC; a counter-notice can no longer be filed.",
                item=item,
                code="deadline_passed",
            )
        counter_notice = counter_notice_create(
            item, actor=actor, fields=counter_notice_fields, evidence=evidence, guard=guard
        )
        _apply(
            item,
            Move(
                to=S.COUNTER_NOTICED,
                action="counter_noticed",
                reason="The merchant filed a counter-notice.",
                fields={"reply_deadline": now + timedelta(hours=settings.TAKEDOWN_REPLY_HOURS)},
                data={"counter_notice": counter_notice.pk},
            ),
            actor=actor,
            now=now,
        )
        return item


def notice_item_reply(*, item_id, actor, statement, now=None):
    """The rights holder answers the counter-notice; the item goes to a reviewer."""
    from takedowns.models import RightsHolderReply

    now = now or timezone.now()
    if not (statement or "").strip():
        raise TransitionError("Write the reply before sending it.", code="statement_required")
    with transaction.atomic():
        item = _lock(item_id)
        _require_holder_side(item, actor)
        if item.status != S.COUNTER_NOTICED:
            raise TransitionError(
                f"Item {item.pk} is {_status_label(item.status)}; there is no counter-notice to reply to.", item=item
            )
        if now >= item.reply_deadline:
            raise TransitionError(
                f"The reply window closed at {item.reply_deadline:%Y-%m-%d %H:%M} UTC.",
                item=item,
                code="deadline_passed",
            )
        RightsHolderReply.objects.create(item=item, submitted_by=actor, statement=statement.strip(), submitted_at=now)
        _apply(
            item,
            Move(to=S.PENDING_ADJUDICATION, action="replied", reason="The rights holder replied."),
            actor=actor,
            now=now,
        )
        return item


def notice_item_reply_lapse(*, item_id, now=None):
    """The rights holder's reply window passed: the item goes to a reviewer (sweeper)."""
    now = now or timezone.now()
    with transaction.atomic():
        item = _lock(item_id)
        if item.status != S.COUNTER_NOTICED or item.reply_deadline > now:
            return None
        _apply(item, reply_lapse_plan(item), actor=None, now=now)
        return item


def notice_item_uphold_by_default(*, item_id, now=None):
    """The counter-notice window passed without an answer: upheld (sweeper, one item)."""
    now = now or timezone.now()
    with transaction.atomic():
        item = _lock(item_id)
        if item.status != S.AWAITING_COUNTER_NOTICE or item.counter_notice_deadline > now:
            return None
        _apply(item, uphold_by_default_plan(item), actor=None, now=now)
        return item


def notice_item_uphold(*, item_id, actor, reason, now=None):
    _require_reviewer(actor)
    if not (reason or "").strip():
        raise TransitionError("Give both sides the reasons for the decision.", code="reason_required")
    with transaction.atomic():
        item = _lock(item_id)
        _check_move(item, S.UPHELD)
        if item.status != S.PENDING_ADJUDICATION:
            raise TransitionError(
                f"Item {item.pk} is {_status_label(item.status)}; only items waiting for adjudication are decided.",
                item=item,
            )
        generation = item.decision_generation + 1
        _apply(
            item,
            Move(
                to=S.UPHELD,
                action="upheld",
                reason=reason.strip(),
                fields={"took_down_listing": True, "automated_decision": False},
                effects=uphold_effects(item, generation),
                statements=[uphold_statement(item, automated_decision=False, facts=reason.strip())],
                final=True,
            ),
            actor=actor,
            now=now,
        )
        return item


def notice_item_dismiss(*, item_id, actor, reason, now=None):
    _require_reviewer(actor)
    if not (reason or "").strip():
        raise TransitionError("Give both sides the reasons for the decision.", code="reason_required")
    with transaction.atomic():
        item = _lock(item_id)
        if item.status != S.PENDING_ADJUDICATION:
            raise TransitionError(
                f"Item {item.pk} is {_status_label(item.status)}; only items waiting for adjudication are decided.",
                item=item,
            )
        statements = []
        if item.took_down_listing:
            statements.append(
                {"restriction": RestrictionKind.LISTING_RESTORED, "facts": reason.strip(), "automated_decision": False}
            )
        _apply(
            item,
            Move(
                to=S.DISMISSED,
                action="dismissed",
                reason=reason.strip(),
                effects=[(EffectKind.REINSTATE, f"gen-{item.decision_generation + 1}", {"listing": item.listing_id})],
                statements=statements,
                final=True,
            ),
            actor=actor,
            now=now,
        )
        return item


def notice_item_withdraw(*, item_id, actor, reason="", now=None):
    """The rights holder withdraws at any non-final step; a taken-down listing is reinstated."""
    with transaction.atomic():
        item = _lock(item_id)
        _require_holder_side(item, actor)
        if item.status in FINAL_STATUSES:
            raise TransitionError(
                f"Item {item.pk} is already {_status_label(item.status)}; a decided item cannot be withdrawn.",
                item=item,
            )
        _apply(
            item,
            Move(
                to=S.WITHDRAWN,
                action="withdrawn",
                reason=(reason or "").strip() or "Withdrawn by the rights holder.",
                effects=[(EffectKind.REINSTATE, f"v{item.version + 1}", {"listing": item.listing_id})],
                final=True,
            ),
            actor=actor,
            now=now,
        )
        return item


def notice_item_reverse(*, item_id, actor, reason, appeal_id, now=None):
    """A senior reviewer reverses a final decision on appeal; what followed the first decision is undone."""
    if actor is None or not user_is_senior_reviewer(actor):
        raise PermissionDenied("Only senior reviewers decide appeals.")
    now = now or timezone.now()
    with transaction.atomic():
        item = _lock(item_id)
        if item.decided_by_id is not None and item.decided_by_id == actor.pk:
            raise PermissionDenied("A senior reviewer who made the first decision cannot decide its appeal.")
        old_generation = item.decision_generation
        new_generation = old_generation + 1
        data = {"appeal": appeal_id, "reversed_generation": old_generation}
        if item.status == S.UPHELD:
            move = Move(
                to=S.DISMISSED,
                action="reversed_to_dismissed",
                reason=reason,
                fields={"took_down_listing": False, "reversed_against_filer": True},
                effects=[
                    (EffectKind.REVERSE_PENALTY, f"gen-{old_generation}", {"generation": old_generation}),
                    (EffectKind.REINSTATE, f"gen-{new_generation}", {"listing": item.listing_id}),
                ],
                statements=[
                    {"restriction": RestrictionKind.LISTING_RESTORED, "facts": reason, "automated_decision": False}
                ],
                data=data,
                final=True,
            )
        elif item.status == S.DISMISSED:
            move = Move(
                to=S.UPHELD,
                action="reversed_to_upheld",
                reason=reason,
                fields={"took_down_listing": True, "automated_decision": False, "reversed_against_filer": False},
                effects=uphold_effects(item, new_generation),
                statements=[uphold_statement(item, automated_decision=False, facts=reason)],
                data=data,
                final=True,
            )
        elif item.status == S.REJECTED:
            # While rejected the item was not open, so the holder may have filed again for the same
            # listing and asset; reopening now would break the one-open-item rule.
            other = (
                NoticeItem.objects.filter(listing_id=item.listing_id, ip_asset_id=item.ip_asset_id)
                .filter(status__in=OPEN_STATUSES)
                .exclude(pk=item.pk)
                .values_list("pk", flat=True)
                .first()
            )
            if other is not None:
                raise TransitionError(
                    f"Item {item.pk} cannot be reopened: item {other} is already open for the same listing and "
                    "asset; decide the complaint there, or confirm the rejection.",
                    item=item,
                    code="duplicate",
                )
            move = Move(
                to=S.AWAITING_COUNTER_NOTICE,
                action="reopened_on_appeal",
                reason=reason,
                fields={"opened_at": now, "counter_notice_deadline": _counter_notice_window(now)},
                effects=[(EffectKind.MARK_UNDER_COMPLAINT, f"gen-{new_generation}", {"listing": item.listing_id})],
                data=data,
            )
            # Reopening is not a final decision, but it supersedes the rejection.
            item.decision_generation = new_generation
            move.fields["decision_generation"] = new_generation
        else:
            raise TransitionError(
                f"Item {item.pk} is {_status_label(item.status)}; that decision cannot be reversed.", item=item
            )
        _apply(item, move, actor=actor, now=now)
        return item


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
    status = S.INVALID if invalid_reason else S.SUBMITTED
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
            "action": "invalid" if invalid_reason else "submitted",
            "from_status": "",
            "to_status": status,
            "reason": invalid_reason or "Notice received.",
            "data": {"authorised_store_flag": authorised_store_flag} if authorised_store_flag else {},
        },
        audit_action="takedowns.item.invalid" if invalid_reason else "takedowns.item.submitted",
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
    event = ItemEvent.objects.create(item=item, **plan.event_fields)
    audit_log_record(
        action=plan.audit_action,
        actor=actor,
        actor_label=plan.audit_label,
        obj=item,
        organisation=notice.rights_holder.organisation,
        data=plan.audit_data(event.pk),
    )
    return item


AUDIT_REVERSIBLE = frozenset({S.AWAITING_COUNTER_NOTICE, S.COUNTER_NOTICED, S.PENDING_ADJUDICATION, S.UPHELD})


def notice_item_audit_reverse(*, item_id, actor, reason, now=None):
    """A quality audit finds a fast-track takedown wrong: dismissed, listing reinstated, any penalty removed.

    Counts against the filer's accuracy (``reversed_against_filer``).
    """
    _require_reviewer(actor)
    if not (reason or "").strip():
        raise TransitionError("Give both sides the reasons for reversing the takedown.", code="reason_required")
    with transaction.atomic():
        item = _lock(item_id)
        if item.track != Track.FAST or item.status not in AUDIT_REVERSIBLE:
            raise TransitionError(
                f"Item {item.pk} is {_status_label(item.status)}; only a standing fast-track takedown can be "
                "reversed in a quality audit.",
                item=item,
            )
        old_generation = item.decision_generation
        effects = [(EffectKind.REINSTATE, f"gen-{old_generation + 1}", {"listing": item.listing_id})]
        if item.status == S.UPHELD:
            effects.insert(0, (EffectKind.REVERSE_PENALTY, f"gen-{old_generation}", {"generation": old_generation}))
        _apply(
            item,
            Move(
                to=S.DISMISSED,
                action="audit_reversed",
                reason=reason.strip(),
                fields={"took_down_listing": False, "reversed_against_filer": True},
                effects=effects,
                statements=[
                    {
                        "restriction": RestrictionKind.LISTING_RESTORED,
                        "facts": reason.strip(),
                        "automated_decision": False,
                    }
                ],
                data={"reversed_generation": old_generation},
                final=True,
            ),
            actor=actor,
            now=now,
        )
        return item
