"""End to end, in Chromium against a live server and a real Celery worker: a brand uploads a 1,000-row CSV
with one bad row through the upload page, watches the progress, and finds the bad row in the error report
it downloads; the 999 good rows are filed."""

import csv
import io

import pytest
from django.urls import reverse

from listings.models import Listing, ListingStatus
from rights_holders.models import VerificationStatus
from takedowns.models import Channel, NoticeItem
from tests import factories
from tests.services import CHROMIUM_ARGS, browser_session_cookie, needs_chromium, needs_postgres
from tests.takedowns.conftest import NOTICE_DATA
from tests.takedowns.test_bulk_filing import ast, csv_bytes
from tests.workers import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROWS = 1000
BAD_ROW = 417  # the data row that names a listing the marketplace does not have
# Seconds to wait for the worker on a loaded machine (a quiet one needs a few).
WORKER_TIMEOUT_MS = 300_000


def _world():
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    brand = factories.RightsHolderFactory(legal_name="Northwind Athletics")
    owner = factories.member_of(brand.organisation, role="owner")
    asset = factories.IPAssetFactory(rights_holder=brand, verification_status=VerificationStatus.VERIFIED)
    store = factories.StoreFactory()
    listings = Listing.objects.bulk_create(
        [
            Listing(
                store=store,
                external_id=f"NW-E2E-{n:04d}",
                title=f"Northwind runner {n}",
                category="shoes",
                price="19.00",
                status=ListingStatus.LIVE,
            )
            for n in range(ROWS - 1)
        ]
    )
    rows = [[listing.external_id, ast(asset), "counterfeit", "Fake logo on the tongue."] for listing in listings]
    rows.insert(BAD_ROW - 1, ["NO-SUCH-LISTING", ast(asset), "counterfeit", "Fake logo on the tongue."])
    return owner, csv_bytes(rows)


def test_a_thousand_row_csv_with_one_bad_row_shows_its_progress_and_reports_the_bad_row(
    live_server, redis_broker, tmp_path, settings
):
    from playwright.sync_api import expect, sync_playwright

    needs_postgres()
    chromium = needs_chromium()
    owner, data = _world()
    cookie = browser_session_cookie(live_server, owner)
    # The worker reads the stored upload from the same media folder as the live server writes it to.
    worker_env = {"MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    # No database from the browser's start to its end: Playwright runs an event loop in this thread.
    with (
        celery_worker(redis_broker, var_dir=tmp_path / "var", env_extra=worker_env, name="bulk-e2e"),
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        context.add_cookies([cookie])
        page = context.new_page()
        page.goto(f"{live_server.url}{reverse('takedowns:import-create')}")
        page.get_by_label("CSV file").set_input_files(
            {"name": "northwind-1000.csv", "mimeType": "text/csv", "buffer": data}
        )
        page.get_by_label("Your full name").fill(NOTICE_DATA["filer_name"])
        page.get_by_label("Postal address").fill(NOTICE_DATA["filer_address"])
        page.get_by_label("Phone").fill(NOTICE_DATA["filer_phone"])
        page.get_by_label("E-mail").fill(NOTICE_DATA["filer_email"])
        for box in page.locator("input[type=checkbox]").all():
            box.check()
        page.get_by_label("Signature").fill(NOTICE_DATA["signature"])
        page.get_by_role("button", name="Upload and file").click()

        # The import's page: a progress bar and the count of rows checked, updated by htmx until done.
        expect(page.get_by_role("heading", name="Bulk filing: northwind-1000.csv")).to_be_visible()
        expect(page.get_by_test_id("import-bar")).to_be_visible()
        expect(page.locator("#import-progress")).to_contain_text(f"of {ROWS} rows checked")
        expect(page.get_by_test_id("import-status")).to_have_text("Done", timeout=WORKER_TIMEOUT_MS)
        expect(page.locator("#import-progress")).to_contain_text(f"{ROWS} of {ROWS} rows checked (100%)")
        expect(page.get_by_test_id("import-filed")).to_have_text(str(ROWS - 1))
        expect(page.get_by_test_id("import-errors")).to_have_text("1")

        with page.expect_download() as download:
            page.get_by_test_id("import-error-report").click()
        report = download.value.path().read_text(encoding="utf-8-sig")
        browser.close()
    # One line for the one bad row: its line in the file (the header is line 1), its listing, what is wrong.
    reported = list(csv.DictReader(io.StringIO(report)))
    assert len(reported) == 1, report
    assert reported[0]["row"] == str(BAD_ROW + 1) and reported[0]["listing_id"] == "NO-SUCH-LISTING", report
    assert reported[0]["message"], report
    filed = NoticeItem.objects.filter(notice__channel=Channel.BULK)
    assert filed.count() == ROWS - 1
    assert not filed.filter(listing__external_id="NO-SUCH-LISTING").exists()
