"""Two workers screening the same listing at once write one result (PostgreSQL, real transactions in threads).

A listing created and at once given an image is announced twice (created, then changed): with two
worker processes both tasks may screen it side by side, each reading it before the other wrote.
"""

import threading

import pytest

from screening.models import ScreeningAlert, ScreeningResult, ScreeningTrigger
from screening.pipeline import listings_screen
from tests import factories
from tests.holding import holding
from tests.racing import Worker, wait_until_a_backend_waits_on_a_lock
from tests.screening.pipeline_world import brand_with_asset, listing_made
from tests.services import needs_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_listing_screened_by_two_workers_at_once_gets_one_result_and_one_alert():
    needs_postgres()
    brand_with_asset()
    listing = listing_made(factories.StoreFactory(), "C1", "N0rthw1nd runners replica AAA quality", price="15.00")
    reached, release = threading.Event(), threading.Event()
    # The first run writes its result and holds its transaction open (the listing locked, nothing committed).
    first = Worker(
        holding(
            lambda: listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED),
            reached=reached,
            release=release,
            at=('INSERT INTO "screening_screeningresult"',),
        )
    )
    first.start()
    assert reached.wait(120), "the first run never wrote its result"
    # The second read the listing unscreened, screened it, and now waits for the listing's lock.
    second = Worker(lambda: listings_screen([listing.pk], trigger=ScreeningTrigger.CHANGED))
    second.start()
    wait_until_a_backend_waits_on_a_lock()
    release.set()

    first.finish()
    second.finish()
    assert first.error is None and second.error is None
    ran_first, ran_second = first.result, second.result

    assert len(ran_first.result_ids) == 1 and len(ran_first.alert_ids) == 1
    assert (ran_second.result_ids, ran_second.alert_ids, ran_second.skipped) == ([], [], 1)
    assert ScreeningResult.objects.filter(listing=listing).count() == 1
    assert ScreeningAlert.objects.filter(listing=listing).count() == 1
