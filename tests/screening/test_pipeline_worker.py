"""A listing created through the services is screened by a real Celery worker on Redis and PostgreSQL."""

import pytest

from screening.models import ScreeningAlert, ScreeningResult
from tests import factories
from tests.screening.pipeline_world import brand_with_asset, listing_made
from tests.services import needs_postgres
from tests.workers import celery_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_listing_created_by_the_services_ends_with_a_result_and_an_alert(redis_broker, tmp_path):
    needs_postgres()
    holder, asset = brand_with_asset()
    store = factories.StoreFactory()

    with celery_worker(redis_broker, var_dir=tmp_path / "var") as worker:
        # Committed at once (no test transaction): its screening is sent to the worker after the commit.
        listing = listing_made(store, "W1", "N0rthw1nd runners replica AAA quality", price="15.00")
        clear = listing_made(store, "W2", "Plain canvas trainers", price="35.00")
        wait_for(
            lambda: ScreeningAlert.objects.filter(listing=listing).exists()
            and ScreeningResult.objects.filter(listing=clear).exists(),
            timeout=300,
            interval=0.2,
            message="the worker to screen both listings",
            seen=lambda: list(ScreeningResult.objects.values_list("listing__external_id", "outcome")),
            worker=worker,
        )

    result = ScreeningResult.objects.get(listing=listing)
    assert (result.outcome, result.asset_id, result.rights_holder_id) == ("alert", asset.pk, holder.pk)
    assert any(s["kind"] == "keyword" and s["disguised"] for s in result.signals)
    assert ScreeningAlert.objects.get().result_id == result.pk
    assert ScreeningResult.objects.get(listing=clear).outcome == "clear"
