"""Known counterfeit images from decisions: every image of a listing upheld as counterfeit joins the index.

``takedowns.announcements.items_upheld_changed(item_ids)`` is answered here
(``upheld_items_changed``), in the transaction of the move that upheld an item or took the decision
back (adjudication, the deadline sweep's uphold by default, a reversal on appeal or in a quality
audit):

* an item now ``upheld`` with infringement type ``counterfeit``: a ``CounterfeitImage`` for each
  picture of its listing (``source=upheld_item``: its rights holder, its asset, the listing image, its
  storage name, content hash and perceptual hash), at most once per item and picture;
* an item no longer ``upheld`` (a reversed decision): its pictures leave the known counterfeits
  (another upheld item on the same pictures keeps its own rows).

When anything was added or removed, the snapshot's version moves on in the same transaction and each
holder's live listings are screened again (``snapshot_build.ip_register_changed_answer``), so the
pictures join (or leave) the image index of every worker. The picture is the listing image's own
file, not a copy: a merchant who removes a picture of a taken-down listing takes it out of the index
too (the snapshot leaves out, and logs, a file it cannot read).
"""

from listings.models import ListingImage
from screening.models import CounterfeitImage, CounterfeitSource
from screening.snapshot_build import ip_register_changed_answer
from takedowns.models import InfringementType, ItemStatus, NoticeItem


def upheld_items_changed(item_ids):
    """Add or remove the known counterfeit images of these items (see the module). Returns (added, removed)."""
    items = list(
        NoticeItem.objects.filter(pk__in=list(item_ids)).values_list(
            "pk", "status", "infringement_type", "listing_id", "ip_asset_id", "notice__rights_holder_id"
        )
    )
    upheld = [row for row in items if row[1] == ItemStatus.UPHELD and row[2] == InfringementType.COUNTERFEIT]
    not_upheld = [row for row in items if row[1] != ItemStatus.UPHELD]
    added_holders, removed_holders = set(), set()

    removed = 0
    if not_upheld:
        gone = CounterfeitImage.objects.filter(
            source=CounterfeitSource.UPHELD_ITEM, item_id__in=[row[0] for row in not_upheld]
        )
        removed_holders = set(gone.values_list("rights_holder_id", flat=True))
        removed, _ = gone.delete()

    added = 0
    if upheld:
        known = set(
            CounterfeitImage.objects.filter(
                source=CounterfeitSource.UPHELD_ITEM, item_id__in=[row[0] for row in upheld]
            ).values_list("item_id", "listing_image_id")
        )
        pictures = {}
        for image_id, listing_id, name, content_hash, perceptual_hash in (
            ListingImage.objects.filter(listing_id__in={row[3] for row in upheld})
            .order_by("listing_id", "position", "pk")
            .values_list("pk", "listing_id", "image", "content_hash", "perceptual_hash")
        ):
            if name:
                pictures.setdefault(listing_id, []).append((image_id, name, content_hash, perceptual_hash))
        new = []
        for item_id, _, _, listing_id, asset_id, holder_id in upheld:
            for image_id, name, content_hash, perceptual_hash in pictures.get(listing_id, ()):
                if (item_id, image_id) in known:
                    continue
                new.append(
                    CounterfeitImage(
                        rights_holder_id=holder_id,
                        asset_id=asset_id,
                        source=CounterfeitSource.UPHELD_ITEM,
                        item_id=item_id,
                        listing_image_id=image_id,
                        image_name=name,
                        content_hash=content_hash,
                        perceptual_hash=perceptual_hash,
                    )
                )
                added_holders.add(holder_id)
        added = len(CounterfeitImage.objects.bulk_create(new, ignore_conflicts=True))

    if added_holders:
        ip_register_changed_answer(added_holders, reason="Pictures of a listing upheld as counterfeit added")
    if removed_holders - added_holders:
        ip_register_changed_answer(
            removed_holders - added_holders,
            reason="Pictures of a counterfeit listing removed: the decision was reversed",
        )
    return added, removed
