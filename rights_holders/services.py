"""Writes on rights-holder data that are not verification moves (see verification.py)."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import audit_log_record
from portal.models import Membership, MembershipRole
from portal.transactions import durable_atomic
from portal.uploads import upload_row_save, validate_upload
from rights_holders.announcements import ip_register_changed
from rights_holders.models import IPAsset, IPAssetProof, RightsHolder, VerificationStatus
from rights_holders.scoping import rights_holder_ids_visible_to


def _proof_store(*, asset, validated, actor):
    """Store a validated proof and its row inside the caller's transaction, which deletes the file if it rolls back."""
    proof = upload_row_save(IPAssetProof(asset=asset, uploaded_by=actor), validated)
    audit_log_record(
        action="rights_holders.asset.proof_added",
        actor=actor,
        obj=proof,
        organisation=asset.rights_holder.organisation,
        data={
            "asset_id": asset.pk,
            "original_name": validated.original_name,
            "content_type": validated.content_type,
            "size": validated.size,
        },
    )
    return proof


def ip_asset_proof_add(*, asset, uploaded_file, actor) -> IPAssetProof:
    """Validate a proof document, store it, record it; a refused or failed upload leaves nothing.

    Raises portal.uploads.UploadRejected (a ValidationError) before anything is
    written. If the database write or the audit entry fails after the file was
    stored, the transaction's rollback deletes the file, so no orphan remains.
    """
    validated = validate_upload(uploaded_file, kind="document")
    with durable_atomic():
        return _proof_store(asset=asset, validated=validated, actor=actor)


def ip_asset_register(*, rights_holder, fields, proof_file, actor) -> IPAsset:
    """A rights holder registers an IP asset with its proof; it waits for a reviewer's verification."""
    if rights_holder.pk not in rights_holder_ids_visible_to(actor):
        raise PermissionDenied(_("You cannot register rights for this rights holder."))
    validated = validate_upload(proof_file, kind="document")
    with durable_atomic():  # the rows and the proof's file: all kept, or none (the file follows the rows)
        asset = IPAsset.objects.create(
            rights_holder=rights_holder, verification_status=VerificationStatus.PENDING, **fields
        )
        audit_log_record(
            action="rights_holders.asset.registered",
            actor=actor,
            obj=asset,
            organisation=rights_holder.organisation,
            data={"kind": asset.kind, "registration_number": asset.registration_number, "office": asset.office},
        )
        _proof_store(asset=asset, validated=validated, actor=actor)
    return asset


def user_manages_proactive_enforcement(user, rights_holder):
    """Only the owners of the brand's own organisation opt it in or out (not its staff, not an agent firm)."""
    return (
        user is not None
        and user.is_authenticated
        and Membership.objects.people()
        .filter(user=user, organisation_id=rights_holder.organisation_id, role=MembershipRole.OWNER)
        .exists()
    )


def rights_holder_proactive_enforcement_set(*, rights_holder, enabled, actor) -> RightsHolder:
    """Opt the brand in to (or out of) proactive enforcement; audited. Setting the current value changes nothing.

    Opted in, the marketplace files fast-track notices for the brand on high-confidence screening
    hits (``takedowns.proactive``): the listing comes down at once and the merchant may
    counter-notice. Only an owner of the brand's organisation decides that.
    """
    if not user_manages_proactive_enforcement(actor, rights_holder):
        raise PermissionDenied(_("Only an owner of the brand's organisation may change proactive enforcement."))
    enabled = bool(enabled)
    with durable_atomic():
        # Locked: two owners changing it at once each see the other's value before writing theirs.
        holder = RightsHolder.objects.select_for_update().select_related("organisation").get(pk=rights_holder.pk)
        if holder.proactive_enforcement == enabled:
            return holder
        before = holder.proactive_enforcement
        holder.proactive_enforcement = enabled
        holder.proactive_enforcement_changed_at = timezone.now()
        holder.save(update_fields=["proactive_enforcement", "proactive_enforcement_changed_at"])
        audit_log_record(
            action="rights_holders.rights_holder.proactive_enforcement_" + ("enabled" if enabled else "disabled"),
            actor=actor,
            obj=holder,
            organisation=holder.organisation,
            data={"before": before, "after": enabled},
        )
        # screening's snapshot holds each brand's opt-in
        ip_register_changed([holder.pk], reason=f"Proactive enforcement turned {'on' if enabled else 'off'}")
    rights_holder.proactive_enforcement = holder.proactive_enforcement
    rights_holder.proactive_enforcement_changed_at = holder.proactive_enforcement_changed_at
    return holder
