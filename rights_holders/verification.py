"""A reviewer's decision on an IP asset; the only place verification_status moves.

Allowed moves are declared once. Each move locks the row, checks the current
state and the actor's right, saves, and writes the audit entry in one
transaction (STYLE.md habit 1).

A reviewer's decision (verify, reject) is made under a claim: opening a pending asset claims it for the
reviewer (``ip_asset_claim_take``, the one claim rule of ``portal.claims`` that every kind of reviewer
work shares); while the claim runs nobody else decides it and the decision verbs refuse them
(``ClaimHeld``); deciding ends the claim; an expired claim returns the asset to the queue.
"""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import claims as work_claims
from portal.audit import audit_log_record
from portal.i18n import lower_later, text_later
from portal.roles import user_is_reviewer
from portal.transactions import durable_atomic
from rights_holders.announcements import ip_register_changed
from rights_holders.models import AssetVerificationClaim, IPAsset, VerificationStatus
from rights_holders.scoping import rights_holder_ids_visible_to

S = VerificationStatus

ALLOWED_MOVES = {
    S.PENDING: {S.VERIFIED, S.REJECTED},
    S.REJECTED: {S.PENDING},  # the holder resubmits with better proof
    S.VERIFIED: {S.EXPIRED, S.REJECTED},  # rejected: verification withdrawn with a reason
    S.EXPIRED: {S.PENDING},  # renewed registration, to be checked again
}

VERIFICATION_CLAIMS = work_claims.ClaimKind(
    name="verification",
    model=IPAsset,
    claim_model=AssetVerificationClaim,
    field="asset",
    action="rights_holders.verification_claim",
    held=_("%(holder)s is verifying this asset until %(until)s; only they can decide it until then."),
    reviewers_only=_("Only platform reviewers claim assets to verify."),
    not_held=_("You do not hold a claim on this asset."),
)


class VerificationError(Exception):
    """An illegal move; pages show it as a message."""


def _move(*, asset_id, to, actor, reason, action, require_reviewer=True):
    if require_reviewer and (actor is None or not user_is_reviewer(actor)):
        raise PermissionDenied(_("Only platform reviewers decide on IP assets."))
    with durable_atomic():
        asset = IPAsset.objects.select_for_update().select_related("rights_holder").get(pk=asset_id)
        before = asset.verification_status
        if to not in ALLOWED_MOVES.get(before, set()):
            raise VerificationError(
                text_later(
                    _("%(asset)s is %(status)s; it cannot become %(target)s."),
                    asset=asset,
                    status=lower_later(S(before).label),
                    target=lower_later(S(to).label),
                )
            )
        asset.verification_status = to
        asset.verification_reason = reason
        asset.verified_by = actor
        asset.verified_at = timezone.now()
        asset.save(update_fields=["verification_status", "verification_reason", "verified_by", "verified_at"])
        audit_log_record(
            action=action,
            actor=actor,
            actor_label=None if actor else "system",
            obj=asset,
            organisation=asset.rights_holder.organisation,
            data={"before": before, "after": to, "reason": reason},
        )
        if S.VERIFIED in (before, to):  # screening reads verified assets only
            ip_register_changed([asset.rights_holder_id], reason=f"Asset {asset.name} {S(to).label.lower()}")
    return asset


def ip_asset_claim_take(*, asset_id, actor, now=None):
    """Claim the asset's verification for ``actor`` (or renew the actor's claim): opening it for decision.
    Raises ``portal.claims.ClaimHeld`` when another reviewer holds a running claim. Returns the claim."""
    return work_claims.work_claim_take(VERIFICATION_CLAIMS, obj_id=asset_id, actor=actor, now=now)


def ip_asset_claim_release(*, asset_id, actor):
    """The holder lets the asset go back to the queue; TransitionError when the actor holds no claim."""
    work_claims.work_claim_release(VERIFICATION_CLAIMS, obj_id=asset_id, actor=actor)


def _decide_claimed(*, asset_id, actor, decision, move):
    """A reviewer's decision under the asset's claim: refused while another reviewer holds it; ends it."""
    if actor is None or not user_is_reviewer(actor):
        raise PermissionDenied(_("Only platform reviewers decide on IP assets."))
    return work_claims.work_claim_decide(
        VERIFICATION_CLAIMS, obj_id=asset_id, actor=actor, decision=decision, decide=move
    )


def ip_asset_verify(*, asset_id, actor, reason=""):
    asset = IPAsset.objects.only("expires_on").get(pk=asset_id)
    if asset.expires_on and asset.expires_on < timezone.now().date():
        raise VerificationError(
            text_later(
                _("The registration expired on %(day)s; an expired right cannot be verified."), day=asset.expires_on
            )
        )
    return _decide_claimed(
        asset_id=asset_id,
        actor=actor,
        decision="verify",
        move=lambda: _move(
            asset_id=asset_id, to=S.VERIFIED, actor=actor, reason=reason, action="rights_holders.asset.verified"
        ),
    )


def ip_asset_reject(*, asset_id, actor, reason):
    if not reason or not reason.strip():
        raise VerificationError(_("Give the rights holder a reason for the rejection."))
    return _decide_claimed(
        asset_id=asset_id,
        actor=actor,
        decision="reject",
        move=lambda: _move(
            asset_id=asset_id, to=S.REJECTED, actor=actor, reason=reason.strip(), action="rights_holders.asset.rejected"
        ),
    )


def ip_asset_resubmit(*, asset_id, actor):
    asset = IPAsset.objects.only("rights_holder_id").get(pk=asset_id)
    if asset.rights_holder_id not in rights_holder_ids_visible_to(actor):
        raise PermissionDenied(_("Only the rights holder can resubmit its asset."))
    return _move(
        asset_id=asset_id,
        to=S.PENDING,
        actor=actor,
        reason="Resubmitted for verification",
        action="rights_holders.asset.resubmitted",
        require_reviewer=False,
    )


def ip_assets_expire(*, today=None):
    """Mark verified assets past their expiry date as expired (beat, daily). Returns how many."""
    today = today or timezone.now().date()
    ids = list(
        IPAsset.objects.filter(verification_status=S.VERIFIED, expires_on__lt=today).values_list("pk", flat=True)
    )
    for asset_id in ids:
        _move(
            asset_id=asset_id,
            to=S.EXPIRED,
            actor=None,
            reason=f"Registration expired before {today}",
            action="rights_holders.asset.expired",
            require_reviewer=False,
        )
    return len(ids)
