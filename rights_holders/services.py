"""Writes on rights-holder data that are not verification moves (see verification.py)."""

from django.db import transaction

from portal.audit import audit_log_record
from portal.uploads import validate_upload
from rights_holders.models import IPAssetProof


def ip_asset_proof_add(*, asset, uploaded_file, actor) -> IPAssetProof:
    """Validate a proof document, store it, record it; a refused or failed upload leaves nothing.

    Raises portal.uploads.UploadRejected (a ValidationError) before anything is
    written. If the database write or the audit entry fails after the file was
    stored, the file is deleted and the error re-raised, so no orphan remains.
    """
    validated = validate_upload(uploaded_file, kind="document")
    proof = IPAssetProof(
        asset=asset,
        original_name=validated.original_name,
        content_type=validated.content_type,
        size=validated.size,
        uploaded_by=actor,
    )
    stored_name = None
    try:
        with transaction.atomic():
            proof.file.save(validated.name, validated.content, save=False)
            stored_name = proof.file.name
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
    except BaseException:
        if stored_name:
            proof.file.storage.delete(stored_name)
        proof.pk = None
        raise
    return proof
