"""Merchant registration and listing creation refuse what the penalty ladder forbids."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from listings.models import Listing, Merchant, StoreStatus
from listings.services import listing_create, merchant_register
from portal.identity import identity_hash
from portal.models import AuditLogEntry, MembershipRole
from tests import factories
from tests.takedowns.test_penalties import close_by_repeat

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "legal_name": "Honest Goods Ltd",
    "business_licence_number": "91330782MA2ABCDE1X",
    "contact_phone": "+86 579 8555 0101",
    "store_name": "Honest Goods",
    "payout_account": "CN12 3456 7890 1234",
    "region": "Zhejiang",
    "city": "Yiwu",
}


def listing_data(n=1):
    return {"external_id": f"NEW-{n}", "title": "Canvas tote bag", "category": "bags", "price": Decimal("12.00")}


def test_merchant_register_creates_organisation_store_and_audit_entry():
    owner = factories.UserFactory()
    merchant = merchant_register(**REGISTRATION, owner=owner, actor=owner)
    store = merchant.stores.get()
    assert merchant.organisation.kind == "merchant"
    assert merchant.organisation.memberships.get().user == owner
    assert merchant.organisation.memberships.get().role == MembershipRole.OWNER
    # Only the keyed hash and the last four digits of the payout account are kept.
    assert (store.payout_account_hash, store.payout_account_last4) == (identity_hash("CN1234567890 1234"), "1234")
    assert store.status == StoreStatus.ACTIVE
    assert AuditLogEntry.objects.filter(action="listings.merchant.registered", object_id=str(merchant.pk)).exists()


def test_merchant_register_refuses_a_registered_licence():
    merchant_register(**REGISTRATION)
    with pytest.raises(ValidationError) as refused:
        merchant_register(**{**REGISTRATION, "legal_name": "Copycat Ltd", "store_name": "Copycat"})
    assert list(refused.value.message_dict) == ["business_licence_number"]


def test_closed_merchant_is_refused_on_every_identifier_at_once(owner_a, brand_a, reviewer):
    banned = merchant_register(**REGISTRATION)
    close_by_repeat(owner_a, brand_a, reviewer, banned.stores.get())
    with pytest.raises(ValidationError) as refused:
        merchant_register(**{**REGISTRATION, "legal_name": "Honest Goods Two Ltd"})
    assert set(refused.value.message_dict) == {"business_licence_number", "contact_phone", "payout_account"}
    assert "permanently banned" in refused.value.message_dict["payout_account"][0]
    assert Merchant.objects.count() == 1


def test_listing_create_adds_a_listing_to_an_active_store():
    store = factories.StoreFactory()
    listing = listing_create(store=store, **listing_data())
    assert listing.store == store and listing.status == "live"
    assert AuditLogEntry.objects.filter(action="listings.listing.created", object_id=str(listing.pk)).exists()


def test_listing_create_is_refused_while_restricted_and_says_until_when():
    until = timezone.now() + timedelta(days=7)
    store = factories.StoreFactory(status=StoreStatus.RESTRICTED, restricted_until=until)
    with pytest.raises(ValidationError) as refused:
        listing_create(store=store, **listing_data())
    assert f"may not add new listings until {until:%Y-%m-%d %H:%M} UTC" in refused.value.messages[0]
    assert not Listing.objects.exists()


def test_listing_create_is_allowed_once_the_restriction_has_ended_before_the_sweep_runs():
    store = factories.StoreFactory(
        status=StoreStatus.RESTRICTED, restricted_until=timezone.now() - timedelta(minutes=1)
    )
    assert listing_create(store=store, **listing_data())


@pytest.mark.parametrize("status", [StoreStatus.CLOSED, StoreStatus.BANNED, StoreStatus.SUSPENDED])
def test_listing_create_is_refused_for_closed_banned_or_suspended_stores(status):
    store = factories.StoreFactory(status=status)
    with pytest.raises(ValidationError, match="cannot add listings"):
        listing_create(store=store, **listing_data())


def test_listing_create_refuses_a_duplicate_external_id():
    store = factories.StoreFactory()
    listing_create(store=store, **listing_data())
    with pytest.raises(ValidationError) as refused:
        listing_create(store=store, **listing_data())
    assert list(refused.value.message_dict) == ["external_id"]


def test_listing_create_refuses_a_banned_category_with_the_reason_and_audits_the_attempt(settings):
    settings.LISTING_BANNED_CATEGORIES = ("Vehicle parts > Airbag components",)
    store = factories.StoreFactory()
    with pytest.raises(ValidationError) as refused:
        listing_create(
            store=store,
            **{**listing_data(), "category": "Vehicle parts > Airbag components"},
            actor=factories.UserFactory(username="seller"),
        )
    assert refused.value.error_dict["category"][0].code == "banned_category"
    assert "is prohibited on this marketplace" in refused.value.message_dict["category"][0]
    assert not Listing.objects.exists()
    entry = AuditLogEntry.objects.get(action="listings.listing.banned_category_refused")
    assert entry.organisation_id == store.merchant.organisation_id and entry.data["external_id"] == "NEW-1"
