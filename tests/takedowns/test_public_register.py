"""The public register's list of closed stores: search, region, sortable columns and pages in constant queries."""

import re

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


def test_the_register_comes_in_pages_a_visitor_can_walk(client, asset_a, store):
    register_entries_bulk_create(asset_a, store, 55)

    first = client.get(reverse(URL))
    assert first.status_code == 200
    assert len(first.context["listing"].object_list) == 50
    html = first.content.decode()
    assert "page 1 of 2" in html and 'rel="next"' in html
    next_href = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")

    second = client.get(reverse(URL) + next_href)
    assert second.status_code == 200
    assert len(second.context["listing"].object_list) == 5
    assert "page 2 of 2" in second.content.decode() and 'rel="prev"' in second.content.decode()


def test_the_register_is_linked_from_the_public_pages(client, db):
    for name in ("home", "help:index", "transparency:report"):
        assert f'href="{reverse(URL)}"' in client.get(reverse(name)).content.decode(), name
