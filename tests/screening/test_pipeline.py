"""The screening pipeline on the database: results with their evidence, alerts, idempotence, the hand-off
of notice outcomes, and listings fed to it by every write path. OCR is the real Tesseract."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listings.catalogue import ListingAction, ListingChange, listings_apply
from listings.models import ListingStatus
from portal.events import REGISTRY as EVENTS
from portal.models import OrganisationKind
from rights_holders.models import AuthorisedStore, Partner, PartnerKind, RightsHolder
from screening import pipeline, snapshot_build
from screening.models import AlertStatus, OcrText, ScreeningAlert, ScreeningOutcome, ScreeningResult, ScreeningTrigger
from screening.pipeline import listings_screen
from screening.snapshot_build import snapshot_version_bump
from takedowns.models import NoticeItem
from tests import factories
from tests.portal.test_admin_audit import admin_client, change_url, form_data, saved  # noqa: F401
from tests.screening.imaging import encoded, text_image
from tests.screening.pipeline_world import brand_with_asset, image_add, listing_made

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    holder, asset = brand_with_asset()
    store = factories.StoreFactory()
    return holder, asset, store


def test_a_disguised_brand_at_a_fraction_of_its_price_alerts_its_holder_with_the_evidence(world):
    holder, asset, store = world
    listing = listing_made(store, "X1", "N0rthw1nd runners replica AAA quality", price="15.00")

    run = listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    result = ScreeningResult.objects.get(listing=listing)
    assert run.result_ids == [result.pk]
    # Not opted in to platform-initiated notices: the core says alert, never notice.
    assert result.outcome == ScreeningOutcome.ALERT
    assert (result.asset_id, result.rights_holder_id) == (asset.pk, holder.pk)
    assert result.score >= 0.9
    assert result.trigger == ScreeningTrigger.CREATED and result.listing_updated_at == listing.updated_at
    keyword = next(s for s in result.signals if s["kind"] == "keyword")
    assert keyword["keyword"] == "NORTHWIND" and keyword["field"] == "title" and keyword["disguised"] is True
    assert keyword["quote"] == "N0rthw1nd" and "disguised" in keyword["evidence"]
    kinds = {s["kind"] for s in result.signals}
    assert {"keyword", "replica", "price", "category"} <= kinds
    price = next(s for s in result.signals if s["kind"] == "price")
    assert price["ratio"] == 0.125 and price["reference_price"] == "120.00"
    alert = ScreeningAlert.objects.get()
    assert (alert.result_id, alert.listing_id, alert.asset_id, alert.rights_holder_id) == (
        result.pk,
        listing.pk,
        asset.pk,
        holder.pk,
    )
    assert alert.status == AlertStatus.OPEN and run.alert_ids == [alert.pk]


def test_a_brand_only_inside_an_image_is_found_by_ocr_and_its_text_kept(world):
    _, asset, store = world
    listing = listing_made(store, "X2", "Sports shoes, all sizes", price="20.00")
    image_add(listing, encoded(text_image(11, ["NORTHWIND"], style="light", scene=False)))

    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    result = ScreeningResult.objects.get(listing=listing)
    assert result.outcome == ScreeningOutcome.ALERT and result.asset_id == asset.pk
    ocr = next(s for s in result.signals if s["kind"] == "ocr")
    assert ocr["field"] == "ocr" and "NORTHWIND" in ocr["ocr_text"]
    assert not any(s["kind"] == "keyword" for s in result.signals)
    # The reading is kept by the image's content: another worker, or this one after a restart, reads no image twice.
    [kept] = OcrText.objects.all()
    assert "NORTHWIND" in kept.text and kept.languages == "eng+chi_sim"


def test_an_image_read_before_is_not_read_again(world, monkeypatch):
    _, _, store = world
    data = encoded(text_image(12, ["NORTHWIND"], style="light", scene=False))
    first = listing_made(store, "X3", "Sports shoes", price="20.00")
    image_add(first, data)
    listings_screen([first.pk], trigger=ScreeningTrigger.CREATED)
    snapshot_build.screener_forget()  # a fresh process: only the table remembers

    calls = []
    monkeypatch.setattr("screening.core.ocr.ocr_batch", lambda *a, **k: calls.append(a) or ([], 0))
    second = listing_made(store, "X4", "Running shoes", price="20.00")
    image_add(second, data, name="copy.png")
    listings_screen([second.pk], trigger=ScreeningTrigger.CREATED)

    assert calls == []
    result = ScreeningResult.objects.get(listing=second)
    assert result.outcome == ScreeningOutcome.ALERT and any(s["kind"] == "ocr" for s in result.signals)


def test_a_listing_naming_no_brand_is_clear_without_alert(world):
    _, _, store = world
    listing = listing_made(store, "X5", "Plain canvas trainers, white", price="35.00")

    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    result = ScreeningResult.objects.get(listing=listing)
    assert result.outcome == ScreeningOutcome.CLEAR and result.asset_id is None and result.signals == []
    assert result.score == 0
    assert not ScreeningAlert.objects.exists()


def test_running_twice_writes_once(world):
    _, _, store = world
    listing = listing_made(store, "X6", "N0rthw1nd replica runners", price="15.00")

    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)
    again = listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    assert again.result_ids == [] and again.skipped == 1
    assert ScreeningResult.objects.count() == 1 and ScreeningAlert.objects.count() == 1


def test_a_new_snapshot_screens_again_and_keeps_the_open_alert(world):
    _, _, store = world
    listing = listing_made(store, "X7", "N0rthw1nd replica runners", price="15.00")
    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    snapshot_version_bump()
    again = listings_screen([listing.pk], trigger=ScreeningTrigger.RESCREEN)

    assert len(again.result_ids) == 1 and again.alert_ids == []
    assert list(ScreeningResult.objects.order_by("id").values_list("snapshot_version", "trigger")) == [
        (0, ScreeningTrigger.CREATED),
        (1, ScreeningTrigger.RESCREEN),
    ]
    [alert] = ScreeningAlert.objects.all()
    assert alert.status == AlertStatus.OPEN


def test_an_authorised_store_is_clear(world):
    holder, _, store = world
    AuthorisedStore.objects.create(rights_holder=holder, store=store)
    listing = listing_made(store, "X8", "N0rthw1nd replica runners", price="15.00")

    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    result = ScreeningResult.objects.get(listing=listing)
    assert result.outcome == ScreeningOutcome.CLEAR
    assert any(s.get("authorised") for s in result.signals)
    assert not ScreeningAlert.objects.exists()


def test_a_listing_in_a_category_banned_since_it_was_listed_is_reported_blocked(world, settings):
    _, _, store = world
    listing = listing_made(store, "X9", "Green laser, 5 mW", category="Laser pointers", price="40.00")
    settings.LISTING_BANNED_CATEGORIES = ("Laser pointers",)  # refused at creation from now on

    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    result = ScreeningResult.objects.get(listing=listing)
    assert result.outcome == ScreeningOutcome.BLOCKED and result.signals[0]["banned"] is True


def test_removed_listings_are_not_screened(world):
    _, _, store = world
    listing = listing_made(store, "X10", "N0rthw1nd replica runners", price="15.00")
    listings_apply([ListingChange(external_id="X10", action=ListingAction.REMOVE)])
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REMOVED

    run = listings_screen([listing.pk], trigger=ScreeningTrigger.MANUAL)

    assert run.result_ids == [] and run.skipped == 1 and not ScreeningResult.objects.exists()


@pytest.fixture
def marketplace():
    organisation = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Marketplace Operations")
    Partner.objects.create(organisation=organisation, kind=PartnerKind.MARKETPLACE)
    return organisation


def opt_in(holder, enabled=True):
    RightsHolder.objects.filter(pk=holder.pk).update(proactive_enforcement=enabled)


def test_a_notice_outcome_of_an_opted_in_brand_is_filed_by_the_platform_and_the_listing_is_down(world, marketplace):
    holder, asset, store = world
    opt_in(holder)
    listing = listing_made(store, "X11", "N0rthw1nd runners replica AAA quality", price="15.00")

    run = listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    result = ScreeningResult.objects.get(listing=listing)
    assert result.outcome == ScreeningOutcome.NOTICE and run.notice_result_ids == [result.pk]
    item = NoticeItem.objects.get(listing=listing)
    assert (item.ip_asset_id, item.screening_reference) == (asset.pk, str(result.public_id))
    assert item.notice.filer_organisation == marketplace and item.notice.rights_holder == holder
    assert "disguised" in item.explanation
    listing.refresh_from_db()
    assert listing.status == ListingStatus.TAKEN_DOWN
    # The platform acted: no alert asks the holder as well.
    assert not ScreeningAlert.objects.exists()


def test_a_brand_that_opted_out_since_the_snapshot_is_asked_instead(world, marketplace):
    holder, _, store = world
    opt_in(holder)
    listings_screen([], trigger=ScreeningTrigger.CREATED)  # the worker compiled the snapshot with the opt-in
    opt_in(holder, False)  # not announced: the snapshot still says opted in
    listing = listing_made(store, "X12", "N0rthw1nd runners replica AAA quality", price="15.00")

    run = listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    assert ScreeningResult.objects.get(listing=listing).outcome == ScreeningOutcome.NOTICE
    assert not NoticeItem.objects.exists()
    alert = ScreeningAlert.objects.get()
    assert alert.listing_id == listing.pk and run.alert_ids == [alert.pk]


def test_without_a_marketplace_to_file_as_the_holder_is_asked_instead(world):
    holder, _, store = world
    opt_in(holder)
    listing = listing_made(store, "X14", "N0rthw1nd runners replica AAA quality", price="15.00")

    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    assert not NoticeItem.objects.exists()
    assert ScreeningAlert.objects.get().listing_id == listing.pk


def test_a_failing_filing_leaves_the_result_and_asks_the_holder(world, marketplace, monkeypatch):
    holder, _, store = world
    opt_in(holder)

    def broken(findings, now=None):
        raise RuntimeError("the filing broke")

    monkeypatch.setattr(pipeline, "proactive_notices_file", broken)
    listing = listing_made(store, "X15", "N0rthw1nd runners replica AAA quality", price="15.00")

    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    assert ScreeningResult.objects.get(listing=listing).outcome == ScreeningOutcome.NOTICE
    assert ScreeningAlert.objects.get().listing_id == listing.pk


def test_new_alerts_are_announced_for_webhooks(world, monkeypatch):
    _, _, store = world
    announced = []
    monkeypatch.setitem(EVENTS._registered, "events_wanted", lambda: True)
    monkeypatch.setitem(EVENTS._registered, "screening_alert", announced.append)
    listing = listing_made(store, "X13", "N0rthw1nd replica runners", price="15.00")

    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    assert announced == [[ScreeningAlert.objects.get().pk]]


def _screen_queries(store, count, prefix, seed):
    listings = [
        listing_made(store, f"{prefix}{n}", f"N0rthw1nd replica runners {n}", price="15.00") for n in range(count)
    ]
    for listing in listings[:2]:
        image = encoded(text_image(seed, ["NORTHWIND"], style="light", scene=False))  # a new image: read, then kept
        image_add(listing, image, name=f"{prefix}.png")
    with CaptureQueriesContext(connection) as queries:
        listings_screen([listing.pk for listing in listings], trigger=ScreeningTrigger.CREATED)
    return len(queries)


def test_a_batch_costs_the_same_queries_whatever_its_size(world):
    _, _, store = world
    listings_screen([], trigger=ScreeningTrigger.CREATED)  # the screener compiled: its queries are not the batch's
    few = _screen_queries(store, 2, "Q", 13)
    many = _screen_queries(store, 12, "R", 14)
    assert few == many
    # Version check, listings, images, OCR cache, its insert, the merchant facts (7); lock, results, open
    # alerts, alerts; the transaction's own statements.
    assert many <= 20


# --- Fed by every write path --------------------------------------------------------------------


def test_a_listing_created_by_the_services_is_screened_after_the_commit(world, django_capture_on_commit_callbacks):
    _, _, store = world
    with django_capture_on_commit_callbacks(execute=True):
        listing = listing_made(store, "F1", "N0rthw1nd replica runners", price="15.00")

    result = ScreeningResult.objects.get(listing=listing)
    assert result.trigger == ScreeningTrigger.CREATED and result.outcome == ScreeningOutcome.ALERT


def test_a_listing_changed_by_the_ingest_is_screened_again(world, django_capture_on_commit_callbacks):
    _, _, store = world
    with django_capture_on_commit_callbacks(execute=True):
        listing = listing_made(store, "F2", "Plain canvas trainers", price="35.00")
    with django_capture_on_commit_callbacks(execute=True):
        listings_apply([ListingChange(external_id="F2", values={"title": "N0rthw1nd replica trainers"})])

    results = list(ScreeningResult.objects.filter(listing=listing).order_by("id").values_list("trigger", "outcome"))
    assert results == [
        (ScreeningTrigger.CREATED, ScreeningOutcome.CLEAR),
        (ScreeningTrigger.CHANGED, ScreeningOutcome.ALERT),
    ]


def test_an_unchanged_listing_is_not_announced(world, django_capture_on_commit_callbacks):
    _, _, store = world
    with django_capture_on_commit_callbacks(execute=True):
        listing_made(store, "F3", "Plain canvas trainers", price="35.00")
    with django_capture_on_commit_callbacks() as callbacks:
        listings_apply([ListingChange(external_id="F3", values={"title": "Plain canvas trainers"})])
    assert callbacks == []


def test_a_listing_changed_in_the_admin_is_screened_again(world, admin_client, django_capture_on_commit_callbacks):  # noqa: F811
    _, _, store = world
    with django_capture_on_commit_callbacks(execute=True):
        listing = listing_made(store, "F4", "Plain canvas trainers", price="35.00")
    data = form_data(admin_client.get(change_url(listing)))
    data["title"] = "N0rthw1nd replica trainers"
    with django_capture_on_commit_callbacks(execute=True):
        saved(admin_client.post(change_url(listing), data))

    latest = ScreeningResult.objects.filter(listing=listing).first()
    assert (latest.trigger, latest.outcome) == (ScreeningTrigger.CHANGED, ScreeningOutcome.ALERT)
    listing.refresh_from_db()
    assert latest.listing_updated_at == listing.updated_at  # the admin's change is a new version


def test_a_broker_refusing_the_screening_fails_no_write_and_the_sweep_sends_it_again(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from screening import tasks

    _, _, store = world

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.listings_screen, "delay", refuse)
        with django_capture_on_commit_callbacks(execute=True):
            listing = listing_made(store, "M1", "N0rthw1nd replica runners", price="15.00")  # no error for the caller
    assert not ScreeningResult.objects.exists()

    assert pipeline.listings_missed() == ([], [])  # too recent: its task would normally be under way
    later = timezone.now() + timedelta(minutes=10)
    assert pipeline.listings_missed(now=later) == ([listing.pk], [])
    monkeypatch.setattr(pipeline.timezone, "now", lambda: later)
    assert tasks.listings_screen_missed.delay().get() == 1

    result = ScreeningResult.objects.get(listing=listing)
    assert (result.trigger, result.outcome) == (ScreeningTrigger.CREATED, ScreeningOutcome.ALERT)
    assert pipeline.listings_missed(now=later) == ([], [])
