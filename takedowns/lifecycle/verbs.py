"""The verbs: each locks the item, lets ``_apply`` check the move against the table, and writes it.

Every verb a person or the sweeper calls on its own runs in a durable
transaction (STYLE.md habit 17): it commits when it returns, and calling it
inside another transaction is a programming error Django refuses. The steps of
a larger service (``notice_item_route`` in the filing, ``notice_item_reverse``
in an appeal decision, ``notice_item_audit_reverse`` in a quality audit's
decision) join the caller's transaction instead; the caller is the durable one.

Policies of the Good Faith programme (the quality-audit draw, misuse measures)
are asked for through ``takedowns.policies``: takedowns never imports the app
above it.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput, TransitionError
from portal.i18n import text_later
from portal.transactions import durable_atomic
from takedowns.counter_notices import counter_notice_create
from takedowns.lifecycle.moves import (
    Move,
    _apply,
    _begin,
    _lock,
    counter_notice_window,
    move_check,
    reply_lapse_plan,
    route_plan,
    uphold_by_default_plan,
    uphold_effects,
    uphold_statement,
)
from takedowns.lifecycle.table import REVERSALS, transition_refusal
from takedowns.models import OPEN_STATUSES, EffectKind, ItemStatus, NoticeItem, RestrictionKind, RightsHolderReply
from takedowns.policies import policy
from takedowns.recorded import event_reasons

S = ItemStatus


def _reason_required(reason, message):
    """The trimmed reason, or a 400-class refusal: a missing reason is bad input, not a conflict."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(message, code="reason_required")
    return reason


def notice_item_route(*, item_id, track, reason="", actor=None, now=None):
    """After validation: standard track to the review queue, fast track down at once.

    A step of the filing (``takedowns.notices.notice_submit``): runs in its transaction.
    """
    now = now or timezone.now()
    with transaction.atomic():
        item = _lock(item_id)
        move = route_plan(item, track, reason, now)
        _apply(item, move, actor=actor, now=now)
        if move.action == "fast_tracked":
            # Drawn with the takedown (the move took the listing down), so every one has the same chance.
            policy("quality_audits_select")([item], now=now)
        return item


def notice_item_mark_invalid(*, item_id, reason, actor=None, now=None):
    reason = _reason_required(reason, _("Say why the item is invalid."))
    with durable_atomic():
        item = _lock(item_id)
        _apply(item, Move(action="invalid", reason=reason, fields={"invalid_reason": reason}), actor=actor, now=now)
        return item


def notice_item_accept(*, item_id, actor, reason="", now=None):
    """A reviewer finds the notice well-founded: the counter-notice window opens; the listing stays live."""
    now = now or timezone.now()
    with durable_atomic():
        item = _lock(item_id)
        _apply(
            item,
            Move(
                action="accepted",
                reason=reason or event_reasons.ACCEPTED,
                fields={"opened_at": now, "counter_notice_deadline": counter_notice_window(now)},
                effects=[(EffectKind.MARK_UNDER_COMPLAINT, f"v{item.version + 1}", {"listing": item.listing_id})],
            ),
            actor=actor,
            now=now,
        )
        return item


def notice_item_reject(*, item_id, actor, reason, manifestly_unfounded=False, now=None):
    """A reviewer rejects; ``manifestly_unfounded`` counts towards misuse measures (DSA article 23)."""
    reason = _reason_required(reason, _("Give the filer a reason for the rejection."))
    with durable_atomic():
        item = _lock(item_id)
        _apply(
            item,
            Move(
                action="rejected",
                reason=reason,
                fields={"manifestly_unfounded": bool(manifestly_unfounded)},
                data={"manifestly_unfounded": True} if manifestly_unfounded else {},
                effects=[(EffectKind.REINSTATE, f"v{item.version + 1}", {"listing": item.listing_id})],
            ),
            actor=actor,
            now=now,
        )
        if manifestly_unfounded and item.notice.filer_organisation_id:
            # Evaluated here, in the rejection's own transaction, rather than in a task after
            # commit: it is a lock and a count, and a strike can then never be committed without
            # its warning or suspension. The organisation lock it takes serialises concurrent
            # rejections of one filer, so a threshold crossed twice at once makes one measure.
            policy("misuse_evaluate")(organisation_id=item.notice.filer_organisation_id, now=item.decided_at)
        return item


def notice_item_counter_notice(*, item_id, actor, counter_notice_fields, evidence=(), now=None):
    """The merchant answers inside the window; after the deadline it is refused with the deadline shown.

    ``counter_notice_fields`` are the CounterNotice model's fields; ``evidence`` is a list of
    ``portal.uploads.ValidatedUpload`` already checked by the caller.
    """
    now = now or timezone.now()
    with durable_atomic():  # it deletes the evidence files it stored if it rolls back
        # Open while now < deadline; the sweep takes the item at the deadline (the table's guard).
        item = _begin(item_id, "counter_noticed", actor=actor, now=now)
        counter_notice = counter_notice_create(item, actor=actor, fields=counter_notice_fields, evidence=evidence)
        _apply(
            item,
            Move(
                action="counter_noticed",
                reason=event_reasons.COUNTER_NOTICED,
                fields={"reply_deadline": now + timedelta(hours=settings.TAKEDOWN_REPLY_HOURS)},
                data={"counter_notice": counter_notice.pk},
            ),
            actor=actor,
            now=now,
        )
        return item


def notice_item_reply(*, item_id, actor, statement, now=None):
    """The rights holder answers the counter-notice; the item goes to a reviewer."""
    now = now or timezone.now()
    statement = (statement or "").strip()
    if not statement:
        raise InvalidInput(_("Write the reply before sending it."), code="statement_required")
    with durable_atomic():
        item = _begin(item_id, "replied", actor=actor, now=now)
        RightsHolderReply.objects.create(item=item, submitted_by=actor, statement=statement, submitted_at=now)
        _apply(item, Move(action="replied", reason=event_reasons.REPLIED), actor=actor, now=now)
        return item


def _when_due(item_id, plan, action, now):
    """The sweeper's verbs: move the item if its window has passed; None when it is not (or no longer) due."""
    now = now or timezone.now()
    with durable_atomic():
        item = _lock(item_id)
        if transition_refusal(item, action, actor=None, now=now) is not None:
            return None
        _apply(item, plan(item), actor=None, now=now)
        return item


def notice_item_reply_lapse(*, item_id, now=None):
    """The rights holder's reply window passed: the item goes to a reviewer (sweeper)."""
    return _when_due(item_id, reply_lapse_plan, "reply_window_lapsed", now)


def notice_item_uphold_by_default(*, item_id, now=None):
    """The counter-notice window passed without an answer: upheld (sweeper, one item)."""
    return _when_due(item_id, uphold_by_default_plan, "upheld_no_counter_notice", now)


def notice_item_uphold(*, item_id, actor, reason, now=None):
    reason = _reason_required(reason, _("Give both sides the reasons for the decision."))
    with durable_atomic():
        item = _lock(item_id)
        generation = item.decision_generation + 1
        _apply(
            item,
            Move(
                action="upheld",
                reason=reason,
                fields={"took_down_listing": True, "automated_decision": False},
                effects=uphold_effects(item, generation),
                statements=[uphold_statement(item, automated_decision=False, facts=reason)],
            ),
            actor=actor,
            now=now,
        )
        return item


def notice_item_dismiss(*, item_id, actor, reason, now=None):
    reason = _reason_required(reason, _("Give both sides the reasons for the decision."))
    with durable_atomic():
        item = _lock(item_id)
        statements = []
        if item.took_down_listing:
            statements.append(
                {"restriction": RestrictionKind.LISTING_RESTORED, "facts": reason, "automated_decision": False}
            )
        _apply(
            item,
            Move(
                action="dismissed",
                reason=reason,
                effects=[(EffectKind.REINSTATE, f"gen-{item.decision_generation + 1}", {"listing": item.listing_id})],
                statements=statements,
            ),
            actor=actor,
            now=now,
        )
        return item


def notice_item_withdraw(*, item_id, actor, reason="", now=None):
    """The rights holder withdraws at any non-final step; a taken-down listing is reinstated."""
    with durable_atomic():
        item = _lock(item_id)
        _apply(
            item,
            Move(
                action="withdrawn",
                reason=(reason or "").strip() or event_reasons.WITHDRAWN,
                effects=[(EffectKind.REINSTATE, f"v{item.version + 1}", {"listing": item.listing_id})],
            ),
            actor=actor,
            now=now,
        )
        return item


def _reversal_move(item, *, reason, data, now):
    """The move that reverses ``item``'s final decision, by the status it is in (the table's REVERSALS)."""
    old_generation = item.decision_generation
    new_generation = old_generation + 1
    action = REVERSALS.get(item.status)
    if action == "reversed_to_dismissed":
        return Move(
            action=action,
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
        )
    if action == "reversed_to_upheld":
        return Move(
            action=action,
            reason=reason,
            fields={"took_down_listing": True, "automated_decision": False, "reversed_against_filer": False},
            effects=uphold_effects(item, new_generation),
            statements=[uphold_statement(item, automated_decision=False, facts=reason)],
            data=data,
        )
    if action == "reopened_on_appeal":
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
                text_later(
                    _(
                        "Item %(item)s cannot be reopened: item %(other)s is already open for the same listing and "
                        "asset; decide the complaint there, or confirm the rejection."
                    ),
                    item=item.pk,
                    other=other,
                ),
                item=item,
                code="duplicate",
            )
        # Reopening is not a final decision, but it supersedes the rejection.
        item.decision_generation = new_generation
        return Move(
            action=action,
            reason=reason,
            fields={
                "opened_at": now,
                "counter_notice_deadline": counter_notice_window(now),
                "decision_generation": new_generation,
            },
            effects=[(EffectKind.MARK_UNDER_COMPLAINT, f"gen-{new_generation}", {"listing": item.listing_id})],
            data=data,
        )
    raise AssertionError(f"no reversal from {item.status}")


def notice_item_reverse(*, item_id, actor, reason, appeal_id, now=None):
    """A senior reviewer reverses a final decision on appeal; what followed the first decision is undone.

    A step of ``takedowns.appeals.appeal_decide``: runs in its (durable) transaction.
    """
    reason = _reason_required(reason, _("Give both sides the reasons for the appeal decision."))
    now = now or timezone.now()
    with transaction.atomic():
        item = _lock(item_id)
        # The reversal is chosen by the item's status; an item in none of the reversals' statuses is
        # refused by the table with the reversals' own message.
        move_check(item, REVERSALS.get(item.status, "reversed_to_dismissed"), actor=actor, now=now)
        if item.decided_by_id is not None and item.decided_by_id == actor.pk:
            raise PermissionDenied(_("A senior reviewer who made the first decision cannot decide its appeal."))
        data = {"appeal": appeal_id, "reversed_generation": item.decision_generation}
        _apply(item, _reversal_move(item, reason=reason, data=data, now=now), actor=actor, now=now)
        return item


def notice_item_audit_reverse(*, item_id, actor, reason, now=None):
    """A quality audit finds a fast-track takedown wrong: dismissed, listing reinstated, any penalty removed.

    Counts against the filer's accuracy (``reversed_against_filer``). A step of
    ``good_faith.audits.quality_audit_decide``: runs in its (durable) transaction.
    """
    reason = _reason_required(reason, _("Give both sides the reasons for reversing the takedown."))
    with transaction.atomic():
        item = _lock(item_id)
        old_generation = item.decision_generation
        effects = [(EffectKind.REINSTATE, f"gen-{old_generation + 1}", {"listing": item.listing_id})]
        if item.status == S.UPHELD:
            effects.insert(0, (EffectKind.REVERSE_PENALTY, f"gen-{old_generation}", {"generation": old_generation}))
        _apply(
            item,
            Move(
                action="audit_reversed",
                reason=reason,
                fields={"took_down_listing": False, "reversed_against_filer": True},
                effects=effects,
                statements=[
                    {"restriction": RestrictionKind.LISTING_RESTORED, "facts": reason, "automated_decision": False}
                ],
                data={"reversed_generation": old_generation},
            ),
            actor=actor,
            now=now,
        )
        return item
