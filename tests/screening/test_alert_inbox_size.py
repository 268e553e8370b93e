"""The alerts inbox costs the same queries with 10 alerts as with 500 (tests/lists.py)."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from listings.models import Listing
from screening.models import ScreeningAlert, ScreeningOutcome, ScreeningResult, ScreeningTrigger
from tests.lists import list_queries_constant
from tests.screening.alert_world import SIGNALS, alert_world

pytestmark = pytest.mark.django_db


def alerts_make(holder, asset, store, count):
    """``count`` open alerts of ``holder`` on new listings, with their screening results (fixture setup)."""
    tag, now = uuid.uuid4().hex[:8], timezone.now()
    listings = Listing.objects.bulk_create(
        [
            Listing(
                store=store,
                external_id=f"A{tag}-{n}",
                title=f"N0rthw1nd replica {n}",
                category="shoes",
                price=Decimal("15.00"),
            )
            for n in range(count)
        ]
    )
    results = ScreeningResult.objects.bulk_create(
        [
            ScreeningResult(
                listing=listing,
                asset=asset,
                rights_holder=holder,
                outcome=ScreeningOutcome.ALERT,
                score=Decimal("0.7200"),
                signals=SIGNALS,
                snapshot_version=1,
                trigger=ScreeningTrigger.CREATED,
                listing_updated_at=listing.updated_at,
                created_at=now,
            )
            for listing in listings
        ]
    )
    ScreeningAlert.objects.bulk_create(
        [
            ScreeningAlert(result=result, listing=result.listing, rights_holder=holder, asset=asset, created_at=now)
            for result in results
        ]
    )


def test_the_inbox_costs_the_same_queries_for_10_or_500_alerts(client):
    w = alert_world()  # and its one alert: 11 and 501 in all
    store = w.listings[0].store
    client.force_login(w.lawyer)
    inbox = reverse("screening:alert-inbox")
    queries = list_queries_constant(client, inbox, lambda n: alerts_make(w.holder, w.asset, store, n))
    page = client.get(inbox)
    assert len(page.context["page"]) == 25 and page.context["page"].paginator.count == 501
    assert queries == 11  # an agent firm's lawyer: the brand staff's 10 (test_alert_views.py) and its letters
