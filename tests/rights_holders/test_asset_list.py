"""The IP asset list: search, filters, sortable columns and pages in constant queries (portal/lists.py)."""

import pytest
from django.urls import reverse

from rights_holders.models import IPAsset, IPAssetKind, VerificationStatus
from tests.lists import list_queries_constant

pytestmark = pytest.mark.django_db

URL = "rights:asset-list"


def assets_make(holder, count, **fields):
    start = IPAsset.objects.count()
    IPAsset.objects.bulk_create(
        [
            IPAsset(rights_holder=holder, kind=IPAssetKind.TRADEMARK, name=f"MARK{start + n}", **fields)
            for n in range(count)
        ]
    )


def test_the_asset_list_costs_the_same_queries_for_10_or_500_assets(client, owner_a, brand_a):
    client.force_login(owner_a)
    list_queries_constant(client, reverse(URL), lambda n: assets_make(brand_a, n))


def test_a_reviewer_filtering_and_sorting_pays_the_same_queries(client, reviewer, brand_a):
    client.force_login(reviewer)
    params = {"status": "pending", "q": "MARK", "sort": "-expires"}
    list_queries_constant(client, reverse(URL), lambda n: assets_make(brand_a, n), params=params)


def test_search_and_status_narrow_the_list(client, reviewer, brand_a):
    assets_make(brand_a, 3)
    IPAsset.objects.create(
        rights_holder=brand_a,
        kind=IPAssetKind.TRADEMARK,
        name="ZEPHYR",
        verification_status=VerificationStatus.VERIFIED,
    )
    client.force_login(reviewer)

    found = client.get(reverse(URL), {"q": "zeph"}).context["listing"]
    verified = client.get(reverse(URL), {"status": "verified"}).context["listing"]

    assert [a.name for a in found.object_list] == ["ZEPHYR"]
    assert [a.name for a in verified.object_list] == ["ZEPHYR"]


def test_another_brands_assets_stay_hidden_whatever_the_filters(client, user_b, brand_a):
    assets_make(brand_a, 2)
    client.force_login(user_b)

    assert client.get(reverse(URL), {"q": "MARK"}).context["listing"].count == 0
