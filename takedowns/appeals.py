"""Appeals (internal complaints, DSA article 20): either side, within six months of a final decision.

A senior reviewer who did not make the first decision decides. Confirming
leaves the decision; reversing calls ``lifecycle.notice_item_reverse``, which
undoes what followed the first decision (penalty removed, listing reinstated
or taken down). The appeal's own status moves only here.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import audit_log_record
from portal.errors import InvalidInput, TransitionError
from portal.events import events_announce
from portal.i18n import lower_later, text_later
from portal.roles import user_is_senior_reviewer
from portal.scoping import organisation_ids_of
from portal.transactions import durable_atomic
from takedowns.lifecycle import REVERSALS, notice_item_reverse
from takedowns.models import (
    REACHED_MERCHANT_STATUSES,
    Appeal,
    AppealSide,
    AppealStatus,
    ItemStatus,
    NoticeItem,
    notice_holder_side,
)

# A decision can be appealed where the transition table has a reversal for it.
APPEALABLE = frozenset(REVERSALS)
# The side each final decision went for: it has nothing to appeal (issue 12: the winning side is not
# offered an appeal of its own win). Upheld is the complainant's win; dismissed and rejected the merchant's.
WINNER = {
    ItemStatus.UPHELD: AppealSide.RIGHTS_HOLDER,
    ItemStatus.DISMISSED: AppealSide.MERCHANT,
    ItemStatus.REJECTED: AppealSide.MERCHANT,
}


def appeal_deadline(item):
    return item.decided_at + timedelta(days=settings.TAKEDOWN_APPEAL_DAYS)


def appeal_possible(item, side, item_appeals, now):
    """Whether ``side`` may appeal the item's decision at ``now``; ``item_appeals`` are its appeals, loaded.

    What the item page and the API offer; ``appeal_file`` checks the same when the appeal comes.
    """
    if side is None or item.status not in APPEALABLE or not item.decided_at or now > appeal_deadline(item):
        return False
    if appeal_side_won(item, side):
        return False
    return not any(a.side == side and a.decision_generation == item.decision_generation for a in item_appeals)


def appeal_side_won(item, side):
    """Whether the item's decision went for ``side`` (which then may not appeal it)."""
    return side is not None and WINNER.get(item.status) == side


def appeal_side_of(item, user):
    """Which side the user stands on for this item, or None."""
    if (
        item.listing.store.merchant.organisation_id in organisation_ids_of(user)
        and item.status in REACHED_MERCHANT_STATUSES
    ):
        return AppealSide.MERCHANT
    if notice_holder_side(item.notice, user):
        return AppealSide.RIGHTS_HOLDER
    return None


def appeal_file(*, item_id, actor, statement, now=None):
    now = now or timezone.now()
    if not (statement or "").strip():
        raise InvalidInput(_("Explain why the decision should be changed."), code="statement_required")
    with durable_atomic():
        item = (
            NoticeItem.objects.select_for_update(of=("self",))
            .select_related("listing__store__merchant", "notice__rights_holder__organisation")
            .get(pk=item_id)
        )
        side = appeal_side_of(item, actor)
        if side is None:
            raise PermissionDenied(_("Only the rights holder or the merchant can appeal this decision."))
        if item.status not in APPEALABLE:
            raise TransitionError(
                text_later(
                    _("Item %(item)s is %(status)s; only a final decision can be appealed."),
                    item=item.pk,
                    status=lower_later(ItemStatus(item.status).label),
                ),
                item=item,
            )
        if appeal_side_won(item, side):
            raise TransitionError(
                _(
                    "The decision went your way: there is nothing for you to appeal. "
                    "The other side may appeal it; you will be told if it does."
                ),
                item=item,
                code="decision_in_your_favour",
            )
        if now > appeal_deadline(item):
            raise TransitionError(
                text_later(
                    _("The appeal period ended on %(when)s UTC."), when=f"{appeal_deadline(item):%Y-%m-%d %H:%M}"
                ),
                item=item,
                code="deadline_passed",
            )
        if Appeal.objects.filter(item=item, decision_generation=item.decision_generation, side=side).exists():
            raise TransitionError(_("You have already appealed this decision."), item=item, code="duplicate")
        appeal = Appeal.objects.create(
            item=item,
            decision_generation=item.decision_generation,
            side=side,
            filed_by=actor,
            statement=statement.strip(),
            filed_at=now,
            due_at=now + timedelta(hours=settings.TAKEDOWN_REVIEW_SLA_HOURS),
        )
        audit_log_record(
            action="takedowns.appeal.filed",
            actor=actor,
            obj=appeal,
            organisation=item.notice.rights_holder.organisation,
            data={"item": item.pk, "side": side, "generation": item.decision_generation},
        )
        return appeal


def appeal_decide(*, appeal_id, actor, reverse, reason, now=None):
    """Confirm or reverse. Reversal reverses the item in the same transaction."""
    if actor is None or not user_is_senior_reviewer(actor):
        raise PermissionDenied(_("Only senior reviewers decide appeals."))
    if not (reason or "").strip():
        raise InvalidInput(_("Give both sides the reasons for the appeal decision."), code="reason_required")
    now = now or timezone.now()
    with durable_atomic():
        appeal = Appeal.objects.select_for_update().select_related("item").get(pk=appeal_id)
        if appeal.status != AppealStatus.OPEN:
            raise TransitionError(
                text_later(
                    _("This appeal was already %(status)s."), status=lower_later(AppealStatus(appeal.status).label)
                ),
                code="decided",
            )
        item = appeal.item
        if item.decided_by_id == actor.pk:
            raise PermissionDenied(_("You made the first decision; another senior reviewer must decide the appeal."))
        if item.decision_generation != appeal.decision_generation:
            raise TransitionError(_("The decision under appeal has since changed; the appeal is moot."), code="moot")
        decided = [appeal.pk]
        if reverse:
            notice_item_reverse(item_id=item.pk, actor=actor, reason=reason.strip(), appeal_id=appeal.pk, now=now)
            # The other side's appeal against the same decision has nothing left to decide.
            for other in (
                Appeal.objects.select_for_update()
                .filter(item=item, decision_generation=appeal.decision_generation, status=AppealStatus.OPEN)
                .exclude(pk=appeal.pk)
            ):
                other.status = AppealStatus.MOOT
                other.decided_by = actor
                other.decided_at = now
                other.decision_reason = "The decision was reversed on the other side's appeal."
                other.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
                decided.append(other.pk)
                audit_log_record(
                    action="takedowns.appeal.moot",
                    actor=actor,
                    obj=other,
                    data={"item": item.pk, "reversed_by_appeal": appeal.pk},
                )
        appeal.status = AppealStatus.REVERSED if reverse else AppealStatus.CONFIRMED
        appeal.decided_by = actor
        appeal.decided_at = now
        appeal.decision_reason = reason.strip()
        appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_log_record(
            action=f"takedowns.appeal.{appeal.status}",
            actor=actor,
            obj=appeal,
            data={"item": item.pk, "reason": appeal.decision_reason},
        )
        events_announce("appeal_decision", decided)
        return appeal
