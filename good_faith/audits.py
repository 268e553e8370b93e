"""Quality audits: a random share of fast-track takedowns checked by a reviewer afterwards.

The draw happens in the transaction that routes the item to the fast track
(``takedowns.lifecycle.notice_item_route``), so an item is never taken down
without its chance of an audit, and a rolled-back filing leaves no audit. A
reviewer then confirms the takedown or reverses it; a reversal goes through
``takedowns.lifecycle.notice_item_audit_reverse`` (listing reinstated, any
penalty removed, counted against the holder's accuracy).

Opening an audit claims it for the reviewer (``quality_audit_claim_take``, the one claim rule of
``portal.claims``, which every kind of reviewer work shares): while the claim runs nobody else decides
the audit, and ``quality_audit_decide`` refuses them (``ClaimHeld``); deciding ends the claim; an expired
claim returns the audit to the queue.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from good_faith.models import QualityAudit, QualityAuditClaim, QualityAuditStatus
from portal import claims as work_claims
from portal.audit import audit_log_entry, audit_log_record
from portal.errors import InvalidInput, TransitionError
from portal.i18n import lower_later, text_later
from portal.models import AuditLogEntry
from portal.roles import user_is_reviewer
from portal.transactions import durable_atomic
from takedowns.lifecycle import notice_item_audit_reverse, transition_refusal
from takedowns.models import ItemStatus, NoticeItem, Track

AUDIT_CLAIMS = work_claims.ClaimKind(
    name="audit",
    model=QualityAudit,
    claim_model=QualityAuditClaim,
    field="audit",
    action="good_faith.audit_claim",
    held=_("%(holder)s is working on this audit until %(until)s; only they can decide it until then."),
    reviewers_only=_("Only platform reviewers claim quality audits."),
    not_held=_("You do not hold a claim on this audit."),
)

# The operating system's randomness: a filer cannot predict or steer which takedowns are audited.
_SYSTEM_RANDOM = secrets.SystemRandom()


def quality_audit_drawn(rng=None):
    """One draw: True with probability GOOD_FAITH_AUDIT_PERCENT / 100."""
    percent = settings.GOOD_FAITH_AUDIT_PERCENT
    if percent <= 0:
        return False
    return (rng or _SYSTEM_RANDOM).random() * 100 < percent


def quality_audits_select(items, *, rng=None, now=None):
    """Draw each fast-track takedown among ``items`` for audit; write the audits drawn and their audit entries.

    One function for one item (the route verb) and for a notice's items at once
    (the set filing, ``takedowns.routing``), registered as the ``quality_audits_select``
    policy: one draw per fast-track takedown, in the items' order, so a seeded ``rng``
    (any ``random.Random``; tests pass one) selects the same items either way. Call it
    inside the routing transaction: an item is routed once, so none has an audit yet
    (a second one for an item is refused by the unique item of ``QualityAudit``).
    Returns the new audits.
    """
    drawn = [item for item in items if item.track == Track.FAST and item.took_down_listing and quality_audit_drawn(rng)]
    if not drawn:
        return []
    now = now or timezone.now()
    audits = QualityAudit.objects.bulk_create(
        [
            QualityAudit(item=item, selected_at=now, due_at=now + timedelta(hours=settings.TAKEDOWN_REVIEW_SLA_HOURS))
            for item in drawn
        ]
    )
    AuditLogEntry.objects.bulk_create(
        [
            audit_log_entry(
                action="good_faith.quality_audit.selected",
                obj=audit,
                organisation_id=item.notice.rights_holder.organisation_id,
                data={
                    "item": item.pk,
                    "due_at": audit.due_at.isoformat(),
                    "percent": settings.GOOD_FAITH_AUDIT_PERCENT,
                },
            )
            for item, audit in zip(drawn, audits, strict=True)
        ]
    )
    return audits


def quality_audit_maybe_select(item, *, rng=None, now=None):
    """Draw one fast-track takedown for audit after its routing (the demo, tests). Returns the new audit or None.

    An item that already has an audit keeps it (and takes no draw).
    """
    if QualityAudit.objects.filter(item=item).exists():
        return None
    audits = quality_audits_select([item], rng=rng, now=now)
    return audits[0] if audits else None


def _standing(item, actor, now):
    """The takedown still stands: the transition table would let this reviewer reverse it in an audit now."""
    return transition_refusal(item, "audit_reversed", actor=actor, now=now) is None


def quality_audit_claim_take(*, audit_id, actor, now=None):
    """Claim the audit for ``actor`` (or renew the actor's claim): opening it for decision. Raises
    ``portal.claims.ClaimHeld`` when another reviewer holds a running claim. Returns the claim."""
    return work_claims.work_claim_take(AUDIT_CLAIMS, obj_id=audit_id, actor=actor, now=now)


def quality_audit_claim_release(*, audit_id, actor):
    """The holder lets the audit go back to the queue; TransitionError when the actor holds no claim."""
    work_claims.work_claim_release(AUDIT_CLAIMS, obj_id=audit_id, actor=actor)


def quality_audit_decide(*, audit_id, actor, reverse, reason, now=None):
    """A reviewer confirms or reverses an audited takedown. Returns the audit.

    The audit is claimed for the reviewer first (refused with ``ClaimHeld`` while another reviewer holds
    it), and the claim ends with the decision. An item withdrawn or dismissed in the meantime has no
    takedown left to reverse: confirming then only records the reviewer's finding.
    """
    if actor is None or not user_is_reviewer(actor):
        raise PermissionDenied(_("Only platform reviewers decide quality audits."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reasons for the audit decision."), code="reason_required")
    return work_claims.work_claim_decide(
        AUDIT_CLAIMS,
        obj_id=audit_id,
        actor=actor,
        decision="reverse" if reverse else "confirm",
        decide=lambda: _quality_audit_decide(audit_id=audit_id, actor=actor, reverse=reverse, reason=reason, now=now),
    )


def _quality_audit_decide(*, audit_id, actor, reverse, reason, now):
    now = now or timezone.now()
    with durable_atomic():
        # Audit first, then the item (in notice_item_audit_reverse): the only order anything locks both.
        audit = QualityAudit.objects.select_for_update().get(pk=audit_id)
        if audit.status != QualityAuditStatus.OPEN:
            raise TransitionError(
                text_later(
                    _("The audit of item %(item)s was already decided (%(status)s, %(when)s UTC)."),
                    item=audit.item_id,
                    status=lower_later(QualityAuditStatus(audit.status).label),
                    when=f"{audit.decided_at:%Y-%m-%d %H:%M}",
                ),
                code="already_decided",
            )
        item = (
            NoticeItem.objects.select_for_update(of=("self",))
            .select_related("notice__rights_holder__organisation")
            .get(pk=audit.item_id)
        )
        standing = _standing(item, actor, now)
        if reverse:
            if not standing:
                raise TransitionError(
                    text_later(
                        _(
                            "Item %(item)s is %(status)s: the takedown is no longer standing, so there is nothing "
                            "to reverse. Confirm the audit to record your finding."
                        ),
                        item=item.pk,
                        status=lower_later(ItemStatus(item.status).label),
                    ),
                    item=item,
                    code="not_standing",
                )
            item.status = notice_item_audit_reverse(item_id=item.pk, actor=actor, reason=reason, now=now).status
            audit.status = QualityAuditStatus.REVERSED
        else:
            audit.status = QualityAuditStatus.CONFIRMED
        audit.decided_by = actor
        audit.decided_at = now
        audit.reason = reason
        audit.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        audit_log_record(
            action=f"good_faith.quality_audit.{audit.status}",
            actor=actor,
            obj=audit,
            organisation=item.notice.rights_holder.organisation,
            data={"item": item.pk, "reason": reason, "item_status": item.status, "takedown_standing": standing},
        )
        return audit
