"""The screening tables' own rules: one open alert per listing and asset, results append-only (PostgreSQL),
thresholds between 0 and 1 with the alert one below the notice one, one state row."""

import decimal

import pytest
from django.db import IntegrityError, InternalError, transaction
from django.utils import timezone

from screening.models import (
    AlertStatus,
    BrandScreeningSettings,
    ScreeningAlert,
    ScreeningResult,
    ScreeningState,
    ScreeningTrigger,
)
from tests import factories
from tests.services import needs_postgres

pytestmark = pytest.mark.django_db


def result_for(listing, asset):
    return ScreeningResult.objects.create(
        listing=listing,
        asset=asset,
        rights_holder=asset.rights_holder,
        outcome="alert",
        score=decimal.Decimal("0.75"),
        snapshot_version=0,
        trigger=ScreeningTrigger.CREATED,
        listing_updated_at=listing.updated_at,
    )


def alert_for(result):
    return ScreeningAlert.objects.create(
        result=result, listing=result.listing, asset=result.asset, rights_holder=result.rights_holder
    )


def test_a_listing_has_one_open_alert_per_asset_and_any_number_decided():
    listing, asset = factories.ListingFactory(), factories.IPAssetFactory()
    first = alert_for(result_for(listing, asset))
    with pytest.raises(IntegrityError), transaction.atomic():
        alert_for(result_for(listing, asset))
    ScreeningAlert.objects.filter(pk=first.pk).update(status=AlertStatus.DISMISSED, decided_at=timezone.now())
    alert_for(result_for(listing, asset))  # a new alert once the first was decided
    alert_for(result_for(listing, factories.IPAssetFactory()))  # another brand's
    assert ScreeningAlert.objects.filter(status=AlertStatus.OPEN).count() == 2


def test_results_are_append_only_in_postgresql():
    needs_postgres()
    result = result_for(factories.ListingFactory(), factories.IPAssetFactory())
    with pytest.raises(InternalError, match="pgtrigger: Cannot"), transaction.atomic():
        ScreeningResult.objects.filter(pk=result.pk).update(outcome="clear")
    with pytest.raises(InternalError, match="pgtrigger: Cannot"), transaction.atomic():
        ScreeningResult.objects.filter(pk=result.pk).delete()


@pytest.mark.parametrize(
    ("notice", "alert"),
    [("1.5", None), (None, "-0.1"), ("0.6", "0.7"), ("0.6", "0.6")],
)
def test_brand_thresholds_outside_0_1_or_alert_not_below_notice_are_refused(notice, alert):
    holder = factories.RightsHolderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        BrandScreeningSettings.objects.create(
            rights_holder=holder,
            notice_threshold=None if notice is None else decimal.Decimal(notice),
            alert_threshold=None if alert is None else decimal.Decimal(alert),
        )


def test_there_is_one_state_row():
    ScreeningState.objects.create(pk=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningState.objects.create(pk=2)
