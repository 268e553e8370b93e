"""The alerts inbox in Chromium, at a desktop's and a phone's width, as the brand's staff and as its agent:
the inbox, an alert, the prepared notice (a bad submission, then a good one), the notice it filed (receipt,
notice, item) and a dismissal.

Nothing is wider than the window. ``ALERT_SCREENSHOTS=<folder>`` keeps a screenshot of every step to look at.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from screening.models import AlertStatus, ScreeningAlert
from takedowns.models import Notice
from tests.screening.alert_world import alert_made, alert_world
from tests.services import CHROMIUM_ARGS, browser_session_cookie, needs_chromium
from tests.takedowns.conftest import NOTICE_DATA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def _groups(db):
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("who", ["staff", "lawyer"])
def test_a_brand_person_works_the_inbox_in_chromium(live_server, viewport, who):
    from playwright.sync_api import sync_playwright

    chromium = needs_chromium()
    w = alert_world()
    second = alert_made(w.holder, w.asset, w.listings[1], score="0.5800")
    user = getattr(w, who)
    shots = Path(os.environ["ALERT_SCREENSHOTS"]) if os.environ.get("ALERT_SCREENSHOTS") else None

    def shot(page, name):
        _fits(page)
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"{who}-{viewport}-{name}.png"), full_page=True)

    cookie = browser_session_cookie(live_server, user)
    listing_title, acting_for = w.listings[0].title, f"{w.agent.pk}:{w.holder.pk}"
    # No database from here to the browser's end: Playwright runs an event loop in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        context.add_cookies([cookie])
        page = context.new_page()
        page.goto(f"{live_server.url}/screening/alerts/")
        assert page.locator("header nav .count").text_content() == "2"  # in the menu, folded on a phone
        assert page.locator(".alert-card").count() == 2
        shot(page, "1-inbox")

        page.locator(".alert-card", has_text=listing_title).get_by_role("link", name="Prepare notice").click()
        page.wait_for_url("**/confirm/")
        assert "N0rthw1nd" in page.locator("textarea[name=explanation]").input_value()
        shot(page, "2-prepare")
        if who == "lawyer":
            page.select_option("select[name=acting_for]", acting_for)
        for name in ("filer_address", "filer_phone"):
            page.fill(f"input[name={name}]", NOTICE_DATA[name])
        page.get_by_role("button", name="File the notice").click()  # unsigned: refused, said why
        assert page.locator(".error-summary").is_visible()
        shot(page, "3-refused")
        for name in ("good_faith_statement", "accuracy_statement", "authority_statement"):
            page.check(f"input[name={name}]")
        page.fill("input[name=signature]", NOTICE_DATA["signature"])
        page.get_by_role("button", name="File the notice").click()
        page.wait_for_url("**/receipt/")
        shot(page, "4-receipt")  # its table's rows are cards on a phone
        page.locator("main p a").first.click()  # the notice
        page.wait_for_url("**/takedowns/notices/*/")
        shot(page, "4a-notice")
        page.locator("main table a").first.click()  # its item, with its history
        page.wait_for_url("**/takedowns/items/*/")
        shot(page, "4b-item")

        page.goto(f"{live_server.url}/screening/alerts/{second.pk}/")
        shot(page, "5-alert")
        page.select_option("select[name=reason]", "other")
        page.get_by_role("button", name="Dismiss").click()  # no note: refused
        assert page.locator(".field-invalid").count() == 1
        shot(page, "6-dismiss-refused")
        page.fill("textarea[name=note]", "A test listing of our own marketing team.")
        page.get_by_role("button", name="Dismiss").click()
        page.wait_for_url(lambda url: urlsplit(url).path == "/screening/alerts/")
        shot(page, "7-inbox-empty")
        assert page.locator("header nav .count").count() == 0
        browser.close()
    assert Notice.objects.count() == 1
    assert ScreeningAlert.objects.get(pk=second.pk).status == AlertStatus.DISMISSED
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.CONFIRMED
