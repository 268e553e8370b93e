"""The merchant's dashboard: complaints most urgent first with the time left, points, restrictions and reasons."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from takedowns.models import ItemStatus, NoticeItem, Penalty, Sanction, SanctionKind, StatementOfReasons
from tests.bulk import notices_bulk_create
from tests.lists import list_queries_constant

URL = "takedowns:merchant-dashboard"


def _complaints(asset, store, statuses):
    """One complaint per status, each due at a chosen time: {status: item}."""
    made = {}
    now = timezone.now()
    for n, (status, hours) in enumerate(statuses):
        (notice,) = notices_bulk_create(asset, store, 1, status=status)
        item = NoticeItem.objects.get(notice=notice)
        when = now + timedelta(hours=hours)
        NoticeItem.objects.filter(pk=item.pk).update(
            counter_notice_deadline=when if status == ItemStatus.AWAITING_COUNTER_NOTICE else None,
            review_due_at=when,
            decided_at=now - timedelta(hours=n) if status == ItemStatus.UPHELD else None,
        )
        made[(status, hours)] = item
    return made


def test_complaints_come_most_urgent_first_with_the_time_left(client, merchant_user, asset_a, store):
    made = _complaints(
        asset_a,
        store,
        [
            (ItemStatus.UPHELD, 0),
            (ItemStatus.PENDING_REVIEW, 5),
            (ItemStatus.AWAITING_COUNTER_NOTICE, 50),
            (ItemStatus.AWAITING_COUNTER_NOTICE, 10),
        ],
    )
    client.force_login(merchant_user)
    response = client.get(reverse(URL))
    order = [item.pk for item in response.context["listing"].object_list]
    assert order == [
        made[(ItemStatus.AWAITING_COUNTER_NOTICE, 10)].pk,
        made[(ItemStatus.AWAITING_COUNTER_NOTICE, 50)].pk,
        made[(ItemStatus.PENDING_REVIEW, 5)].pk,
        made[(ItemStatus.UPHELD, 0)].pk,
    ]
    body = response.content.decode()
    assert "9 hours 59 minutes left" in body or "10 hours left" in body
    answer = reverse("takedowns:item-counter-notice", args=[made[(ItemStatus.AWAITING_COUNTER_NOTICE, 10)].pk])
    assert f'href="{answer}"' in body

    decided = client.get(reverse(URL), {"state": "decided"}).context["listing"].object_list
    assert [i.pk for i in decided] == [made[(ItemStatus.UPHELD, 0)].pk]


def test_points_and_restrictions_show_with_end_dates_and_reasons(client, merchant_user, asset_a, store):
    (notice,) = notices_bulk_create(asset_a, store, 1, status=ItemStatus.UPHELD)
    item = NoticeItem.objects.get(notice=notice)
    now = timezone.now()
    penalty = Penalty.objects.create(
        item=item,
        store=store,
        ip_asset=asset_a,
        infringement_type="counterfeit",
        points=12,
        expires_at=now + timedelta(days=365),
    )
    ends = now + timedelta(days=7)
    Sanction.objects.create(store=store, penalty=penalty, kind=SanctionKind.RESTRICTION, level="12", ends_at=ends)
    StatementOfReasons.objects.create(
        item=item,
        store=store,
        restriction="store_restricted",
        restriction_ends_at=ends,
        infringement_type="counterfeit",
        ground="Counterfeit goods.",
        facts="The store's live penalty points went from 6 to 12.",
        redress="Appeal within six months.",
    )
    client.force_login(merchant_user)
    body = client.get(reverse(URL)).content.decode()
    assert "12 penalty points in force" in body
    assert "Listing restriction" in body
    assert f"until {timezone.localtime(ends):%Y-%m-%d %H:%M}" in body
    assert "went from 6 to 12" in body
    assert reverse("takedowns:item-detail", args=[item.pk]) in body


def test_the_dashboard_is_for_merchants_only(client, owner_a, reviewer):
    for user in (owner_a, reviewer):
        client.force_login(user)
        assert client.get(reverse(URL)).status_code == 404


def test_another_merchants_complaints_are_not_listed(client, merchant_user, asset_a):
    from tests import factories

    other_store = factories.StoreFactory()
    notices_bulk_create(asset_a, other_store, 3, status=ItemStatus.AWAITING_COUNTER_NOTICE)
    client.force_login(merchant_user)
    assert list(client.get(reverse(URL)).context["listing"].object_list) == []


@pytest.mark.parametrize("params", [None, {"state": "open", "sort": "-urgent"}])
def test_the_dashboard_costs_the_same_queries_for_10_or_500_complaints(client, merchant_user, asset_a, store, params):
    client.force_login(merchant_user)
    list_queries_constant(
        client,
        reverse(URL),
        lambda n: notices_bulk_create(asset_a, store, n, status=ItemStatus.AWAITING_COUNTER_NOTICE),
        params=params,
    )
