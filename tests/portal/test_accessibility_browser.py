"""axe-core (the copy axe-playwright-python ships, nothing fetched) on every main page of every role in
Chromium, signed out and signed in as each role, at a desktop's and a phone's width, in English and in
Chinese: no serious or critical violation. A failure names the page, the rule and the elements."""

import pytest

from tests import factories
from tests.portal.main_pages import main_pages_world, public_pages
from tests.services import CHROMIUM_ARGS, browser_session_cookie, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
BLOCKING = {"serious", "critical"}


def _blocking_violations(axe, page):
    results = axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def _audit(axe, page, url, label, problems):
    response = page.goto(url)
    assert response.status == 200, f"{label}: {response.status}"
    problems.extend(f"{label}: {finding}" for finding in _blocking_violations(axe, page))


def test_no_main_page_of_any_role_has_a_serious_accessibility_violation(live_server):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    chromium = needs_chromium()
    world = main_pages_world()
    cookies = {role: browser_session_cookie(live_server, user) for role, (user, _) in world.items()}
    # A second owner of the brand, who reads the portal in Chinese (the account's language).
    owner = world["owner"][0]
    chinese = factories.member_of(owner.memberships.get().organisation, role="owner", language="zh-hans")
    cookies["chinese"] = browser_session_cookie(live_server, chinese)
    axe = Axe()
    problems = []
    # No database from here to the browser's end: Playwright runs an event loop in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for viewport in (DESKTOP, PHONE):
            page = browser.new_context(viewport=viewport).new_page()
            for path in public_pages():
                _audit(axe, page, f"{live_server.url}{path}", f"anonymous {path} at {viewport['width']}", problems)
            page.context.close()
        for role, (_, paths) in world.items():
            context = browser.new_context(viewport=DESKTOP)
            context.add_cookies([cookies[role]])
            page = context.new_page()
            for path in dict.fromkeys(paths):
                _audit(axe, page, f"{live_server.url}{path}", f"{role} {path}", problems)
            # The phone's folded menu, opened: its links and the language switcher are checked too.
            page.set_viewport_size(PHONE)
            page.goto(f"{live_server.url}/")
            page.locator("details.nav-menu > summary").click()
            problems.extend(f"{role} / menu open at 390: {f}" for f in _blocking_violations(axe, page))
            context.close()
        # Chinese pages: the lang attribute follows, and the longer or shorter words still pass.
        context = browser.new_context(viewport=DESKTOP)
        context.add_cookies([cookies["chinese"]])
        page = context.new_page()
        for path in dict.fromkeys(world["owner"][1]):
            _audit(axe, page, f"{live_server.url}{path}", f"owner (Chinese) {path}", problems)
            assert page.locator("html").get_attribute("lang") == "zh-hans", path
        browser.close()
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)
