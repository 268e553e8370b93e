"""Merchant facts read from the database for screening: store age, live penalty points, links to banned
merchants through shared identifiers or identical images. Penalties and bans come from the real ladder
(items upheld through the lifecycle, their effects run)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from listings.models import ListingImage
from portal.identity import identity_hash
from screening.core import MerchantFacts
from screening.merchants import BRANDED_SHARE_MIN_LISTINGS, merchant_facts_for
from screening.models import ScreeningResult
from takedowns import lifecycle
from takedowns.effects import item_effects_run
from takedowns.models import BannedIdentity
from tests import factories
from tests.takedowns.test_penalties import close_by_repeat, uphold

BAN_DECISION = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def banned_store(owner_a, brand_a, reviewer):
    """A store whose merchant was banned (three upheld counterfeits of one right) on 2026-10-02."""
    merchant = factories.MerchantFactory(business_licence_number="BL-BANNED-1", contact_phone="+86 571 8888 0001")
    store = factories.StoreFactory(merchant=merchant, payout_account_hash=identity_hash("CN62 0000 1111 2222"))
    # Each item is upheld 73 hours after it was filed: the third decision falls on 2026-10-02.
    with time_machine.travel(BAN_DECISION - timedelta(hours=73), tick=False):
        items = close_by_repeat(owner_a, brand_a, reviewer, store)
    store.banned_items = items
    return store


def image_of(listing, content_hash, position=0):
    return ListingImage.objects.create(
        listing=listing,
        image=f"listing-images/{listing.external_id}-{position}.png",
        width=64,  # the dimensions given: no file is read
        height=64,
        content_hash=content_hash,
    )


def test_store_age_is_whole_days_since_it_opened(db):
    now = timezone.now()
    store = factories.StoreFactory(created_at=now - timedelta(days=3, hours=23))
    assert merchant_facts_for([store.pk], now=now)[store.pk].store_age_days == 3


def test_a_store_with_nothing_against_it_has_no_links_and_no_points(db):
    store = factories.StoreFactory()
    facts = merchant_facts_for([store.pk], now=store.created_at + timedelta(days=400))[store.pk]
    assert facts == MerchantFacts(
        store_name=store.name,
        store_age_days=400,
        past_penalty_points=0,
        linked_to_banned=False,
        linked_to_banned_evidence="",
    )
    assert merchant_facts_for([]) == {}


def test_penalty_points_count_while_live_and_stop_when_they_expire(owner_a, brand_a, reviewer):
    store = factories.StoreFactory()
    uphold(owner_a, brand_a, reviewer, store)  # counterfeit: 6 points for 365 days
    uphold(owner_a, brand_a, reviewer, store, infringement_type="patent")  # 2 points
    other = factories.StoreFactory(merchant=store.merchant)
    now = timezone.now()
    facts = merchant_facts_for([store.pk, other.pk], now=now)
    assert (facts[store.pk].past_penalty_points, facts[other.pk].past_penalty_points) == (8, 0)
    # Upheld 73 hours after filing: the points expire 365 days after that decision.
    assert merchant_facts_for([store.pk], now=now + timedelta(days=365))[store.pk].past_penalty_points == 8
    assert merchant_facts_for([store.pk], now=now + timedelta(days=369))[store.pk].past_penalty_points == 0


def test_shared_phone_links_to_the_banned_merchant_in_words_without_the_number(banned_store):
    # The same phone written another way: the keyed hash normalises it.
    merchant = factories.MerchantFactory(contact_phone="+8657188880001")
    store = factories.StoreFactory(merchant=merchant)
    facts = merchant_facts_for([store.pk])[store.pk]
    assert facts.linked_to_banned is True
    assert facts.linked_to_banned_evidence == (
        "the store's merchant shares its contact phone with a merchant banned on 2026-10-02"
    )
    assert "8888" not in facts.linked_to_banned_evidence


def test_shared_licence_and_payout_account_are_named_together(banned_store):
    merchant = factories.MerchantFactory(business_licence_number="bl banned 1")
    store = factories.StoreFactory(merchant=merchant, payout_account_hash=banned_store.payout_account_hash)
    assert merchant_facts_for([store.pk])[store.pk].linked_to_banned_evidence == (
        "the store's merchant shares its business licence number and payout account "
        "with a merchant banned on 2026-10-02"
    )


def test_a_sibling_stores_payout_account_links_every_store_of_the_merchant(banned_store):
    merchant = factories.MerchantFactory()
    clean = factories.StoreFactory(merchant=merchant)
    factories.StoreFactory(merchant=merchant, payout_account_hash=banned_store.payout_account_hash)
    facts = merchant_facts_for([clean.pk])[clean.pk]
    assert facts.linked_to_banned_evidence == (
        "the store's merchant shares its payout account of another of its stores with a merchant banned on 2026-10-02"
    )


def test_identical_image_links_to_the_banned_merchant_and_names_the_listing(banned_store):
    image_of(banned_store.banned_items[0].listing, "c3a5f00f1e2d3c4b")
    listing = factories.ListingFactory(external_id="SHOE-77")
    image_of(listing, "c3a5f00f1e2d3c4b")
    image_of(factories.ListingFactory(store=listing.store), "0123456789abcdef")  # another picture
    unrelated = factories.ListingFactory()
    image_of(unrelated, "0123456789abcdef")
    facts = merchant_facts_for([listing.store_id, unrelated.store_id])
    assert facts[listing.store_id].linked_to_banned_evidence == (
        "listing SHOE-77 has an image identical to one of a merchant banned on 2026-10-02"
    )
    assert facts[unrelated.store_id].linked_to_banned is False


def test_identifier_and_image_links_are_both_given(banned_store):
    image_of(banned_store.banned_items[1].listing, "ffff0000ffff0000")
    store = factories.StoreFactory(payout_account_hash=banned_store.payout_account_hash)
    for n in range(5):
        image_of(factories.ListingFactory(store=store, external_id=f"COPY-{n}"), "ffff0000ffff0000")
    assert merchant_facts_for([store.pk])[store.pk].linked_to_banned_evidence == (
        "listings COPY-0, COPY-1, COPY-2 and 2 more have an image identical to one of a merchant banned on "
        "2026-10-02; the store's merchant shares its payout account with a merchant banned on 2026-10-02"
    )


def test_the_banned_merchants_own_stores_are_not_linked_to_itself(banned_store):
    image_of(banned_store.banned_items[0].listing, "c3a5f00f1e2d3c4b")
    sibling = factories.StoreFactory(merchant=banned_store.merchant)
    image_of(factories.ListingFactory(store=sibling), "c3a5f00f1e2d3c4b")
    facts = merchant_facts_for([banned_store.pk, sibling.pk])
    assert not facts[banned_store.pk].linked_to_banned and not facts[sibling.pk].linked_to_banned


def test_a_lifted_ban_no_longer_links(banned_store):
    image_of(banned_store.banned_items[0].listing, "c3a5f00f1e2d3c4b")
    merchant = factories.MerchantFactory(contact_phone=banned_store.merchant.contact_phone)
    store = factories.StoreFactory(merchant=merchant)
    image_of(factories.ListingFactory(store=store), "c3a5f00f1e2d3c4b")
    assert merchant_facts_for([store.pk])[store.pk].linked_to_banned is True

    # The decision that closed the store is reversed on appeal: the ban is lifted with it.
    senior = factories.UserFactory()
    senior.groups.add(Group.objects.get(name="senior_reviewer"))
    last = banned_store.banned_items[2]
    lifecycle.notice_item_reverse(item_id=last.pk, actor=senior, reason="Invoice proves it genuine.", appeal_id=None)
    item_effects_run(last.pk)
    assert not BannedIdentity.objects.filter(lifted_at=None).exists()

    facts = merchant_facts_for([store.pk])[store.pk]
    assert (facts.linked_to_banned, facts.linked_to_banned_evidence) == (False, "")


def test_the_number_of_queries_does_not_grow_with_the_stores(
    banned_store, owner_a, brand_a, reviewer, django_assert_num_queries
):
    image_of(banned_store.banned_items[0].listing, "c3a5f00f1e2d3c4b")
    stores = []
    for n in range(50):
        shared = {"contact_phone": banned_store.merchant.contact_phone} if n % 5 == 0 else {}
        merchant = factories.MerchantFactory(**shared)
        store = factories.StoreFactory(merchant=merchant)
        factories.StoreFactory(merchant=merchant)  # a sibling, read for its payout account
        image_of(factories.ListingFactory(store=store), "c3a5f00f1e2d3c4b" if n % 7 == 0 else f"{n:016x}")
        stores.append(store)
    uphold(owner_a, brand_a, reviewer, stores[1])

    with django_assert_num_queries(7):
        one = merchant_facts_for([stores[0].pk])
    with django_assert_num_queries(7):
        many = merchant_facts_for([store.pk for store in stores])
    assert one[stores[0].pk] == many[stores[0].pk]
    assert many[stores[1].pk].past_penalty_points == 6
    assert sum(facts.linked_to_banned for facts in many.values()) == len({*range(0, 50, 5), *range(0, 50, 7)})


def screened(listing, asset=None, outcome="clear"):
    return ScreeningResult.objects.create(
        listing=listing,
        asset=asset,
        rights_holder=asset.rights_holder if asset else None,
        outcome=outcome,
        score="0.2000" if asset is None else "0.6000",
        snapshot_version=1,
        trigger="created",
        listing_updated_at=listing.updated_at,
    )


def test_the_branded_share_is_of_the_live_listings_by_their_latest_screening(db):
    asset = factories.IPAssetFactory()
    store = factories.StoreFactory()
    listings = [factories.ListingFactory(store=store) for _ in range(6)]
    for listing in listings[:4]:
        screened(listing, asset, "alert")
    screened(listings[4])
    screened(listings[5], asset, "alert")
    screened(listings[5])  # screened again after a change: its latest result names no brand
    factories.ListingFactory(store=store)  # never screened: not counted either way
    removed = factories.ListingFactory(store=store, status="removed")
    screened(removed, asset, "alert")

    assert merchant_facts_for([store.pk])[store.pk].branded_share == round(4 / 6, 4)


def test_a_store_with_few_screened_listings_has_no_branded_share(db):
    asset = factories.IPAssetFactory()
    store = factories.StoreFactory()
    for _ in range(BRANDED_SHARE_MIN_LISTINGS - 1):
        screened(factories.ListingFactory(store=store), asset, "alert")

    assert merchant_facts_for([store.pk])[store.pk].branded_share is None
