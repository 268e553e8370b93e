"""The notice list: filters, sortable columns and pages, in a constant number of queries (portal/lists.py)."""

import pytest
from django.urls import reverse

from takedowns.models import Channel, ItemStatus
from tests.bulk import notices_bulk_create
from tests.lists import list_queries_constant

pytestmark = pytest.mark.django_db

URL = "takedowns:notice-list"


def test_the_notice_list_costs_the_same_queries_for_10_or_500_notices(client, owner_a, asset_a, store):
    client.force_login(owner_a)
    list_queries_constant(client, reverse(URL), lambda n: notices_bulk_create(asset_a, store, n))


def test_filtered_and_sorted_the_list_still_costs_the_same_queries(client, owner_a, asset_a, store):
    client.force_login(owner_a)
    params = {"channel": "web", "item_status": ItemStatus.PENDING_REVIEW, "sort": "-channel"}
    list_queries_constant(client, reverse(URL), lambda n: notices_bulk_create(asset_a, store, n), params=params)


def test_the_merchant_side_costs_the_same_queries_for_10_or_500_notices(client, merchant_user, asset_a, store):
    client.force_login(merchant_user)
    list_queries_constant(client, reverse(URL), lambda n: notices_bulk_create(asset_a, store, n))


def test_filters_narrow_the_list(client, owner_a, asset_a, store):
    web = notices_bulk_create(asset_a, store, 2)
    api = notices_bulk_create(asset_a, store, 1, channel=Channel.API, status=ItemStatus.UPHELD)
    client.force_login(owner_a)

    by_channel = client.get(reverse(URL), {"channel": "api"}).context["listing"].object_list
    by_status = client.get(reverse(URL), {"item_status": ItemStatus.PENDING_REVIEW}).context["listing"]

    assert [n.pk for n in by_channel] == [api[0].pk]
    assert {n.pk for n in by_status.object_list} == {n.pk for n in web}
    assert by_status.filtered


def test_sorting_follows_the_whitelisted_key_and_ignores_any_other(client, owner_a, asset_a, store):
    notices = notices_bulk_create(asset_a, store, 3)  # filed a minute apart, the first the newest
    client.force_login(owner_a)

    oldest_first = client.get(reverse(URL), {"sort": "filed"}).context["listing"]
    unknown = client.get(reverse(URL), {"sort": "filer_email"}).context["listing"]

    assert [n.pk for n in oldest_first.object_list] == [n.pk for n in reversed(notices)]
    assert unknown.sort == "-filed"
    assert [n.pk for n in unknown.object_list] == [n.pk for n in notices]
    html = client.get(reverse(URL), {"sort": "filed"}).content.decode()
    assert 'aria-sort="ascending"' in html and "sort=-filed" in html


def test_pages_keep_the_filters(client, owner_a, asset_a, store):
    notices_bulk_create(asset_a, store, 60)
    client.force_login(owner_a)

    first = client.get(reverse(URL), {"channel": "web"})
    second = client.get(reverse(URL), {"channel": "web", "page": "2"}).context["listing"]

    assert 'href="?channel=web&amp;page=2"' in first.content.decode()
    assert len(first.context["listing"].object_list) == 50 and len(second.object_list) == 10


def test_another_brands_notices_are_not_listed_nor_filterable(client, owner_a, user_b, asset_a, store):
    notices_bulk_create(asset_a, store, 2)
    client.force_login(user_b)

    listing = client.get(reverse(URL), {"rights_holder": asset_a.rights_holder.pk}).context["listing"]

    assert listing.count == 0
