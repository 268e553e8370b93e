"""The Django admin's listing form refuses a banned category as every other channel does, audited, never a 500."""

import pytest

from listings.models import Listing
from portal.models import AuditLogEntry
from tests import factories
from tests.portal.test_admin_audit import add_url, change_url, form_data, saved

AIRBAGS = "Vehicle parts > Airbag components"
REFUSED = "listings.listing.banned_category_refused"


@pytest.fixture
def staff_client(client, db, settings):
    settings.LISTING_BANNED_CATEGORIES = (AIRBAGS,)
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _new_listing_data(client, store, category):
    data = form_data(client.get(add_url(Listing)))
    data.update(
        {"store": str(store.pk), "external_id": "ADM-1", "title": "Airbag module", "category": category, "price": "80"}
    )
    data.update({"currency": "EUR", "description": ""})
    return data


def test_adding_a_listing_in_a_banned_category_is_refused_with_the_reason_and_audited(staff_client):
    store = factories.StoreFactory()
    response = staff_client.post(add_url(Listing), _new_listing_data(staff_client, store, f"{AIRBAGS} > Driver"))
    assert response.status_code == 200
    (error,) = response.context["adminform"].form.errors["category"]
    assert error.startswith(f"The category \u201c{AIRBAGS} > Driver\u201d falls under \u201c{AIRBAGS}\u201d")
    assert "prohibited on this marketplace" in response.content.decode()
    assert not Listing.objects.exists()
    entry = AuditLogEntry.objects.get(action=REFUSED)
    assert entry.actor.username == "root" and entry.organisation_id == store.merchant.organisation_id
    assert entry.data == {
        "via": "admin",
        "external_id": "ADM-1",
        "category": f"{AIRBAGS} > Driver",
        "banned_category": AIRBAGS,
        "store": store.pk,
        "change": "create",
    }


def test_an_allowed_category_is_added_in_the_admin(staff_client):
    store = factories.StoreFactory()
    saved(staff_client.post(add_url(Listing), _new_listing_data(staff_client, store, "Vehicle parts > Mirrors")))
    assert Listing.objects.get().category == "Vehicle parts > Mirrors"
    assert not AuditLogEntry.objects.filter(action=REFUSED).exists()


def test_moving_a_listing_into_a_banned_category_in_the_admin_is_refused(staff_client):
    listing = factories.ListingFactory(category="Vehicle parts > Mirrors")
    data = form_data(staff_client.get(change_url(listing)))
    data["category"] = "VEHICLE PARTS > AIRBAG COMPONENTS"
    response = staff_client.post(change_url(listing), data)
    assert response.status_code == 200 and "category" in response.context["adminform"].form.errors
    assert Listing.objects.get(pk=listing.pk).category == "Vehicle parts > Mirrors"
    entry = AuditLogEntry.objects.get(action=REFUSED)
    assert (entry.object_id, entry.data["change"]) == (str(listing.pk), "update")
    assert not AuditLogEntry.objects.filter(action="listings.listing.changed").exists()


def test_a_listing_already_in_a_category_banned_since_can_still_be_edited_in_the_admin(staff_client):
    listing = factories.ListingFactory(category=AIRBAGS)
    data = form_data(staff_client.get(change_url(listing)))
    data["title"] = "Renamed"
    saved(staff_client.post(change_url(listing), data))
    assert Listing.objects.get(pk=listing.pk).title == "Renamed"
    assert not AuditLogEntry.objects.filter(action=REFUSED).exists()
