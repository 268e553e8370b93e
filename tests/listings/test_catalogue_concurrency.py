"""listings.catalogue under concurrent writers, on PostgreSQL (real transactions in threads)."""

import threading
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from listings.catalogue import ListingChange, listings_apply
from listings.models import Listing, Store, StoreStatus
from tests import factories
from tests.holding import holding, paused_after
from tests.racing import Worker, wait_until_a_backend_waits_on_a_lock
from tests.services import needs_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _new(external_id, store):
    return ListingChange(
        external_id=external_id,
        store_public_id=store.public_id,
        values={"title": f"Sneaker {external_id}", "category": "shoes", "price": "20.00"},
    )


def test_two_ingests_creating_the_same_listing_at_once_both_succeed_and_make_one(db):
    needs_postgres()
    store = factories.StoreFactory()
    reached, release = threading.Event(), threading.Event()
    # The first ingest read "no such listing" under its locks and waits there, before inserting.
    first = Worker(
        holding(lambda: listings_apply([_new("RACE-1", store)]), reached=reached, release=release, at=("FOR UPDATE",))
    )
    first.start()
    assert reached.wait(30)
    second = listings_apply([_new("RACE-1", store), _new("RACE-2", store)])
    assert [o.outcome for o in second.outcomes] == ["created", "created"]
    release.set()
    first.finish()
    assert first.error is None
    # Its insert met the listing the second created: it planned again and found nothing to change.
    assert [(o.listing.external_id, o.outcome) for o in first.result.outcomes] == [("RACE-1", "unchanged")]
    assert Listing.objects.filter(external_id="RACE-1").count() == 1


def test_a_restriction_being_applied_is_seen_by_an_ingest_adding_to_the_store(db):
    needs_postgres()
    store = factories.StoreFactory()
    until = timezone.now() + timedelta(days=7)
    reached, release = threading.Event(), threading.Event()

    def restrict():
        with (
            transaction.atomic(),
            paused_after(lambda sql: sql.startswith("UPDATE"), reached=reached, release=release),
        ):
            Store.objects.filter(pk=store.pk).update(status=StoreStatus.RESTRICTED, restricted_until=until)

    penalty = Worker(restrict)
    penalty.start()
    assert reached.wait(30)
    ingest = Worker(lambda: listings_apply([_new("DURING-1", store)]))
    ingest.start()
    wait_until_a_backend_waits_on_a_lock()  # the ingest waits for the restriction's transaction
    assert ingest.is_alive()
    release.set()
    penalty.finish()
    ingest.finish()
    assert ingest.error is None
    assert [(e.field, e.code) for e in ingest.result.errors] == [("store", "store_restricted")]
    assert not Listing.objects.filter(external_id="DURING-1").exists()


def test_ingests_naming_the_same_stores_do_not_wait_for_each_other(db):
    needs_postgres()
    store = factories.StoreFactory()
    reached, release = threading.Event(), threading.Event()
    first = Worker(
        holding(lambda: listings_apply([_new("SIDE-1", store)]), reached=reached, release=release, at=("FOR SHARE",))
    )
    first.start()
    assert reached.wait(30)
    try:
        # While the first holds its share lock on the store, a second ingest into it runs to the end.
        second = Worker(lambda: listings_apply([_new("SIDE-2", store)]))
        second.start()
        second.finish()
        assert second.error is None and second.result.outcomes[0].outcome == "created"
    finally:
        release.set()
        first.finish()
    assert first.error is None and first.result.outcomes[0].outcome == "created"
