"""Every main page of every role in Chromium at a phone's width (390 px): nothing is wider than the window,
the menu folds into a button that opens it, and tables read as cards. At a desktop's width the menu's links
show without a click. ``LAYOUT_SCREENSHOTS=<folder>`` keeps a screenshot of each page to look at.
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal.models import OrganisationKind
from rights_holders.models import VerificationStatus
from takedowns.models import NoticeItem
from tests import factories
from tests.bulk import notices_bulk_create
from tests.services import CHROMIUM_ARGS, browser_session_cookie, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def _groups(db):
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()


def _world():
    """A brand (owner), an agent firm with letters for two brands, a merchant with a store, a notice against
    it, a reviewer and a platform admin: each role's pages have something to show."""
    owner = factories.member_of(
        factories.RightsHolderFactory(legal_name="Northwind Athletics").organisation, role="owner"
    )
    holder = owner.memberships.get().organisation.rights_holder
    asset = factories.IPAssetFactory(rights_holder=holder, verification_status=VerificationStatus.VERIFIED)
    merchant_org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Yiwu Bright Trading Co")
    merchant = factories.member_of(merchant_org, role="owner")
    store = factories.StoreFactory(merchant=factories.MerchantFactory(organisation=merchant_org))
    notice = notices_bulk_create(asset, store, 3)[0]
    item = NoticeItem.objects.filter(notice=notice).get()
    firm = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Hale & Partners LLP")
    agent = factories.member_of(firm)
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=holder)
    factories.LetterOfAuthorisationFactory(
        agent=firm, rights_holder=factories.RightsHolderFactory(legal_name="Lumen Optics")
    )
    reviewer = factories.UserFactory(username="reviewer-1")
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    admin = factories.UserFactory(username="admin-1", is_superuser=True, is_staff=True)
    notice_url = reverse("takedowns:notice-detail", args=[notice.pk])
    item_url = reverse("takedowns:item-detail", args=[item.pk])
    everyone = [
        reverse("home"),
        reverse("takedowns:notice-list"),
        reverse("takedowns:notifications"),
        reverse("account"),
    ]
    brand = [
        reverse("takedowns:notice-create"),
        reverse("rights:asset-list"),
        reverse("rights:asset-detail", args=[asset.pk]),
        reverse("screening:alert-inbox"),
        reverse("good_faith:holder-overview"),
        reverse("screening_report:report"),
        reverse("screening_intel:holders"),
        notice_url,
        item_url,
    ]
    staff = [
        reverse("takedowns:review-queue"),
        reverse("rights:asset-list"),
        reverse("good_faith:staff-list"),
        reverse("good_faith:audit-queue"),
        reverse("good_faith:misuse"),
        reverse("good_faith:service-level"),
        reverse("screening_report:report"),
        notice_url,
        item_url,
    ]
    return {
        "owner": (
            owner,
            everyone + brand + [reverse("webhooks:list"), reverse("api-keys:list", args=[holder.organisation.slug])],
        ),
        "agent": (agent, everyone + brand[:2]),
        "merchant": (merchant, everyone + [notice_url, item_url]),
        "reviewer": (reviewer, everyone + staff),
        "admin": (admin, everyone + staff + [reverse("takedowns:effects-failed")]),
    }


def _fits(page, path):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{path} is {width}px wide at {page.viewport_size['width']}px"


def test_no_main_page_of_any_role_is_wider_than_a_phone(live_server):
    from playwright.sync_api import sync_playwright

    chromium = needs_chromium()
    world = _world()
    cookies = {role: browser_session_cookie(live_server, user) for role, (user, _) in world.items()}
    shots = Path(os.environ["LAYOUT_SCREENSHOTS"]) if os.environ.get("LAYOUT_SCREENSHOTS") else None
    # No database from here to the browser's end: Playwright runs an event loop in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        anonymous = browser.new_context(viewport=PHONE).new_page()
        for path in (reverse("public:register"), reverse("login")):
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
                    page.screenshot(path=str(shots / f"{role}-phone-{name}.png"), full_page=True)
            # The menu is a closed button on a phone; it opens, and its links are there to follow.
            page.goto(f"{live_server.url}/")
            notices_link = page.locator("header nav a", has_text="Notices").first
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
