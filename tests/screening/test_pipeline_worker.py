"""Listings screened by a real Celery worker on Redis and PostgreSQL: created through the services, and
ingested through the partner API (an alert, a proactive notice, a banned category refused)."""

import pytest

from api.keys import api_key_create
from listings.models import Listing, ListingStatus
from portal import public_ids
from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind
from rights_holders.services import rights_holder_proactive_enforcement_set
from screening.models import ScreeningAlert, ScreeningResult
from takedowns.models import NoticeItem, StatementOfReasons
from tests import factories
from tests.api.conftest import PartnerClient
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


def test_listings_ingested_through_the_api_become_an_alert_and_a_proactive_notice_and_a_banned_one_is_refused(
    redis_broker, tmp_path, settings
):
    needs_postgres()
    settings.LISTING_BANNED_CATEGORIES = ("Vehicle parts > Airbag components",)
    asking, _ = brand_with_asset()  # not opted in: its holder is asked (an alert)
    acting, kestrel = brand_with_asset(name="Kestrel", keywords=("kestrel",))
    owner = factories.member_of(acting.organisation, role="owner")
    rights_holder_proactive_enforcement_set(rights_holder=acting, enabled=True, actor=owner)
    store = factories.StoreFactory()
    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Marketplace Operations")
    Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    _, secret = api_key_create(organisation=marketplace, name="ingest", scopes=["listings:ingest"])
    client = PartnerClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    store_id = public_ids.encode("sto", store.public_id)

    def row(external_id, title, category="Shoes", price="15.00"):
        return {"external_id": external_id, "store": store_id, "title": title, "category": category, "price": price}

    with celery_worker(redis_broker, var_dir=tmp_path / "var", env_extra=_BANNED_ENV) as worker:
        response = client.post(
            "/api/v1/listings/ingest/",
            {
                "listings": [
                    row("API-ALERT", "N0rthw1nd runners replica AAA quality"),
                    row("API-NOTICE", "K3str3l runners replica AAA quality"),
                    row("API-AIRBAG", "Driver airbag module", category="Vehicle parts > Airbag components"),
                ]
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["applied"], body["refused"]) == (2, 1)
        [refusal] = body["errors"]
        assert (refusal["pointer"], refusal["code"]) == ("/listings/2/category", "banned_category")
        assert "prohibited on this marketplace" in refusal["detail"]
        alerted, noticed = Listing.objects.get(external_id="API-ALERT"), Listing.objects.get(external_id="API-NOTICE")
        wait_for(
            lambda: ScreeningAlert.objects.filter(listing=alerted).exists()
            and NoticeItem.objects.filter(listing=noticed).exists(),
            timeout=300,
            interval=0.2,
            message="the worker to alert on one listing and file a proactive notice on the other",
            seen=lambda: list(ScreeningResult.objects.values_list("listing__external_id", "outcome")),
            worker=worker,
        )

    assert not Listing.objects.filter(external_id="API-AIRBAG").exists()
    alert = ScreeningAlert.objects.get(listing=alerted)
    assert alert.rights_holder == asking and alert.status == "open"
    evidence = [signal["evidence"] for signal in alert.result.signals]
    assert any("N0rthw1nd" in text for text in evidence), evidence
    assert any(signal["kind"] == "replica" for signal in alert.result.signals)

    result = ScreeningResult.objects.get(listing=noticed)
    assert (result.outcome, result.asset_id) == ("notice", kestrel.pk)
    item = NoticeItem.objects.get(listing=noticed)
    assert item.screening_reference == str(result.public_id)
    assert item.notice.filer_organisation == marketplace and item.notice.rights_holder == acting
    assert "K3str3l" in item.explanation
    noticed.refresh_from_db()
    assert noticed.status == ListingStatus.TAKEN_DOWN
    statement = StatementOfReasons.objects.get(item=item)
    assert statement.automated_detection and statement.automated_decision
    assert not ScreeningAlert.objects.filter(listing=noticed).exists()


# The worker process reads its settings from the environment: the same banned category as the test's.
_BANNED_ENV = {"LISTING_BANNED_CATEGORIES": "Vehicle parts > Airbag components"}
