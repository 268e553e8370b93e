"""Filing in Chromium (issue 12): a brand finds two listings by search, adds both to its notice without a reload,
adds and removes a row, attaches evidence, is sent back once (declarations not ticked) with the evidence kept,
then reviews and files. At a desktop's and a phone's width, nothing wider than the window.

``FILING_SCREENSHOTS=<folder>`` keeps a screenshot of every step.
"""

import os
from pathlib import Path

import pytest

from portal.models import OrganisationKind
from rights_holders.models import VerificationStatus
from takedowns.models import Evidence, Notice, NoticeDraft
from tests import factories
from tests.services import CHROMIUM_ARGS, browser_session_cookie, needs_chromium
from tests.takedowns.conftest import NOTICE_DATA
from tests.takedowns.filing_pages import browser_rows_fill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
TIMEOUT_MS = 60_000  # a loaded machine is slow; every wait is for a condition, never a fixed time


def _world():
    brand = factories.RightsHolderFactory(legal_name="Northwind Athletics")
    owner = factories.member_of(brand.organisation, role="owner")
    asset = factories.IPAssetFactory(
        rights_holder=brand, name="NORTHWIND", verification_status=VerificationStatus.VERIFIED
    )
    merchant_org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Yiwu Bright Trading Co")
    store = factories.StoreFactory(merchant=factories.MerchantFactory(organisation=merchant_org), name="Bright Deals")
    listings = [
        factories.ListingFactory(store=store, title=f"Northwind Velocity trail runner replica {n}") for n in (1, 2)
    ]
    factories.ListingFactory(store=store, title="Plain canvas tote bag")
    return owner, asset, listings


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_brand_finds_two_listings_and_files_a_notice_with_evidence(live_server, viewport):
    from playwright.sync_api import expect, sync_playwright

    chromium = needs_chromium()
    owner, asset, listings = _world()
    cookie = browser_session_cookie(live_server, owner)
    shots = Path(os.environ["FILING_SCREENSHOTS"]) if os.environ.get("FILING_SCREENSHOTS") else None
    url = live_server.url

    def look(page, name):
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"{viewport}-{name}.png"), full_page=True)

    # No database from the browser's start to its end: Playwright runs an event loop in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies([cookie])
        page = context.new_page()

        # By words: both replicas, not the tote bag; each added without a reload.
        page.goto(f"{url}/takedowns/listings/")
        page.get_by_label("Listing id, URL or words").fill("Velocity trail runner")
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.locator("table.search-results tbody tr")).to_have_count(2)
        expect(page.locator("table.search-results")).to_contain_text("Bright Deals")
        page.evaluate("window.__same_page = true")
        for listing in listings:
            page.get_by_role("button", name=f"Add to notice ({listing.external_id})").click()
            expect(page.get_by_role("button", name=f"Add to notice ({listing.external_id})")).to_have_count(0)
        expect(page.locator("#draft-summary")).to_contain_text("2 listings")
        assert page.evaluate("window.__same_page") is True  # htmx: the page was never reloaded
        look(page, "search")
        # By its id: the listing is found, and marked as in the notice already.
        page.get_by_label("Listing id, URL or words").fill(listings[0].external_id)
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.locator("table.search-results tbody tr")).to_have_count(1)
        expect(page.locator("table.search-results")).to_contain_text("In your notice")

        page.goto(f"{url}/takedowns/notices/new/")
        rows = page.locator("#draft-rows fieldset.item-row")
        expect(rows).to_have_count(2)
        page.evaluate("window.__same_page = true")
        page.get_by_role("button", name="Add a listing by its id").click()
        expect(rows).to_have_count(3)
        rows.nth(2).get_by_role("button", name="Remove this listing").click()
        expect(rows).to_have_count(2)
        assert page.evaluate("window.__same_page") is True
        browser_rows_fill(rows, asset)
        page.get_by_label("Postal address").fill(NOTICE_DATA["filer_address"])
        page.get_by_label("Phone").fill(NOTICE_DATA["filer_phone"])
        page.get_by_label("Signature").fill(NOTICE_DATA["signature"])
        page.get_by_role("button", name="Review the notice").click()

        # Back with the declarations named; the photo is kept with its row, not to be chosen again.
        expect(page.locator("#error-summary")).to_contain_text("Confirm your good-faith belief")
        expect(rows.nth(0)).to_contain_text("test-buy-photo.png")
        look(page, "form-errors")
        for box in page.locator("fieldset:has(legend:text('Declarations')) input[type=checkbox]").all():
            box.check()
        page.get_by_role("button", name="Review the notice").click()

        expect(page.get_by_role("heading", name="Review your notice")).to_be_visible()
        expect(page.get_by_role("heading", name="2 listings")).to_be_visible()
        expect(page.locator("table.review-items")).to_contain_text("test-buy-photo.png")
        for listing in listings:
            expect(page.locator("table.review-items")).to_contain_text(listing.external_id)
        look(page, "review")
        page.get_by_role("button", name="File the notice").click()
        page.wait_for_url("**/receipt/")
        expect(page.locator("main")).to_contain_text("2 item(s) accepted")
        look(page, "receipt")
        browser.close()

    notice = Notice.objects.get()
    assert {item.listing_id for item in notice.items.all()} == {listing.pk for listing in listings}
    assert Evidence.objects.get().original_name == "test-buy-photo.png"
    assert not NoticeDraft.objects.exists()
