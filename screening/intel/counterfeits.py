"""Known counterfeit pictures a brand uploads (``CounterfeitImage``, source ``holder_upload``): every file
through the portal's upload validator (``portal.uploads``: type by content, re-encoded, size and pixel
limits), all of a submission or none, stored under a server name, audited, and the snapshot's version
moved in the same transaction, so workers compare listing images with them from the next batch on.

A picture the brand already uploaded (the same bytes after re-encoding) is refused, naming it. An
upload may name one of the brand's verified assets, or none (then it counts for each of its brands).
Removal deletes the row (audited) and, once committed, the file. Pictures added from upheld items
(source ``upheld_item``) follow their decisions and are not removed here.
"""

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.audit import audit_log_record
from portal.errors import InvalidInput
from portal.transactions import durable_atomic, stored_file_track
from portal.uploads import validate_uploads
from rights_holders.announcements import ip_register_changed
from rights_holders.models import IPAsset, RightsHolder, VerificationStatus
from screening.intel.access import actor_check
from screening.models import CounterfeitImage, CounterfeitSource

MAX_PER_HOLDER = 500


class CounterfeitImagesRejected(InvalidInput):
    """Some files are not acceptable; ``rejections`` maps each one's index to its reason. Nothing was stored."""

    default_code = "counterfeit_images_rejected"

    def __init__(self, rejections, *, names, code=None):
        self.rejections = dict(rejections)
        self.lines = [
            _named(names[i] or _("file %(n)s") % {"n": i + 1}, why) for i, why in sorted(self.rejections.items())
        ]
        super().__init__(_("Nothing was uploaded. %(problems)s") % {"problems": "; ".join(self.lines)}, code=code)


def _named(name, why):
    """Why a file was refused, naming it once: the upload validator's reasons begin with the name already."""
    return why if why.startswith(name) else f"{name}: {why}"


def _sha256(content):
    content.seek(0)
    digest = hashlib.sha256(content.read()).hexdigest()
    content.seek(0)
    return digest


def counterfeit_images_upload(*, rights_holder_id, files, actor, asset_id=None, now=None):
    """Store ``files`` as the brand's known counterfeit pictures (of ``asset_id``, or of all its brands).

    Returns the new CounterfeitImage rows. Raises ``CounterfeitImagesRejected`` (naming each refused file),
    ``InvalidInput`` (no file, an asset not the brand's or not verified, too many) or ``PermissionDenied``.
    """
    files = list(files)
    if not files:
        raise InvalidInput(_("Choose at least one picture of a counterfeit."), code="no_images")
    actor_check(actor, int(rights_holder_id))
    names = [getattr(f, "name", "") or "" for f in files]
    validated, rejected = validate_uploads(files, kind="image")
    if rejected:
        raise CounterfeitImagesRejected({index: str(error) for index, error in rejected.items()}, names=names)
    hashes = [_sha256(upload.content) for upload in validated]
    repeated = {i: _("the same picture is chosen twice.") for i, h in enumerate(hashes) if h in hashes[:i]}
    if repeated:
        raise CounterfeitImagesRejected(repeated, names=names, code="duplicate_image")
    now = now or timezone.now()
    with durable_atomic():
        # The holder's row lock orders two uploads of the same brand: the duplicate check sees the other's rows.
        holder = RightsHolder.objects.select_for_update().get(pk=rights_holder_id)
        asset = None
        if asset_id is not None:
            asset = IPAsset.objects.filter(pk=asset_id, rights_holder=holder).first()
            if asset is None or asset.verification_status != VerificationStatus.VERIFIED:
                raise InvalidInput(
                    _("Choose one of your brand's verified assets, or none (the picture then counts for all of them)."),
                    code="asset_not_verified",
                )
        uploads = CounterfeitImage.objects.filter(rights_holder=holder, source=CounterfeitSource.HOLDER_UPLOAD)
        earlier = dict(uploads.filter(content_hash__in=hashes).values_list("content_hash", "created_at"))
        already = {
            i: _("your brand uploaded this picture on %(date)s.") % {"date": date_format(earlier[h])}
            for i, h in enumerate(hashes)
            if h in earlier
        }
        if already:
            raise CounterfeitImagesRejected(already, names=names, code="already_uploaded")
        count = uploads.count()
        if count + len(validated) > MAX_PER_HOLDER:
            raise InvalidInput(
                _("A brand keeps at most %(max)s uploaded counterfeit pictures; yours has %(n)s. Remove some first.")
                % {"max": MAX_PER_HOLDER, "n": count},
                code="too_many_images",
            )
        rows = []
        for upload, digest in zip(validated, hashes, strict=True):
            row = CounterfeitImage(
                rights_holder=holder,
                asset=asset,
                source=CounterfeitSource.HOLDER_UPLOAD,
                original_name=upload.original_name[:255],
                content_type=upload.content_type,
                size=upload.size,
                content_hash=digest,
                uploaded_by=actor,
                created_at=now,
            )
            row.file.save(upload.name, upload.content, save=False)
            stored_file_track(row.file)  # deleted if this transaction rolls back
            row.image_name = row.file.name
            row.save(force_insert=True)
            rows.append(row)
        audit_log_record(
            action="screening.counterfeit_images.uploaded",
            actor=actor,
            obj=holder,
            organisation_id=holder.organisation_id,
            data={
                "asset": asset.pk if asset else None,
                "images": [
                    {
                        "id": row.pk,
                        "content_hash": row.content_hash,
                        "original_name": row.original_name,
                        "size": row.size,
                    }
                    for row in rows
                ],
            },
        )
        count_words = f"{len(rows)} known counterfeit picture{'' if len(rows) == 1 else 's'}"
        ip_register_changed([holder.pk], reason=f"{count_words} uploaded")
    return rows


def counterfeit_image_remove(*, image_id, actor):
    """Remove one uploaded counterfeit picture; its file is deleted after the commit.

    Raises ``CounterfeitImage.DoesNotExist`` when it is gone (or not an upload) and ``PermissionDenied``.
    """
    with durable_atomic():
        row = (
            CounterfeitImage.objects.select_for_update()
            .select_related("rights_holder")
            .get(pk=image_id, source=CounterfeitSource.HOLDER_UPLOAD)
        )
        actor_check(actor, row.rights_holder_id)
        holder = row.rights_holder
        storage, name = row.file.storage, row.file.name
        data = {"id": row.pk, "content_hash": row.content_hash, "original_name": row.original_name}
        row.delete()
        audit_log_record(
            action="screening.counterfeit_image.removed",
            actor=actor,
            obj=holder,
            organisation_id=holder.organisation_id,
            data=data,
        )
        ip_register_changed([holder.pk], reason="A known counterfeit picture removed")
        # Only once the row is gone for good: a rollback keeps both.
        transaction.on_commit(lambda: storage.delete(name) if name else None)
