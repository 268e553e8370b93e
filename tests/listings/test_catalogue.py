"""listings.catalogue: one set-based path for one listing and for a thousand."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listings.catalogue import ListingChange, listings_apply
from listings.models import Listing, ListingStatus, StoreStatus
from listings.services import listing_remove
from portal.models import AuditLogEntry
from takedowns import lifecycle
from takedowns.listing_sync import listing_status_sync
from takedowns.models import ItemStatus
from tests import factories
from tests.takedowns.conftest import draft, file_notice, run_on_commit

pytestmark = pytest.mark.django_db


def _new(external_id, store, **values):
    values = {"title": f"Sneaker {external_id}", "category": "shoes", "price": "19.99", **values}
    return ListingChange(external_id=external_id, store_public_id=store.public_id, values=values)


def _errors(applied):
    return [(e.index, e.field, e.code) for e in applied.errors]


def _outcomes(applied):
    return [(o.index, o.outcome) for o in applied.outcomes]


def test_upsert_creates_then_changes_only_what_differs_and_audits_each_write():
    store = factories.StoreFactory()
    created = listings_apply([_new("A-1", store), _new("A-2", store, currency="usd", description="Blue")])
    assert _outcomes(created) == [(0, "created"), (1, "created")]
    first = Listing.objects.get(external_id="A-1")
    assert (first.store, first.status, first.price, first.currency) == (store, "live", Decimal("19.99"), "EUR")
    assert Listing.objects.get(external_id="A-2").currency == "USD"
    before = first.updated_at

    later = timezone.now() + timedelta(minutes=5)
    changed = listings_apply(
        [
            ListingChange(external_id="A-1", values={"price": 17}),
            ListingChange(external_id="A-2", values={"description": "Blue"}),
        ],
        now=later,
    )
    assert _outcomes(changed) == [(0, "updated"), (1, "unchanged")]
    first.refresh_from_db()
    assert first.price == Decimal("17.00") and first.title == "Sneaker A-1" and first.updated_at == later
    assert first.created_at < later and before < later
    assert Listing.objects.get(external_id="A-2").updated_at < later  # untouched
    entries = AuditLogEntry.objects.filter(object_type="listings.listing").order_by("pk")
    assert [(e.action, e.object_id) for e in entries][-1] == ("listings.listing.updated", str(first.pk))
    assert entries.last().data == {"changed": ["price"]}
    assert entries.filter(action="listings.listing.created").count() == 2
    assert {e.organisation_id for e in entries} == {store.merchant.organisation_id}


def test_bad_rows_are_reported_and_the_good_ones_applied():
    store = factories.StoreFactory()
    factories.ListingFactory(store=store, external_id="OLD")
    applied = listings_apply(
        [
            _new("OK-1", store),
            _new("BAD-PRICE", store, price="-3"),
            _new("BAD-TITLE", store, title="x\x00"),
            ListingChange(external_id="NO-STORE", values={"title": "t", "category": "c", "price": 1}),
            ListingChange(external_id="OLD", action="create", store_public_id=store.public_id, values={}),
            ListingChange(external_id="MISSING", action="update", values={"price": 3}),
            ListingChange(external_id="OK-1", values={"price": 5}),  # named twice
            ListingChange(external_id="", values={}),
            ListingChange(external_id="X", action="explode"),
            ListingChange(external_id=17),
            _new("OK-2", store, price=Decimal("0.5")),
            ListingChange(external_id="NEW-PARTIAL", store_public_id=store.public_id, values={"title": "t"}),
        ]
    )
    assert _outcomes(applied) == [(0, "created"), (10, "created")]
    assert _errors(applied) == [
        (1, "price", "invalid"),
        (2, "title", "invalid"),
        (3, "store", "required"),
        (4, "external_id", "exists"),
        (5, "external_id", "not_found"),
        (6, "external_id", "duplicate"),
        (7, "external_id", "blank"),
        (8, "action", "invalid_choice"),
        (9, "external_id", "invalid"),
        (11, "category", "required"),
        (11, "price", "required"),
    ]
    assert set(Listing.objects.values_list("external_id", flat=True)) == {"OLD", "OK-1", "OK-2"}


@pytest.mark.parametrize(
    "price, ok",
    [
        (1, True),
        ("0.01", True),
        (True, False),
        (0, False),
        ("1.001", False),
        ("1e12", False),
        ("NaN", False),
        ([], False),
    ],
)
def test_a_price_is_a_positive_amount_with_two_decimals(price, ok):
    store = factories.StoreFactory()
    applied = listings_apply([_new("P", store, price=price)])
    assert bool(applied.outcomes) is ok and bool(applied.errors) is not ok


def test_a_restricted_store_adds_no_listing_but_changes_and_removes_its_own():
    until = timezone.now() + timedelta(days=7)
    store = factories.StoreFactory(status=StoreStatus.RESTRICTED, restricted_until=until)
    existing = factories.ListingFactory(store=store, external_id="MINE")
    applied = listings_apply(
        [
            _new("NEW", store),
            ListingChange(external_id="MINE", values={"title": "Renamed"}),
        ]
    )
    assert _errors(applied) == [(0, "store", "store_restricted")]
    assert f"until {until:%Y-%m-%d %H:%M} UTC" in applied.errors[0].message
    assert _outcomes(applied) == [(1, "updated")]
    assert listings_apply([ListingChange(external_id="MINE", action="remove")]).outcomes[0].outcome == "removed"
    existing.refresh_from_db()
    assert existing.status == ListingStatus.REMOVED


def test_a_listing_stays_in_its_store():
    listing = factories.ListingFactory()
    other = factories.StoreFactory()
    applied = listings_apply([ListingChange(external_id=listing.external_id, store_public_id=other.public_id)])
    assert _errors(applied) == [(0, "store", "store_change")]
    unknown = listings_apply([ListingChange(external_id="Z", store_public_id=uuid.uuid4())])
    assert _errors(unknown) == [(0, "store", "not_found")]


def test_removal_is_audited_once_and_a_removed_listing_is_not_changed_again():
    listing = factories.ListingFactory(status=ListingStatus.UNDER_COMPLAINT)
    assert listing_remove(listing=listing).status == ListingStatus.REMOVED
    assert listing_remove(listing=listing).status == ListingStatus.REMOVED  # again: nothing changes
    entries = AuditLogEntry.objects.filter(action="listings.listing.removed", object_id=str(listing.pk))
    assert [e.data for e in entries] == [{"before": "under_complaint", "after": "removed"}]
    again = listings_apply([ListingChange(external_id=listing.external_id, values={"title": "Back"})])
    assert _errors(again) == [(0, "external_id", "listing_removed")]
    relist = listings_apply([ListingChange(external_id=listing.external_id, action="create", values={})])
    assert _errors(relist) == [(0, "external_id", "exists")]


def test_removing_a_listing_under_complaint_leaves_its_items_to_run_and_it_stays_removed(brand_a, owner_a, reviewer):
    listing = factories.ListingFactory()
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset)]).accepted
    run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.UNDER_COMPLAINT
    listing_remove(listing=listing)
    item.refresh_from_db()
    assert item.status == ItemStatus.AWAITING_COUNTER_NOTICE  # the complaint goes on to its decision
    listing_status_sync(listing.pk)  # what every later move of the item does
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REMOVED


def test_more_than_the_limit_is_refused_whole():
    store = factories.StoreFactory()
    with pytest.raises(ValueError, match="At most 3"):
        listings_apply([_new(f"L{n}", store) for n in range(4)], max_rows=3)
    assert not Listing.objects.exists()


def test_the_number_of_queries_does_not_grow_with_the_rows():
    stores = [factories.StoreFactory() for _ in range(3)]
    for n in range(20):
        factories.ListingFactory(store=stores[n % 3], external_id=f"E{n}")

    def batch(size, tag):
        rows = [_new(f"{tag}-{n}", stores[n % 3]) for n in range(size)]
        rows += [ListingChange(external_id=f"E{n}", values={"price": 10 + n}) for n in range(size)]
        rows += [ListingChange(external_id=f"E{10 + n}", action="remove") for n in range(min(size, 10))]
        with CaptureQueriesContext(connection) as queries:
            applied = listings_apply(rows)
        assert not applied.errors
        return len(queries)

    assert batch(1, "one") == batch(10, "ten")


# --- Banned categories (listings.categories) ----------------------------------------------------

AIRBAGS = "Vehicle parts > Airbag components"


@pytest.fixture
def airbags_banned(settings):
    settings.LISTING_BANNED_CATEGORIES = (AIRBAGS, "Ivory products")


def _refusals():
    return AuditLogEntry.objects.filter(action="listings.listing.banned_category_refused").order_by("pk")


def test_a_new_listing_in_a_banned_category_is_refused_and_audited_and_the_other_rows_applied(airbags_banned):
    store = factories.StoreFactory()
    applied = listings_apply(
        [
            _new("OK-1", store),
            _new("AIRBAG-1", store, category="vehicle parts >  Airbag components > Driver side"),
            _new("OK-2", store, category="Vehicle parts > Mirrors"),
            ListingChange(
                external_id="AIRBAG-2",
                action="create",
                store_public_id=store.public_id,
                values={"title": "Ivory carving", "category": "IVORY PRODUCTS", "price": 40},
            ),
        ],
        actor=factories.UserFactory(username="feeder"),
    )
    assert _outcomes(applied) == [(0, "created"), (2, "created")]
    assert _errors(applied) == [(1, "category", "banned_category"), (3, "category", "banned_category")]
    assert applied.errors[0].message == (
        "The category \u201cvehicle parts >  Airbag components > Driver side\u201d falls under "
        f"\u201c{AIRBAGS}\u201d, which is prohibited on this marketplace: products of this kind cannot be sold "
        "here. If the category was chosen by mistake, give the product's right category; otherwise do not list it."
    )
    assert set(Listing.objects.values_list("external_id", flat=True)) == {"OK-1", "OK-2"}
    first, second = _refusals()
    assert (first.object_type, first.object_id, first.object_repr) == ("", "", "new listing AIRBAG-1")
    assert first.actor.username == "feeder"
    assert first.organisation_id == store.merchant.organisation_id
    assert first.data == {
        "external_id": "AIRBAG-1",
        "category": "vehicle parts >  Airbag components > Driver side",
        "banned_category": AIRBAGS,
        "store": store.pk,
        "change": "create",
    }
    assert second.data["banned_category"] == "Ivory products"
    assert AuditLogEntry.objects.filter(action="listings.listing.created").count() == 2


def test_moving_a_listing_into_a_banned_category_is_refused_and_nothing_of_the_row_is_written(airbags_banned):
    listing = factories.ListingFactory(external_id="MOVE", category="Vehicle parts > Mirrors", price=Decimal("30"))
    applied = listings_apply(
        [ListingChange(external_id="MOVE", values={"category": f"{AIRBAGS} > Passenger", "price": "25"})]
    )
    assert (_outcomes(applied), _errors(applied)) == ([], [(0, "category", "banned_category")])
    listing.refresh_from_db()
    assert (listing.category, listing.price) == ("Vehicle parts > Mirrors", Decimal("30.00"))
    (entry,) = _refusals()
    assert (entry.object_type, entry.object_id) == ("listings.listing", str(listing.pk))
    assert entry.data["change"] == "update" and entry.data["banned_category"] == AIRBAGS
    assert not AuditLogEntry.objects.filter(action="listings.listing.updated").exists()


def test_a_listing_already_in_a_category_banned_since_keeps_it_and_may_change_otherwise(airbags_banned):
    # Screening reports it blocked (issue 11); the catalogue neither refuses its other changes nor moves it.
    factories.ListingFactory(external_id="OLD-AIRBAG", category=AIRBAGS, price=Decimal("30"))
    applied = listings_apply([ListingChange(external_id="OLD-AIRBAG", values={"category": AIRBAGS, "price": 28})])
    assert (_outcomes(applied), _errors(applied)) == ([(0, "updated")], [])
    assert not _refusals().exists()
    # Out of the banned category: allowed; back into it: refused.
    assert not listings_apply([ListingChange(external_id="OLD-AIRBAG", values={"category": "Vehicle parts"})]).errors
    back = listings_apply([ListingChange(external_id="OLD-AIRBAG", values={"category": AIRBAGS})])
    assert _errors(back) == [(0, "category", "banned_category")]
    assert Listing.objects.get(external_id="OLD-AIRBAG").category == "Vehicle parts"


def test_with_no_category_banned_every_category_is_listed(settings):
    settings.LISTING_BANNED_CATEGORIES = ()
    store = factories.StoreFactory()
    assert _outcomes(listings_apply([_new("A", store, category=AIRBAGS)])) == [(0, "created")]
