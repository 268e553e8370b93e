"""End to end, in Chromium against a live server, every step through the pages as people use them:

1. a brand finds two listings by search, adds both to a notice, attaches evidence, reviews and files it;
2. a reviewer opens the first item (which claims it) and accepts it from the keyboard, "decide and next"
   takes them to the second, accepted the same way; while the first is claimed a second reviewer opening
   it is told who holds it and is offered no decision;
3. the merchant counter-notices the first item with its evidence; the brand replies;
4. the reviewer claims the adjudication and upholds the complaint from the keyboard;
5. the brand reads the item's timeline (the counter-notice and its evidence inline, the decision), then
   switches the portal to Chinese.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal.models import OrganisationKind
from rights_holders.models import VerificationStatus
from takedowns.models import ItemStatus, NoticeItem
from tests import factories
from tests.services import CHROMIUM_ARGS, browser_session_cookie, needs_chromium
from tests.takedowns.conftest import NOTICE_DATA
from tests.takedowns.filing_pages import browser_rows_fill, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
TIMEOUT_MS = 60_000  # a loaded machine is slow; every wait is for a condition, never a fixed time


def _world():
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    brand = factories.RightsHolderFactory(legal_name="Northwind Athletics")
    owner = factories.member_of(brand.organisation, role="owner")
    asset = factories.IPAssetFactory(
        rights_holder=brand, name="NORTHWIND", verification_status=VerificationStatus.VERIFIED
    )
    merchant_org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Yiwu Bright Trading Co")
    merchant = factories.member_of(merchant_org, role="owner")
    store = factories.StoreFactory(merchant=factories.MerchantFactory(organisation=merchant_org))
    listings = [
        factories.ListingFactory(store=store, title=f"Northwind Velocity trail runner replica {n}") for n in (1, 2)
    ]
    factories.ListingFactory(store=store, title="Plain canvas tote bag")
    reviewers = []
    for name in ("reviewer-ada", "reviewer-bo"):
        reviewer = factories.UserFactory(username=name)
        reviewer.groups.add(Group.objects.get(name="reviewer"))
        reviewers.append(reviewer)
    return owner, asset, merchant, listings, reviewers


def _signed_in(browser, live_server, cookie):
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([cookie])
    return context.new_page()


def _decide_from_the_keyboard(page, decision_key, statement, submit_key):
    """The decision page's shortcuts: the decision's key, e to write the statement, Escape, then s or n."""
    from playwright.sync_api import expect

    page.locator("h1").first.click()  # the page has the focus, no field
    page.keyboard.press(decision_key)
    expect(page.locator("#decision-form input[type=radio]:checked")).to_have_count(1)
    page.keyboard.press("e")
    statement_box = page.locator("#decision-form textarea[name='reason']")
    expect(statement_box).to_be_focused()
    statement_box.fill(statement)
    page.keyboard.press("Escape")
    page.keyboard.press(submit_key)


def test_a_notice_from_search_to_decision_through_the_pages(live_server):
    from playwright.sync_api import expect, sync_playwright

    chromium = needs_chromium()
    owner, asset, merchant, listings, (ada, bo) = _world()
    cookies = {user.username: browser_session_cookie(live_server, user) for user in (owner, merchant, ada, bo)}
    url = live_server.url
    # No database from the browser's start to its end: Playwright runs an event loop in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)

        # 1. The brand searches by words, adds both results to its notice, attaches evidence and files.
        brand = _signed_in(browser, live_server, cookies[owner.username])
        brand.goto(f"{url}{reverse('takedowns:listing-search')}")
        brand.get_by_label("Listing id, URL or words").fill("Velocity trail runner")
        brand.get_by_role("button", name="Search").click()
        results = brand.locator("table.search-results tbody tr")
        expect(results).to_have_count(2)
        for listing in listings:
            brand.get_by_role("button", name=f"Add to notice ({listing.external_id})").click()
            expect(brand.get_by_role("button", name=f"Add to notice ({listing.external_id})")).to_have_count(0)
        brand.goto(f"{url}{reverse('takedowns:notice-create')}")
        rows = brand.locator("fieldset.item-row")
        expect(rows).to_have_count(2)
        browser_rows_fill(rows, asset)
        brand.get_by_label("Your full name").fill(NOTICE_DATA["filer_name"])
        brand.get_by_label("Postal address").fill(NOTICE_DATA["filer_address"])
        brand.get_by_label("Phone").fill(NOTICE_DATA["filer_phone"])
        brand.get_by_label("E-mail").fill(NOTICE_DATA["filer_email"])
        for box in brand.locator("fieldset:has(legend:text('Declarations')) input[type=checkbox]").all():
            box.check()
        brand.get_by_label("Signature").fill(NOTICE_DATA["signature"])
        brand.get_by_role("button", name="Review the notice").click()
        expect(brand.get_by_role("heading", name="Review your notice")).to_be_visible()
        expect(brand.get_by_role("heading", name="2 listings")).to_be_visible()
        expect(brand.locator("table.review-items")).to_contain_text("test-buy-photo.png")
        brand.get_by_role("button", name="File the notice").click()
        brand.wait_for_url(re.compile(r"/takedowns/notices/\d+/"))
        notice_url = brand.url

        # 2. Reviewer Ada works the queue: opening the first item claims it; Bo cannot decide it meanwhile.
        first_url, second_url = (
            url
            + brand.locator("main tr", has_text=listing.external_id).locator("a[href*='/items/']").get_attribute("href")
            for listing in listings
        )
        reviewer = _signed_in(browser, live_server, cookies[ada.username])
        reviewer.goto(f"{url}{reverse('takedowns:review-queue')}")
        expect(reviewer.locator("main")).to_contain_text(listings[0].external_id)
        reviewer.goto(first_url)
        expect(reviewer.locator("#claim-mine")).to_be_visible()
        expect(reviewer.get_by_text("Keyboard shortcuts")).to_be_visible()

        other = _signed_in(browser, live_server, cookies[bo.username])
        other.goto(first_url)
        expect(other.locator("#claim-blocked")).to_contain_text(ada.username)
        expect(other.locator("#decision-form")).to_have_count(0)

        # Accept (a), write the statement (e), decide and next (n): the second item opens, claimed.
        _decide_from_the_keyboard(reviewer, "a", "A replica of the brand's registered mark; the notice holds.", "n")
        reviewer.wait_for_url(second_url)
        expect(reviewer.locator("#claim-mine")).to_be_visible()
        _decide_from_the_keyboard(reviewer, "a", "A replica of the brand's registered mark; the notice holds.", "s")
        expect(reviewer.locator("main")).to_contain_text("Awaiting counter-notice")

        # 3. The merchant answers the first complaint with a counter-notice and its evidence.
        seller = _signed_in(browser, live_server, cookies[merchant.username])
        seller.goto(first_url)
        seller.get_by_role("link", name="File a counter-notice").click()
        seller.get_by_label("Statement").fill(
            "We bought this stock from the brand's own distributor; the receipt is attached."
        )
        seller.get_by_label("Evidence of authenticity").set_input_files(
            {"name": "invoice.png", "mimeType": "image/png", "buffer": png_bytes((200, 30, 30))}
        )
        seller.get_by_label("Contact name").fill("Li Wei")
        seller.get_by_label("Postal address").fill("71 Market Street, Yiwu")
        seller.get_by_label("Phone").fill("+86 579 8555 0101")
        seller.get_by_label("E-mail").fill("li.wei@bright.example")
        for box in seller.locator("form input[type=checkbox]").all():
            box.check()
        seller.get_by_label("Signature").fill("Li Wei")
        seller.get_by_role("button", name="File the counter-notice").click()
        expect(seller.locator("main")).to_contain_text("Counter-noticed", timeout=TIMEOUT_MS)

        # The brand replies to the counter-notice: the item goes to a reviewer for adjudication.
        brand.goto(first_url)
        brand.get_by_label("Your reply to the counter-notice").fill("That distributor has never sold Northwind goods.")
        brand.get_by_role("button", name="Send the reply").click()
        expect(brand.locator("main")).to_contain_text("Waiting for adjudication")

        # 4. Ada claims the adjudication and upholds the complaint from the keyboard (u, e, s).
        reviewer.goto(first_url)
        expect(reviewer.locator("#claim-mine")).to_be_visible()
        _decide_from_the_keyboard(
            reviewer, "u", "The distributor named has no link to the brand; the complaint is upheld.", "s"
        )
        expect(reviewer.locator("main")).to_contain_text("Upheld")

        # 5. The brand reads the timeline: the counter-notice with its evidence inline, the decision.
        brand.goto(first_url)
        main = brand.locator("main")
        expect(main).to_contain_text("Upheld")
        expect(main).to_contain_text("We bought this stock from the brand's own distributor")
        expect(main.locator(".counter-notice img[alt^='Counter-notice evidence']")).to_be_visible()
        expect(main).to_contain_text("That distributor has never sold Northwind goods.")
        brand.goto(notice_url)
        expect(brand.locator("main")).to_contain_text(listings[1].external_id)

        # The language switch: the same page, now in Chinese (the account keeps the choice).
        brand.goto(first_url)
        brand.locator("form.language-switcher button[value='zh-hans']").first.click()
        expect(brand.locator("html")).to_have_attribute("lang", "zh-hans")
        expect(brand.locator("header nav").first).to_contain_text("投诉")  # "Notices"
        browser.close()

    statuses = dict(NoticeItem.objects.filter(listing__in=listings).values_list("listing_id", "status"))
    assert statuses == {listings[0].pk: ItemStatus.UPHELD, listings[1].pk: ItemStatus.AWAITING_COUNTER_NOTICE}
    owner.refresh_from_db()
    assert owner.language == "zh-hans"
