"""Every main page of every role in Chromium at a phone's width (390 px): nothing is wider than the window,
the menu folds into a button that opens it, and tables read as cards. At a desktop's width the menu's links
show without a click. ``LAYOUT_SCREENSHOTS=<folder>`` keeps a screenshot of each page to look at.
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests import factories
from tests.portal.main_pages import main_pages_world, public_pages
from tests.services import CHROMIUM_ARGS, browser_session_cookie, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def _fits(page, path):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{path} is {width}px wide at {page.viewport_size['width']}px"


def test_no_main_page_of_any_role_is_wider_than_a_phone(live_server):
    from playwright.sync_api import sync_playwright

    chromium = needs_chromium()
    world = main_pages_world()
    cookies = {role: browser_session_cookie(live_server, user) for role, (user, _) in world.items()}
    # Chinese words run longer or shorter and do not break at spaces: a second owner of the brand reads Chinese.
    owner, owner_paths = world["owner"]
    chinese = factories.member_of(owner.memberships.get().organisation, role="owner", language="zh-hans")
    cookies["owner in Chinese"] = browser_session_cookie(live_server, chinese)
    world["owner in Chinese"] = (chinese, owner_paths)
    shots = Path(os.environ["LAYOUT_SCREENSHOTS"]) if os.environ.get("LAYOUT_SCREENSHOTS") else None
    # No database from here to the browser's end: Playwright runs an event loop in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        anonymous = browser.new_context(viewport=PHONE).new_page()
        for path in public_pages():
            assert anonymous.goto(f"{live_server.url}{path}").status == 200
            _fits(anonymous, path)
        for role, (_, paths) in world.items():
            context = browser.new_context(viewport=PHONE)
            context.add_cookies([cookies[role]])
            page = context.new_page()
            for path in paths:
                response = page.goto(f"{live_server.url}{path}")
                assert response.status == 200, f"{role} {path}: {response.status}"
                _fits(page, path)
                if shots is not None:
                    shots.mkdir(parents=True, exist_ok=True)
                    name = path.strip("/").replace("/", "_") or "home"
                    page.screenshot(path=str(shots / f"{role.replace(' ', '-')}-phone-{name}.png"), full_page=True)
            # The menu is a closed button on a phone; it opens, and its links are there to follow.
            page.goto(f"{live_server.url}/")
            notices_link = page.locator(f"header nav a[href='{reverse('takedowns:notice-list')}']").first
            assert not notices_link.is_visible()
            page.locator("details.nav-menu > summary").click()
            assert notices_link.is_visible()
            _fits(page, "/ with the menu open")
            context.close()

        # On a desktop the menu is a row of links, no click needed; the agent chooses a brand in the top bar.
        desktop = browser.new_context(viewport=DESKTOP)
        desktop.add_cookies([cookies["agent"]])
        page = desktop.new_page()
        page.goto(f"{live_server.url}/")
        assert page.locator("header nav a", has_text="Notices").first.is_visible()
        page.select_option("select[name=acting_for]", label="Lumen Optics · as Hale & Partners LLP")
        page.get_by_role("button", name="Switch").click()
        page.wait_for_load_state()
        assert "Now working for Lumen Optics" in page.locator(".messages").inner_text()
        browser.close()


def test_the_skip_link_leads_to_the_main_content(live_server):
    from playwright.sync_api import sync_playwright

    chromium = needs_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=PHONE).new_page()
        page.goto(f"{live_server.url}{reverse('public:register')}")
        page.keyboard.press("Tab")
        skip = page.locator("a.skip-link")
        assert skip.evaluate("el => el === document.activeElement") and skip.is_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        browser.close()
