"""Listing images: the one write path of a listing's pictures (the partner API, the demo seed).

A picture is checked by the portal's upload validator (``portal.uploads``: the type from the bytes,
the size and pixel limits, the request's upload budget) and re-encoded; the clean bytes are stored
under a name the server builds, with their SHA-256 (``content_hash``), size, type and dimensions.
New pictures go after the listing's others, in the order sent; removing one leaves the others'
positions as they are. A listing keeps at most ``settings.LISTING_MAX_IMAGES`` pictures, and a
listing removed from the marketplace is not changed again (``listings.catalogue``), its pictures
neither.

Nothing is half-written: every file of a request is validated before anything is stored, and the
rows, the stored files and the audit entry are one transaction (``portal.transactions``: a rollback
deletes the files it stored). A removed picture's file is deleted once the removal has committed.
Each change moves the listing's ``updated_at`` (the version screening reads) and is announced after
the commit (``listings.announcements``, trigger ``changed``), so the listing is screened again.

The Django admin's inline applies the same rules in its forms (``listings.admin``):
``listing_images_refusal`` and ``content_hash_of``.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from listings.announcements import CHANGED, listings_changed_on_commit
from listings.models import Listing, ListingImage, ListingStatus
from portal.audit import audit_log_record
from portal.errors import InvalidInput, TransitionError
from portal.i18n import text_later
from portal.transactions import durable_atomic, stored_file_track
from portal.uploads import validate_uploads

LISTING_REMOVED = "listing_removed"
TOO_MANY_IMAGES = "too_many_images"
NO_IMAGES = "no_images"


class ListingImagesRejected(ValidationError):
    """Some of the files sent are not acceptable pictures; ``rejections`` maps each one's index to its reason."""

    def __init__(self, rejections):
        super().__init__([ValidationError(str(error), code=error.code) for error in rejections.values()])
        self.rejections = dict(rejections)


def listing_images_max():
    return settings.LISTING_MAX_IMAGES


def listing_images_refusal(listing, *, before, after):
    """Why ``listing`` may not go from ``before`` to ``after`` pictures now, as a domain error, or None.

    The one rule for every channel: a removed listing's pictures stay as they are, and no change
    leaves a listing with more than ``LISTING_MAX_IMAGES`` (one that already has more, from before
    the limit was lowered, may still lose some).
    """
    if listing.status == ListingStatus.REMOVED:
        return TransitionError(
            text_later(
                _(
                    "Listing %(listing)s was removed from the marketplace; its images are kept as they were and "
                    "cannot be changed."
                ),
                listing=listing.external_id,
            ),
            item=listing,
            code=LISTING_REMOVED,
        )
    limit = listing_images_max()
    if after > before and after > limit:
        adding = after - before
        if adding > limit:
            return InvalidInput(
                text_later(
                    _("A listing has at most %(limit)s images; %(adding)s were sent. Send at most %(limit)s."),
                    limit=limit,
                    adding=adding,
                ),
                code=TOO_MANY_IMAGES,
            )
        room = max(limit - before, 0)
        return TransitionError(
            text_later(
                ngettext_lazy(
                    "Listing %(listing)s has %(before)s image and keeps at most %(limit)s: %(room)s more can be "
                    "added, not %(adding)s. Remove some first, or send fewer.",
                    "Listing %(listing)s has %(before)s images and keeps at most %(limit)s: %(room)s more can be "
                    "added, not %(adding)s. Remove some first, or send fewer.",
                    before,
                ),
                listing=listing.external_id,
                before=before,
                limit=limit,
                room=room,
                adding=adding,
            ),
            item=listing,
            code=TOO_MANY_IMAGES,
        )
    return None


def content_hash_of(file):
    """SHA-256 (hex) of a file's bytes, read from its start; the file is left at its start."""
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def listing_images_validate(files):
    """Every file through the upload validator; the clean uploads, or ListingImagesRejected naming each refused one."""
    validated, rejections = validate_uploads(files, kind="image")
    if rejections:
        raise ListingImagesRejected(rejections)
    return validated


def listing_images_add(*, listing, files, actor, now=None):
    """Add pictures to ``listing`` after its others, in the order given; all of them, or none.

    Raises ``ListingImagesRejected`` (a file is not an acceptable picture), ``InvalidInput`` (no file,
    or more than a listing may have) or ``TransitionError`` (the listing was removed, or has no room
    for them). Returns the new ``ListingImage`` rows.
    """
    files = list(files)
    if not files:
        raise InvalidInput(_("Send at least one image."), code=NO_IMAGES)
    # Refused before any picture is decoded when the answer is already known; checked again under the lock.
    count = _count(listing)
    refusal = listing_images_refusal(listing, before=count, after=count + len(files))
    if refusal is not None:
        raise refusal
    validated = listing_images_validate(files)
    now = now or timezone.now()
    with durable_atomic():
        # The listing's row lock orders concurrent changes of its pictures: the count and the positions
        # read below cannot change before this transaction commits.
        locked = _listing_lock(listing.pk)
        before = _count(locked)
        refusal = listing_images_refusal(locked, before=before, after=before + len(validated))
        if refusal is not None:
            raise refusal
        last = ListingImage.objects.filter(listing=locked).aggregate(last=Max("position"))["last"] or 0
        rows = []
        for offset, upload in enumerate(validated, start=1):
            row = ListingImage(
                listing=locked,
                content_type=upload.content_type,
                size=upload.size,
                width=upload.width,
                height=upload.height,
                position=last + offset,
                content_hash=content_hash_of(upload.content),
                created_at=now,
            )
            row.image.save(upload.name, upload.content, save=False)
            stored_file_track(row.image)  # deleted if this transaction rolls back
            row.save(force_insert=True)
            rows.append(row)
        _listing_touch(locked, now)
        audit_log_record(
            action="listings.listing.images_added",
            actor=actor,
            obj=locked,
            organisation_id=locked.store.merchant.organisation_id,
            data={
                "images": [
                    {
                        "id": row.pk,
                        "position": row.position,
                        "content_hash": row.content_hash,
                        "content_type": row.content_type,
                        "size": row.size,
                        "width": row.width,
                        "height": row.height,
                        "original_name": upload.original_name,
                    }
                    for row, upload in zip(rows, validated, strict=True)
                ]
            },
        )
        listing_images_changed_announce([locked.pk])
    return rows


def listing_image_remove(*, image, actor, now=None):
    """Remove one picture of a listing; the others keep their positions. Its file is deleted after the commit.

    Raises ``ListingImage.DoesNotExist`` when it is gone already (removed meanwhile) and
    ``TransitionError`` when its listing was removed from the marketplace.
    """
    now = now or timezone.now()
    with durable_atomic():
        locked = _listing_lock(image.listing_id)
        row = ListingImage.objects.get(pk=image.pk, listing=locked)
        count = _count(locked)
        refusal = listing_images_refusal(locked, before=count, after=count - 1)
        if refusal is not None:
            raise refusal
        storage, name = row.image.storage, row.image.name
        data = {
            "id": row.pk,
            "position": row.position,
            "content_hash": row.content_hash,
            "content_type": row.content_type,
            "size": row.size,
        }
        row.delete()
        _listing_touch(locked, now)
        audit_log_record(
            action="listings.listing.image_removed",
            actor=actor,
            obj=locked,
            organisation_id=locked.store.merchant.organisation_id,
            data={"image": data},
        )
        # Only once the row is gone for good: a rollback keeps both.
        transaction.on_commit(lambda: storage.delete(name) if name else None)
        listing_images_changed_announce([locked.pk])


def listing_images_changed_announce(listing_ids):
    """Tell screening, once the change has committed, that these listings' pictures changed: it screens them
    again (``listings.announcements``; nothing is announced if the transaction rolls back)."""
    listings_changed_on_commit(listing_ids, CHANGED)


def _count(listing):
    return ListingImage.objects.filter(listing_id=listing.pk).count()


def _listing_lock(listing_id):
    return Listing.objects.select_for_update(of=("self",)).select_related("store__merchant").get(pk=listing_id)


def _listing_touch(listing, now):
    # The version screening reads is the listing's updated_at: a change of its pictures is a new version.
    listing.updated_at = now
    Listing.objects.filter(pk=listing.pk).update(updated_at=now)
