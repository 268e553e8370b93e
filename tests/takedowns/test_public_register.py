"""The public register's list of closed stores: search, region, sortable columns and pages in constant queries."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.bulk import register_entries_bulk_create
from tests.lists import list_queries_constant

pytestmark = pytest.mark.django_db

URL = "public:register"


def test_the_register_costs_the_same_queries_for_10_or_500_stores(asset_a, store):
    list_queries_constant(Client(), reverse(URL), lambda n: register_entries_bulk_create(asset_a, store, n))


def test_searching_the_register_costs_the_same_queries(asset_a, store):
    params = {"q": store.name, "region": "cn", "sort": "store", "days": "30"}
    list_queries_constant(
        Client(), reverse(URL), lambda n: register_entries_bulk_create(asset_a, store, n), params=params
    )


def test_search_narrows_and_the_period_is_kept(client, asset_a, store):
    register_entries_bulk_create(asset_a, store, 12)

    response = client.get(reverse(URL), {"q": f"{store.name} 11", "days": "30"})

    assert [e.store_name for e in response.context["listing"].object_list] == [f"{store.name} 11"]
    assert 'name="days" value="30"' in response.content.decode()  # the filter form keeps the period
