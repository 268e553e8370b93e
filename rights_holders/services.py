"""Writes on rights-holder data that are not verification moves (see verification.py)."""

from django.core.exceptions import PermissionDenied

from portal.audit import audit_log_record
from portal.transactions import durable_atomic, stored_file_track
from portal.uploads import validate_upload
from rights_holders.models import IPAsset, IPAssetProof, VerificationStatus
from rights_holders.scoping import rights_holder_ids_visible_to


def _proof_store(*, asset, validated, actor):
    """Store a validated proof and its row inside the caller's transaction, which deletes the file if it rolls back."""
    proof = IPAssetProof(
        asset=asset,
        original_name=validated.original_name,
        content_type=validated.content_type,
        size=validated.size,
        uploaded_by=actor,
    )
    proof.file.save(validated.name, validated.content, save=False)
    stored_file_track(proof.file)
    proof.save()
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
        raise PermissionDenied("You cannot register rights for this rights holder.")
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
