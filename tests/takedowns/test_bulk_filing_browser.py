"""Bulk filing in Chromium with a real worker: a brand's owner uploads a 1,000-row CSV with one bad row, the
progress bar (htmx polling its partial) reaches done, and the error report names the bad row and its column.

``BULK_SCREENSHOTS=<folder>`` keeps screenshots of each step at 1366 px and of the result at 390 px.
"""

import csv
import decimal
import io
import os
from pathlib import Path

import pytest
from django.conf import settings

from listings.models import Listing
from portal import public_ids
from takedowns.models import Channel, NoticeItem
from tests import factories
from tests.services import CHROMIUM_ARGS, browser_session_cookie, needs_chromium, needs_postgres
from tests.takedowns.conftest import NOTICE_DATA
from tests.workers import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS, BAD_ROW_INDEX = 1000, 637  # the bad row is the file's line BAD_ROW_INDEX + 2 (after the header)
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def redis_broker(redis_broker):
    needs_postgres()
    return redis_broker


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


def test_a_brand_uploads_1000_rows_follows_the_progress_and_gets_the_bad_row_reported(
    live_server, redis_broker, tmp_path
):
    from playwright.sync_api import sync_playwright

    from portal.roles import ensure_platform_groups

    chromium = needs_chromium()
    ensure_platform_groups()
    brand = factories.RightsHolderFactory(legal_name="Northwind Athletics")
    owner = factories.member_of(brand.organisation, role="owner")
    asset = factories.IPAssetFactory(rights_holder=brand, name="NORTHWIND")
    store = factories.StoreFactory()
    listings = Listing.objects.bulk_create(
        Listing(
            store=store, external_id=f"CSV{n:06d}", title=f"Sneaker {n}", category="shoes", price=decimal.Decimal("9")
        )
        for n in range(ROWS)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["listing_id", "asset", "infringement_type", "explanation"])
    for n, listing in enumerate(listings):
        kind = "fakes" if n == BAD_ROW_INDEX else "counterfeit"
        writer.writerow([listing.external_id, public_ids.encode("ast", asset.public_id), kind, "Fake logo."])
    upload = tmp_path / "november-sweep.csv"
    upload.write_text(out.getvalue(), encoding="utf-8")
    bad_line = str(BAD_ROW_INDEX + 2)
    shots = Path(os.environ["BULK_SCREENSHOTS"]) if os.environ.get("BULK_SCREENSHOTS") else None

    def shot(page, name):
        _fits(page)
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    cookie = browser_session_cookie(live_server, owner)
    # Chunks of 100 rows: the bar moves ten times on its way to done.
    env = {"BULK_FILING_CHUNK_ROWS": "100", "MEDIA_ROOT": settings.MEDIA_ROOT}
    with celery_worker(redis_broker, var_dir=tmp_path / "var", env_extra=env) as worker:
        # No database from here to the browser's end: Playwright runs an event loop in this thread.
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
            context.add_cookies([cookie])
            page = context.new_page()
            page.goto(f"{live_server.url}/takedowns/imports/")
            shot(page, "desktop-1-imports-empty")
            page.get_by_role("link", name="Upload a CSV file").click()
            page.wait_for_url("**/imports/new/")
            with page.expect_download() as template:
                page.get_by_role("link", name="Download the template").first.click()
            assert "listing_id,asset,infringement_type" in Path(template.value.path()).read_text(encoding="utf-8-sig")
            page.set_input_files("input[name=csv_file]", str(upload))
            for name in ("filer_address", "filer_phone", "signature"):
                page.fill(f"input[name={name}]", NOTICE_DATA[name])
            for name in ("good_faith_statement", "accuracy_statement", "authority_statement"):
                page.check(f"input[name={name}]")
            shot(page, "desktop-2-upload")
            page.get_by_role("button", name="Upload and file").click()
            page.wait_for_url("**/imports/*/")
            shot(page, "desktop-3-progress")
            # The partial is polled until done; a loaded machine may take minutes for 1,000 rows.
            page.wait_for_selector("[data-testid=import-status]:text('Done')", timeout=600_000)
            assert page.locator("[data-testid=import-bar]").get_attribute("value") == "100"
            assert page.locator("[data-testid=import-filed]").inner_text() == str(ROWS - 1)
            assert page.locator("[data-testid=import-errors]").inner_text() == "1"
            shot(page, "desktop-4-done")
            with page.expect_download() as report:
                page.locator("[data-testid=import-error-report]").click()
            lines = list(csv.DictReader(io.StringIO(Path(report.value.path()).read_text(encoding="utf-8-sig"))))
            page.set_viewport_size(PHONE)
            shot(page, "phone-4-done")
            page.goto(f"{live_server.url}/takedowns/imports/")
            shot(page, "phone-1-imports")
            browser.close()
        worker_log = worker.log_tail()
    assert [(line["row"], line["column"]) for line in lines] == [(bad_line, "infringement_type")], worker_log
    assert "fakes" in lines[0]["message"]
    assert NoticeItem.objects.filter(notice__channel=Channel.BULK).count() == ROWS - 1
