"""Sellers a brand reports: kept as keyed hashes only, audited, removable, and read by merchant facts as a
moderate signal on that brand's listings ("the store's merchant shares its phone with a seller the brand
reported")."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from portal import public_ids
from portal.errors import InvalidInput
from portal.identity import identity_hash
from portal.models import AuditLogEntry
from screening.intel.models import ReportedSeller, ReportedSellerIdentity
from screening.intel.sellers import SellerReportRefused, seller_report, seller_report_remove
from screening.merchants import merchant_facts_for
from screening.models import ScreeningOutcome, ScreeningResult, ScreeningTrigger
from screening.pipeline import listings_screen
from screening.snapshot_build import snapshot_version_current
from tests import factories
from tests.screening.pipeline_world import listing_made

pytestmark = pytest.mark.django_db

PHONE = "+86 571 8888 0042"
TODAY = f"{timezone.now():%Y-%m-%d}"


@pytest.fixture
def asset(brand_a):
    return factories.IPAssetFactory(
        rights_holder=brand_a, name="NORTHWIND", keywords=["northwind"], categories=["Shoes"]
    )


@pytest.fixture
def suspect():
    merchant = factories.MerchantFactory(contact_phone=PHONE, business_licence_number="BL-SUSPECT-77")
    store = factories.StoreFactory(
        merchant=merchant, name="Cheap Kicks 88", payout_account_hash=identity_hash("CN62 1111 2222 3333")
    )
    sibling = factories.StoreFactory(merchant=merchant, name="Cheap Kicks Outlet")
    return store, sibling


def report(holder, actor, **identifiers):
    return seller_report(rights_holder_id=holder.pk, identifiers=identifiers, actor=actor)


def test_a_report_keeps_keyed_hashes_and_last_characters_never_the_identifiers(brand_a, owner_a, asset):
    before = snapshot_version_current()
    row = report(brand_a, owner_a, phone=PHONE, licence="BL-SUSPECT-77", payout="CN62 1111 2222 3333", store="")
    kept = {i.kind: (i.identity_hash, i.last4) for i in row.identities.all()}
    assert kept == {
        "phone": (identity_hash(PHONE), "0042"),
        "licence": (identity_hash("BL-SUSPECT-77"), "CT77"),
        "payout": (identity_hash("CN62 1111 2222 3333"), "3333"),
    }
    entry = AuditLogEntry.objects.get(action="screening.seller.reported")
    assert entry.organisation_id == brand_a.organisation_id and entry.actor == owner_a
    stored = json.dumps(entry.data) + json.dumps(list(ReportedSellerIdentity.objects.values()), default=str)
    for raw in ("8888", "SUSPECT", "2222"):
        assert raw not in stored
    assert snapshot_version_current() == before + 1


def test_merchant_facts_name_the_shared_identifier_for_the_reporting_brands_assets(brand_a, owner_a, asset, suspect):
    store, sibling = suspect
    second = factories.IPAssetFactory(rights_holder=brand_a)
    report(brand_a, owner_a, phone="+86-571-8888-0042")
    facts = merchant_facts_for([store.pk, sibling.pk])
    evidence = f"the store's merchant shares its contact phone with a seller the brand reported on {TODAY}"
    assert facts[store.pk].reported_by == ((asset.pk, evidence), (second.pk, evidence))
    assert facts[sibling.pk].reported_by == facts[store.pk].reported_by
    assert facts[store.pk].linked_to_banned is False  # an accusation, not a ban
    assert merchant_facts_for([factories.StoreFactory().pk]).popitem()[1].reported_by == ()


def test_a_store_is_reported_by_its_public_id_or_its_name_and_its_sibling_is_linked(brand_a, owner_a, asset, suspect):
    store, sibling = suspect
    report(brand_a, owner_a, store=public_ids.encode("sto", store.public_id))
    facts = merchant_facts_for([store.pk, sibling.pk])
    assert facts[store.pk].reported_by == ((asset.pk, f"the store is a seller the brand reported on {TODAY}"),)
    assert facts[sibling.pk].reported_by == (
        (asset.pk, f"another store of its merchant is a seller the brand reported on {TODAY}"),
    )
    ReportedSeller.objects.all().delete()
    report(brand_a, owner_a, store="cheap kicks-88")  # the name, spacing and case aside
    assert merchant_facts_for([store.pk])[store.pk].reported_by[0][1].startswith("the store is a seller")


def test_a_reported_seller_turns_a_plain_mention_into_an_alert_with_the_evidence(brand_a, owner_a, asset, suspect):
    store, _ = suspect
    listing = listing_made(store, "R1", "Northwind runners", price="110.00")
    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)
    assert ScreeningResult.objects.get(listing=listing).outcome == ScreeningOutcome.CLEAR

    report(brand_a, owner_a, licence="bl suspect 77")
    listings_screen([listing.pk], trigger=ScreeningTrigger.RESCREEN)

    latest = ScreeningResult.objects.filter(listing=listing).first()
    assert latest.outcome == ScreeningOutcome.ALERT and latest.rights_holder_id == brand_a.pk
    [merchant] = [s for s in latest.signals if s["kind"] == "merchant" and s.get("reported")]
    assert merchant["points"] == 0.75
    assert merchant["evidence"] == (
        f"the store's merchant shares its business licence number with a seller the brand reported on {TODAY}"
    )


def test_another_brands_report_does_not_count_for_this_brand(brand_a, brand_b, user_b, asset, suspect):
    store, _ = suspect
    factories.IPAssetFactory(rights_holder=brand_b, name="BOREALIS")
    report(brand_b, user_b, phone=PHONE)
    reported = merchant_facts_for([store.pk])[store.pk].reported_by
    assert reported and all(brand_id != asset.pk for brand_id, _ in reported)
    listing = listing_made(store, "R2", "Northwind runners", price="110.00")
    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)
    assert ScreeningResult.objects.get(listing=listing).outcome == ScreeningOutcome.CLEAR


def test_two_brands_may_report_the_same_seller_but_one_brand_only_once(brand_a, owner_a, brand_b, user_b, asset):
    first = report(brand_a, owner_a, phone=PHONE)
    report(brand_b, user_b, phone=PHONE)
    before = snapshot_version_current()
    with pytest.raises(SellerReportRefused) as refused:
        report(brand_a, owner_a, phone="0086 571 8888 0042".replace("0086", "+86"), payout="NL91ABNA0417164300")
    assert f"Phone: your brand reported this one on {first.created_at:%Y-%m-%d}" in str(refused.value)
    assert refused.value.code == "already_reported"
    assert ReportedSeller.objects.count() == 2 and snapshot_version_current() == before


@pytest.mark.parametrize(
    "identifiers, message",
    [
        ({}, "Give at least one identifier of the seller"),
        ({"phone": " ", "store": ""}, "Give at least one identifier of the seller"),
        ({"phone": "12345"}, "Phone: at least 6 characters"),
        ({"phone": "call me 0123456"}, "Phone: a phone number is digits"),
        ({"phone": "abc"}, "Phone: a phone number is digits"),  # not "at least 6 characters"
        ({"store": "sto_01JD7K2"}, "Store: this is not a store's public id"),  # a mistyped id, kept as a name
        ({"store": "ab"}, "Store: at least 3 characters"),
        ({"payout": "NL91"}, "Payout account: at least 8 characters"),
        ({"licence": "BL\n12345"}, "Business licence number: "),
        ({"licence": "L" * 101}, "Keep this text to 100 characters"),
        ({"phone": "+86 571 8888 0042", "store": "x"}, "Store: at least 3"),
    ],
)
def test_bad_identifiers_are_refused_with_what_to_do_and_nothing_is_written(brand_a, owner_a, identifiers, message):
    before = snapshot_version_current()
    with pytest.raises(InvalidInput) as refused:
        seller_report(rights_holder_id=brand_a.pk, identifiers=identifiers, actor=owner_a)
    assert message in str(refused.value)
    assert not ReportedSeller.objects.exists() and not ReportedSellerIdentity.objects.exists()
    assert not AuditLogEntry.objects.filter(action__startswith="screening.seller").exists()
    assert snapshot_version_current() == before


def test_only_the_brands_people_report_and_remove(brand_a, owner_a, user_b):
    with pytest.raises(PermissionDenied):
        report(brand_a, user_b, phone=PHONE)
    row = report(brand_a, owner_a, phone=PHONE)
    with pytest.raises(PermissionDenied):
        seller_report_remove(report_id=row.pk, actor=user_b)
    assert ReportedSeller.objects.filter(pk=row.pk).exists()


def test_a_removed_report_no_longer_links_the_store(brand_a, owner_a, asset, suspect):
    store, _ = suspect
    row = report(brand_a, owner_a, phone=PHONE)
    before = snapshot_version_current()
    seller_report_remove(report_id=row.pk, actor=owner_a)
    assert merchant_facts_for([store.pk])[store.pk].reported_by == ()
    assert not ReportedSellerIdentity.objects.exists()
    assert snapshot_version_current() == before + 1
    entry = AuditLogEntry.objects.get(action="screening.seller.report_removed")
    assert entry.data["identifiers"] == {"phone": "0042"}


def test_merchant_facts_cost_one_more_query_only_when_a_report_matches(
    brand_a, owner_a, asset, suspect, django_assert_num_queries
):
    store, _ = suspect
    stores = [factories.StoreFactory().pk for _ in range(10)] + [store.pk]
    with django_assert_num_queries(7):
        merchant_facts_for(stores)
    report(brand_a, owner_a, phone=PHONE)
    with django_assert_num_queries(8):
        facts = merchant_facts_for(stores)
    assert sum(bool(f.reported_by) for f in facts.values()) == 1
