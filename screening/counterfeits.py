"""Known counterfeit images from decisions: every image of a listing upheld as counterfeit joins the index.

``takedowns.announcements.items_upheld_changed(item_ids)`` is answered here
(``upheld_items_changed``), in the transaction of the move that upheld an item or took the decision
back (adjudication, the deadline sweep's uphold by default, a reversal on appeal or in a quality
audit):

* an item now ``upheld`` with infringement type ``counterfeit``: a ``CounterfeitImage`` for each
  picture of its listing (``source=upheld_item``: its rights holder, its asset, the listing image, its
  storage name and content hash), at most once per item and picture;
* an item no longer ``upheld`` (a reversed decision): its pictures leave the known counterfeits
  (another upheld item on the same pictures keeps its own rows).

When anything was added or removed, the snapshot's version moves on in the same transaction and each
holder's live listings are screened again (``snapshot_build.ip_register_changed_answer``), so the
pictures join (or leave) the image index of every worker. The picture is the listing image's own
file, not a copy: a merchant who removes a picture of a taken-down listing takes it out of the index
too (the snapshot leaves out, and logs, a file it cannot read).
"""

from screening.models import CounterfeitImage, CounterfeitSource
from screening.snapshot_build import ip_register_changed_answer
from takedowns.models import InfringementType, ItemStatus, NoticeItem


def upheld_items_changed(item_ids):
    """Add or remove the known counterfeit images of these items (see the module). Returns (added, removed).

    One query reads the items with their listings' pictures; nothing more is asked unless a picture is
    to be added or an item left ``upheld`` (the deadline sweep's batch stays a constant number of queries).
    """
    rows = NoticeItem.objects.filter(pk__in=list(item_ids)).values_list(
        "pk",
        "status",
        "infringement_type",
        "ip_asset_id",
        "notice__rights_holder_id",
        "listing__images__pk",
        "listing__images__image",
        "listing__images__content_hash",
    )
    new, not_upheld = [], {}
    for item_id, status, kind, asset_id, holder_id, image_id, name, content_hash in rows:
        if status != ItemStatus.UPHELD:
            not_upheld[item_id] = holder_id
        elif kind == InfringementType.COUNTERFEIT and image_id is not None and name:
            new.append(
                CounterfeitImage(
                    rights_holder_id=holder_id,
                    asset_id=asset_id,
                    source=CounterfeitSource.UPHELD_ITEM,
                    item_id=item_id,
                    listing_image_id=image_id,
                    image_name=name,
                    content_hash=content_hash or "",
                )
            )
    removed = 0
    if not_upheld:
        # One DELETE: nothing refers to a CounterfeitImage, so Django deletes without reading the rows first.
        removed, _ = CounterfeitImage.objects.filter(
            source=CounterfeitSource.UPHELD_ITEM, item_id__in=list(not_upheld)
        ).delete()
    # At most once per item and picture (unique): an item announced twice adds nothing the second time.
    added = len(CounterfeitImage.objects.bulk_create(new, ignore_conflicts=True)) if new else 0
    added_holders = {row.rights_holder_id for row in new}
    removed_holders = set(not_upheld.values()) - added_holders if removed else set()
    if added_holders:
        ip_register_changed_answer(added_holders, reason="Pictures of a listing upheld as counterfeit added")
    if removed_holders:
        ip_register_changed_answer(
            removed_holders, reason="Pictures of a counterfeit listing removed: the decision was reversed"
        )
    return added, removed
