"""A listing's status follows from its notice items; delist, reinstate and mark all recompute it.

Recomputing instead of flipping makes every listing effect idempotent and
correct when several items name one listing: the listing is down while any
item that took it down still holds it, under complaint while a reviewer-accepted
item's counter-notice window or adjudication runs, live otherwise. A listing
its merchant removed stays removed.

An item merely filed or waiting for review does not mark the listing: routing
to the review queue writes no listing effect, and DOMAIN.md marks the listing
"while the window runs" (opened by ``notice_item_accept``, which writes the
mark effect).
"""

from django.db import transaction
from django.utils import timezone

from listings.models import Listing, ListingStatus
from portal.audit import audit_log_record
from takedowns.models import ItemStatus, NoticeItem

# While an item is in one of these and took the listing down, the listing stays down.
HOLDS_LISTING_DOWN = frozenset(
    {ItemStatus.AWAITING_COUNTER_NOTICE, ItemStatus.COUNTER_NOTICED, ItemStatus.PENDING_ADJUDICATION, ItemStatus.UPHELD}
)
# Statuses in which the listing stays live but is shown as under complaint.
UNDER_COMPLAINT_STATUSES = frozenset(
    {ItemStatus.AWAITING_COUNTER_NOTICE, ItemStatus.COUNTER_NOTICED, ItemStatus.PENDING_ADJUDICATION}
)


def listing_status_wanted(listing_id):
    items = NoticeItem.objects.filter(listing_id=listing_id)
    if items.filter(took_down_listing=True, status__in=HOLDS_LISTING_DOWN).exists():
        return ListingStatus.TAKEN_DOWN
    if items.filter(status__in=UNDER_COMPLAINT_STATUSES).exists():
        return ListingStatus.UNDER_COMPLAINT
    return ListingStatus.LIVE


def listing_status_sync(listing_id, *, cause=""):
    """Bring the listing's status in line with its items. Returns the new status if it changed."""
    with transaction.atomic():
        listing = Listing.objects.select_for_update().select_related("store__merchant__organisation").get(pk=listing_id)
        if listing.status == ListingStatus.REMOVED:
            return None
        wanted = listing_status_wanted(listing_id)
        if wanted == listing.status:
            return None
        before = listing.status
        listing.status = wanted
        listing.updated_at = timezone.now()
        listing.save(update_fields=["status", "updated_at"])
        audit_log_record(
            action=f"listings.listing.{wanted}",
            obj=listing,
            organisation=listing.store.merchant.organisation,
            data={"before": before, "after": wanted, "cause": cause},
        )
        return wanted


def effect_listing_sync(effect):
    listing_status_sync(effect.item.listing_id, cause=f"effect {effect.pk} ({effect.kind}) of item {effect.item_id}")
