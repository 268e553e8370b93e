"""Reads for the takedown pages: each selector owns its query shape (STYLE.md habit 7).

Every selector starts from a ``visible_to(user)`` queryset, so another
organisation's notice or item is simply not there (the page answers 404).
List selectors join or prefetch everything their page shows: a page costs the
same number of queries for one row as for a hundred.
"""

from collections import Counter

from django.db.models import Prefetch

from portal.scoping import organisation_ids_of, rights_holder_ids_visible_to
from rights_holders.models import IPAsset, RightsHolder
from takedowns.models import (
    OPEN_STATUSES,
    Appeal,
    AppealStatus,
    CannedReason,
    ItemEvent,
    ItemStatus,
    Notice,
    NoticeItem,
)

LIST_LIMIT = 200


def rights_holders_for_filing(user):
    """Holders the user may file for: their own brand, or brands their agent firm holds a valid letter for."""
    return RightsHolder.objects.filter(pk__in=rights_holder_ids_visible_to(user)).order_by("legal_name")


def ip_assets_for_filing(holders):
    """Assets that can back a notice (verified, not expired) of the given holders."""
    return IPAsset.objects.usable().filter(rights_holder__in=holders).select_related("rights_holder")


def notice_list(user, *, limit=LIST_LIMIT):
    """The notices the user may see, newest first, each with ``status_counts`` [(label, n), ...].

    Only the items the user may see are counted: a merchant sees the items naming its
    listings, not the rest of a notice filed against several stores.
    """
    items = NoticeItem.objects.visible_to(user).only("id", "notice_id", "status")
    notices = list(
        Notice.objects.visible_to(user)
        .select_related("rights_holder", "filer_organisation")
        .prefetch_related(Prefetch("items", queryset=items, to_attr="visible_items"))
        .order_by("-submitted_at", "-id")[:limit]
    )
    labels = dict(ItemStatus.choices)
    for notice in notices:
        counts = Counter(item.status for item in notice.visible_items)
        notice.status_counts = [(labels[s], counts[s]) for s in ItemStatus.values if counts[s]]
        notice.item_count = len(notice.visible_items)
    return notices


def notice_detail(user, pk):
    """One notice (raises Notice.DoesNotExist if not visible) with the items the user may see."""
    notice = (
        Notice.objects.visible_to(user).select_related("rights_holder", "filer_organisation", "filed_by").get(pk=pk)
    )
    notice.visible_items = list(
        NoticeItem.objects.visible_to(user)
        .filter(notice=notice)
        .select_related("listing__store", "ip_asset")
        .order_by("id")
    )
    return notice


def merchant_items(user, *, limit=LIST_LIMIT):
    """Items naming the user's merchants' listings: open ones first by nearest deadline, then decided ones."""
    orgs = organisation_ids_of(user)
    base = (
        NoticeItem.objects.filter(listing__store__merchant__organisation_id__in=orgs)
        .select_related("listing__store", "ip_asset", "notice__rights_holder")
        .order_by("counter_notice_deadline", "id")
    )
    open_items = list(base.filter(status__in=OPEN_STATUSES)[:limit])
    decided = list(base.exclude(status__in=OPEN_STATUSES).order_by("-decided_at", "-id")[:limit])
    return open_items, decided


def user_is_merchant(user):
    from listings.models import Merchant

    return Merchant.objects.filter(organisation_id__in=organisation_ids_of(user)).exists()


def item_detail(user, pk):
    """One item with everything its page shows; raises NoticeItem.DoesNotExist if not visible."""
    return (
        NoticeItem.objects.visible_to(user)
        .select_related(
            "notice__rights_holder",
            "notice__filer_organisation",
            "listing__store__merchant",
            "ip_asset",
            "decided_by",
            "counter_notice",
            "reply",
        )
        .prefetch_related(
            Prefetch("events", queryset=ItemEvent.objects.order_by("at", "id")),
            "evidence",
            "counter_notice__evidence",
            "statements",
            Prefetch("appeals", queryset=Appeal.objects.select_related("filed_by", "decided_by").order_by("filed_at")),
        )
        .get(pk=pk)
    )


def review_queue(*, limit=LIST_LIMIT):
    """Items waiting for a reviewer, the most urgent first (due 24 h after entering the queue)."""
    return list(
        NoticeItem.objects.review_queue().select_related("listing__store", "ip_asset", "notice__rights_holder")[:limit]
    )


def open_appeals(*, limit=LIST_LIMIT):
    return list(
        Appeal.objects.filter(status=AppealStatus.OPEN)
        .select_related("item__listing", "item__ip_asset", "item__notice__rights_holder", "filed_by")
        .order_by("due_at", "id")[:limit]
    )


def canned_reasons(outcomes):
    return list(CannedReason.objects.filter(active=True, outcome__in=outcomes).order_by("outcome", "title"))
