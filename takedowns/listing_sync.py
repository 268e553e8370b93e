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
from django.db.models import Count, Q
from django.utils import timezone

from listings.models import Listing, ListingStatus
from portal.audit import audit_log_entry
from portal.bulk_insert import bulk_insert
from takedowns.models import ItemStatus, NoticeItem

# While an item is in one of these and took the listing down, the listing stays down.
HOLDS_LISTING_DOWN = frozenset(
    {ItemStatus.AWAITING_COUNTER_NOTICE, ItemStatus.COUNTER_NOTICED, ItemStatus.PENDING_ADJUDICATION, ItemStatus.UPHELD}
)
# Statuses in which the listing stays live but is shown as under complaint.
UNDER_COMPLAINT_STATUSES = frozenset(
    {ItemStatus.AWAITING_COUNTER_NOTICE, ItemStatus.COUNTER_NOTICED, ItemStatus.PENDING_ADJUDICATION}
)


def listing_statuses_wanted(listing_ids):
    """{listing id: the status its items call for}, in one query whatever the number of listings."""
    counts = (
        NoticeItem.objects.filter(listing_id__in=listing_ids)
        .order_by()
        .values("listing_id")
        .annotate(
            down=Count("pk", filter=Q(took_down_listing=True, status__in=HOLDS_LISTING_DOWN)),
            complaint=Count("pk", filter=Q(status__in=UNDER_COMPLAINT_STATUSES)),
        )
    )
    wanted = dict.fromkeys(listing_ids, ListingStatus.LIVE)
    for row in counts:
        if row["down"]:
            wanted[row["listing_id"]] = ListingStatus.TAKEN_DOWN
        elif row["complaint"]:
            wanted[row["listing_id"]] = ListingStatus.UNDER_COMPLAINT
    return wanted


def listing_status_wanted(listing_id):
    return listing_statuses_wanted([listing_id])[listing_id]


def listing_status_sync(listing_id, *, cause=""):
    """Bring the listing's status in line with its items. Returns the new status if it changed."""
    return listings_status_sync({listing_id: cause}).get(listing_id)


def listings_status_sync(causes, *, audit_entries=None):
    """Bring each listing's status in line with its items; ``causes`` maps listing id -> cause (audit text).

    Returns {listing id: new status} for the listings that changed. The listings are
    locked in id order, every one even if it stays as it is: a filing or a reinstatement
    recomputing the same listing at this moment waits for this transaction and then sees
    its items. A few queries for any number of listings (lock, items, one update per new
    status, the audit entries). ``audit_entries``: a list the caller inserts with its own
    entries, in this transaction; the changes' entries are appended to it instead of
    being inserted here.
    """
    if not causes:
        return {}
    # No savepoint: nothing here is caught and carried on from, so a caller's transaction needs none.
    with transaction.atomic(savepoint=False):
        listings = list(
            Listing.objects.select_for_update(of=("self",))
            .select_related("store__merchant")
            .filter(pk__in=causes)
            .order_by("pk")
        )
        wanted = listing_statuses_wanted([listing.pk for listing in listings])
        changed = [
            listing
            for listing in listings
            if listing.status != ListingStatus.REMOVED and wanted[listing.pk] != listing.status
        ]
        if not changed:
            return {}
        now = timezone.now()
        entries = []
        for listing in changed:
            before, listing.status, listing.updated_at = listing.status, wanted[listing.pk], now
            entries.append(
                audit_log_entry(
                    action=f"listings.listing.{listing.status}",
                    obj=listing,
                    organisation_id=listing.store.merchant.organisation_id,
                    data={"before": before, "after": listing.status, "cause": causes[listing.pk]},
                )
            )
        for status in {listing.status for listing in changed}:
            Listing.objects.filter(pk__in=[x.pk for x in changed if x.status == status]).update(
                status=status, updated_at=now
            )
        if audit_entries is None:
            bulk_insert(entries)
        else:
            audit_entries.extend(entries)
        return {listing.pk: listing.status for listing in changed}


def effects_listing_sync(effects):
    """Handler of the DELIST, REINSTATE and MARK_UNDER_COMPLAINT effects: their listings, in one sync.

    Every listing effect recomputes its listing's status from its items, so one sync of
    all the listings the effects name is what each would have done alone.
    """
    listing_of = dict(
        NoticeItem.objects.filter(pk__in={effect.item_id for effect in effects})
        .order_by()
        .values_list("pk", "listing_id")
    )
    causes = {}
    for effect in sorted(effects, key=lambda effect: effect.pk):
        causes.setdefault(listing_of[effect.item_id], f"effect {effect.pk} ({effect.kind}) of item {effect.item_id}")
    return listings_status_sync(causes)
