"""/api/v1/listings/: look-up, search, and the marketplace's bulk ingest."""

import pytest
from rest_framework.test import APIClient

from listings.models import Listing, ListingStatus, StoreStatus
from portal import public_ids
from portal.models import AuditLogEntry, OrganisationKind
from rights_holders.models import Partner, PartnerKind
from tests import factories

PROBLEM = "application/problem+json"
INGEST = "/api/v1/listings/ingest/"


def _lst(listing):
    return public_ids.encode("lst", listing.public_id)


def _sto(store):
    return public_ids.encode("sto", store.public_id)


def _problem(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


@pytest.fixture
def marketplace(db):
    organisation = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="The Marketplace")
    Partner.objects.create(organisation=organisation, kind=PartnerKind.MARKETPLACE)
    return organisation


@pytest.fixture
def ingest_client(marketplace, key_client):
    return key_client(marketplace, ["listings:ingest", "listings:read"])


@pytest.fixture
def store(db):
    return factories.StoreFactory(name="Sneaker Palace")


def _row(external_id, store=None, **values):
    row = {"external_id": external_id, "title": f"Trail runner {external_id}", "category": "shoes", "price": "49.90"}
    if store is not None:
        row["store"] = _sto(store)
    row.update(values)
    return {k: v for k, v in row.items() if v is not None}


# --- look-up and search ------------------------------------------------------------------------------------------


def test_a_listing_is_found_by_its_id_and_by_its_external_id(brand_a, key_client, store):
    listing = factories.ListingFactory(store=store, external_id="EXT-1", price="12.50")
    client = key_client(brand_a.organisation, ["listings:read"])
    body = client.get(f"/api/v1/listings/{_lst(listing)}/").json()
    assert body["id"] == _lst(listing) and body["external_id"] == "EXT-1"
    assert body["store"] == {"id": _sto(store), "name": "Sneaker Palace"}
    assert body["price"] == "12.50" and body["status"] == "live" and body["updated_at"].endswith("Z")
    found = client.get("/api/v1/listings/?external_id=EXT-1").json()["results"]
    assert [row["id"] for row in found] == [_lst(listing)]
    assert client.get("/api/v1/listings/?external_id=EXT-2").json()["results"] == []
    by_store = client.get(f"/api/v1/listings/?store={_sto(store)}").json()["results"]
    assert [row["id"] for row in by_store] == [_lst(listing)]
    body = _problem(client.get("/api/v1/listings/?store=17"), 400)
    assert body["errors"][0]["pointer"] == "/store"


def _search_world(store):
    hit = factories.ListingFactory(store=store, title="Northwind trail runner", description="Breathable mesh")
    described = factories.ListingFactory(store=store, title="Trail shoe", description="Like a NORTHWIND runner")
    factories.ListingFactory(store=store, title="Leather handbag", description="Italian leather")
    return hit, described


def _search(client, text):
    return {row["id"] for row in client.get("/api/v1/listings/", {"q": text}).json()["results"]}


def test_search_finds_every_word_in_the_title_or_description(brand_a, key_client, store):
    hit, described = _search_world(store)
    client = key_client(brand_a.organisation, ["listings:read"])
    assert _search(client, "northwind") == {_lst(hit), _lst(described)}
    assert _search(client, "Northwind mesh") == {_lst(hit)}
    assert _search(client, "pogo stick") == set()


@pytest.mark.postgres
def test_search_on_postgresql_is_served_by_the_text_index(brand_a, key_client, store):
    from tests.services import needs_postgres

    needs_postgres()
    from django.db import connection

    from listings.models import Listing
    from listings.selectors import listings_search

    hit, described = _search_world(store)
    client = key_client(brand_a.organisation, ["listings:read"])
    assert _search(client, "northwind") == {_lst(hit), _lst(described)}
    assert _search(client, "northwind -mesh") == {_lst(described)}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a three-row table: ask whether the index can serve
        plan = listings_search(Listing.objects.all(), "northwind").explain()
    assert "listing_text_search" in plan


@pytest.mark.parametrize("text", ["ab", "x" * 201])
def test_a_search_too_short_or_too_long_is_a_problem(brand_a, key_client, text):
    body = _problem(key_client(brand_a.organisation, ["listings:read"]).get("/api/v1/listings/", {"q": text}), 400)
    assert body["errors"][0]["pointer"] == "/q"


def test_a_removed_listing_is_seen_by_its_merchant_only(brand_a, key_client, store):
    removed = factories.ListingFactory(store=store, status=ListingStatus.REMOVED)
    outsider = key_client(brand_a.organisation, ["listings:read"])
    hidden = _problem(outsider.get(f"/api/v1/listings/{_lst(removed)}/"), 404)
    missing = _problem(outsider.get(f"/api/v1/listings/{public_ids.encode('lst', public_ids.uuid7())}/"), 404)
    assert hidden["detail"] == missing["detail"]
    assert outsider.get("/api/v1/listings/").json()["results"] == []
    merchant = key_client(store.merchant.organisation, ["listings:read"])
    assert merchant.get(f"/api/v1/listings/{_lst(removed)}/").json()["status"] == "removed"
    _problem(outsider.get(f"/api/v1/listings/{public_ids.encode('ast', removed.public_id)}/"), 404)


@pytest.mark.parametrize("path", ["/api/v1/listings/", "/api/v1/listings/lst_01JD8X3M5Q2ZKV7R9T4W6Y8B0C/"])
def test_reading_needs_a_key_and_the_scope(brand_a, key_client, path):
    _problem(APIClient().get(path), 401, "not_authenticated")
    body = _problem(key_client(brand_a.organisation, ["assets:read"]).get(path), 403)
    assert "listings:read" in body["detail"]


# --- ingest ---------------------------------------------------------------------------------------------------------


def test_ingest_creates_changes_and_removes_by_external_id(ingest_client, store):
    old = factories.ListingFactory(store=store, external_id="OLD-1", title="Old title")
    gone = factories.ListingFactory(store=store, external_id="GONE-1")
    response = ingest_client.post(
        INGEST,
        {
            "listings": [
                _row("NEW-1", store, description="Mesh upper", currency="usd"),
                {"external_id": "OLD-1", "price": 39},
                {"external_id": "GONE-1", "action": "remove"},
                {"external_id": "OLD-1-again", "action": "update", "price": 1},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    new = Listing.objects.get(external_id="NEW-1")
    assert body["applied"] == 3 and body["refused"] == 1
    assert body["results"] == [
        {"index": 0, "external_id": "NEW-1", "id": _lst(new), "outcome": "created"},
        {"index": 1, "external_id": "OLD-1", "id": _lst(old), "outcome": "updated"},
        {"index": 2, "external_id": "GONE-1", "id": _lst(gone), "outcome": "removed"},
    ]
    assert body["errors"] == [
        {
            "pointer": "/listings/3/external_id",
            "code": "not_found",
            "detail": "No listing has the external id OLD-1-again.",
        }
    ]
    assert (new.store, new.description, new.currency, str(new.price)) == (store, "Mesh upper", "USD", "49.90")
    old.refresh_from_db()
    gone.refresh_from_db()
    assert (old.title, str(old.price)) == ("Old title", "39.00")
    assert gone.status == ListingStatus.REMOVED
    created = AuditLogEntry.objects.get(action="listings.listing.created", object_id=str(new.pk))
    assert created.actor.api_key.organisation.name == "The Marketplace"
    assert created.organisation_id == store.merchant.organisation_id
    # The id the ingest answered is the one the look-up knows.
    assert ingest_client.get(f"/api/v1/listings/{_lst(new)}/").json()["external_id"] == "NEW-1"


def test_sending_the_same_listings_again_changes_nothing(ingest_client, store):
    rows = {"listings": [_row(f"SAME-{n}", store) for n in range(3)]}
    assert [r["outcome"] for r in ingest_client.post(INGEST, rows, format="json").json()["results"]] == ["created"] * 3
    audits = AuditLogEntry.objects.count()
    again = ingest_client.post(INGEST, rows, format="json").json()
    assert [r["outcome"] for r in again["results"]] == ["unchanged"] * 3
    assert Listing.objects.count() == 3 and AuditLogEntry.objects.count() == audits


def test_each_bad_row_points_at_its_field_and_the_good_rows_are_applied(ingest_client, store):
    rows = [_row(f"R-{n}", store) for n in range(20)]
    rows[17]["price"] = "-1"
    rows[3]["title"] = ""
    rows[5]["prize"] = 3
    rows[6]["store"] = "sto_nope"
    rows[7] = "not an object"
    rows[8]["external_id"] = "R-0"
    rows[9]["store"] = public_ids.encode("sto", public_ids.uuid7())
    rows[10]["action"] = "burn"
    rows[11]["title"] = None
    body = ingest_client.post(INGEST, {"listings": rows}, format="json").json()
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [
        ("/listings/3/title", "blank"),
        ("/listings/5/prize", "unknown_field"),
        ("/listings/6/store", "invalid_id"),
        ("/listings/7", "invalid"),
        ("/listings/8/external_id", "duplicate"),
        ("/listings/9/store", "not_found"),
        ("/listings/10/action", "invalid_choice"),
        ("/listings/11/title", "invalid"),
        ("/listings/17/price", "invalid"),
    ]
    assert body["refused"] == 9 and body["applied"] == 11
    assert [r["index"] for r in body["results"]] == [0, 1, 2, 4, 12, 13, 14, 15, 16, 18, 19]
    assert Listing.objects.count() == 11


def test_a_store_that_may_not_add_listings_is_refused_by_row(ingest_client, store):
    banned = factories.StoreFactory(status=StoreStatus.BANNED)
    body = ingest_client.post(INGEST, {"listings": [_row("A", banned), _row("B", store)]}, format="json").json()
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/listings/0/store", "store_banned")]
    assert list(Listing.objects.values_list("external_id", flat=True)) == ["B"]


def test_a_row_in_a_banned_category_is_refused_with_its_reason_and_the_others_applied(ingest_client, store, settings):
    settings.LISTING_BANNED_CATEGORIES = ("Vehicle parts > Airbag components",)
    factories.ListingFactory(store=store, external_id="MIRROR", category="Vehicle parts > Mirrors")
    rows = [
        _row("A", store),
        _row("AIRBAG", store, category="vehicle parts > airbag components > Driver"),
        {"external_id": "MIRROR", "category": "Vehicle parts > Airbag components"},
        _row("B", store),
    ]
    body = ingest_client.post(INGEST, {"listings": rows}, format="json").json()
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [
        ("/listings/1/category", "banned_category"),
        ("/listings/2/category", "banned_category"),
    ]
    assert body["errors"][0]["detail"].startswith(
        "The category \u201cvehicle parts > airbag components > Driver\u201d falls under \u201cVehicle parts > Airbag "
        "components\u201d, which is prohibited on this marketplace"
    )
    assert (body["applied"], body["refused"]) == (2, 2)
    assert [(r["index"], r["outcome"]) for r in body["results"]] == [(0, "created"), (3, "created")]
    assert set(Listing.objects.values_list("external_id", flat=True)) == {"A", "B", "MIRROR"}
    assert Listing.objects.get(external_id="MIRROR").category == "Vehicle parts > Mirrors"
    refusals = AuditLogEntry.objects.filter(action="listings.listing.banned_category_refused")
    assert sorted(e.data["external_id"] for e in refusals) == ["AIRBAG", "MIRROR"]


def test_more_than_a_thousand_rows_are_refused_whole(ingest_client, store):
    rows = [_row(f"M-{n}", store) for n in range(1001)]
    body = _problem(ingest_client.post(INGEST, {"listings": rows}, format="json"), 400)
    assert body["errors"][0]["pointer"] == "/listings" and body["errors"][0]["code"] == "too_many"
    assert not Listing.objects.exists()
    assert ingest_client.post(INGEST, {"listings": rows[:1000]}, format="json").json()["applied"] == 1000


@pytest.mark.parametrize(
    "body, pointer, code",
    [
        ({}, "/listings", "invalid"),
        ({"listings": "x"}, "/listings", "invalid"),
        ({"listings": []}, "/listings", "empty"),
        ({"listings": [{"external_id": "A"}], "extra": 1}, "/extra", "unknown_field"),
        ([1, 2], "/listings", "invalid"),
    ],
)
def test_a_malformed_body_is_a_problem_and_applies_nothing(ingest_client, body, pointer, code):
    problem = _problem(ingest_client.post(INGEST, body, format="json"), 400)
    assert (problem["errors"][0]["pointer"], problem["errors"][0]["code"]) == (pointer, code)
    assert not Listing.objects.exists()


def test_broken_json_is_a_problem(ingest_client):
    response = ingest_client.post(INGEST, data="{not json", content_type="application/json")
    _problem(response, 400)


def test_ingest_needs_the_marketplace_key(brand_a, key_client, client, store, marketplace):
    rows = {"listings": [_row("X", store)]}
    _problem(APIClient().post(INGEST, rows, format="json"), 401)
    body = _problem(key_client(marketplace, ["listings:read"]).post(INGEST, rows, format="json"), 403)
    assert "listings:ingest" in body["detail"]
    staff = factories.member_of(marketplace, role="owner")
    client.force_login(staff)
    _problem(client.post(INGEST, rows, content_type="application/json", HTTP_IDEMPOTENCY_KEY="session-1"), 403)
    assert not Listing.objects.exists()


@pytest.mark.parametrize(
    "row",
    [
        {"external_id": {"a": 1}},
        {"external_id": "X" * 65, "store": None},
        {"external_id": "A\x00B"},
        {"external_id": "A", "action": ["remove"]},
        {"external_id": "A", "store": 17},
        {"external_id": "A", "price": "1e999999999"},
        {"external_id": "A", "price": "1e-999999999"},
        {"external_id": "A", "price": "Infinity"},
        {"external_id": "A", "price": {"amount": 1}},
        {"external_id": "A", "currency": ["EUR"]},
        {"external_id": "A", "title": "x" * 301},
        {"external_id": "A", "description": None},
        {"external_id": "A", "category": "shoes\u202e"},
        {"": 1, "a/b~c": 2},
    ],
)
def test_odd_rows_are_refused_by_row_never_a_500(ingest_client, store, row):
    response = ingest_client.post(INGEST, {"listings": [row, _row("FINE", store)]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["refused"] == 1 and [r["external_id"] for r in body["results"]] == ["FINE"]
    assert all(e["pointer"].startswith("/listings/0") for e in body["errors"])


def test_the_listing_list_keeps_a_constant_number_of_queries(brand_a, key_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = key_client(brand_a.organisation, ["listings:read"])
    factories.ListingFactory()
    client.get("/api/v1/listings/")  # the key's first use records it (once a minute); count the requests after
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/listings/").json()["results"]) == 1
    for _ in range(5):
        factories.ListingFactory()
    with CaptureQueriesContext(connection) as six:
        assert len(client.get("/api/v1/listings/").json()["results"]) == 6
    assert len(six) == len(one)
