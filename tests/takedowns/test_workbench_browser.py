"""The reviewer workbench in Chromium: a reviewer opens an item (claiming it) and decides it with a keyboard
shortcut; a second reviewer opening it meanwhile sees who holds it and is offered no decision."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal.models import AuditLogEntry
from takedowns.models import CannedReason, ItemStatus, NoticeItem, ReviewClaim
from tests import factories
from tests.services import CHROMIUM_ARGS, browser_session_cookie, needs_chromium
from tests.takedowns.conftest import draft, file_notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 30_000  # ms: generous bounds, each ends as soon as its condition holds


def _reviewer(username):
    user = factories.UserFactory(username=username)
    user.groups.add(Group.objects.get(name="reviewer"))
    return user


def test_a_reviewer_claims_and_decides_with_a_shortcut_and_a_second_cannot_claim(live_server, settings):
    from playwright.sync_api import expect, sync_playwright

    from portal.roles import ensure_platform_groups

    ensure_platform_groups()  # a transactional test's flush empties the groups the migrations made
    settings.GOOD_FAITH_AUDIT_PERCENT = 0
    chromium = needs_chromium()
    brand = factories.RightsHolderFactory(legal_name="Brand A")
    owner = factories.member_of(brand.organisation, role="owner")
    asset = factories.IPAssetFactory(rights_holder=brand, name="ACME")
    listing = factories.ListingFactory(title="ACME sneakers, cheap")
    (item,) = file_notice(owner, brand, [draft(listing, asset)]).accepted
    canned = CannedReason.objects.create(
        outcome="rejected", title="Duplicate (browser)", text="A duplicate of an earlier notice for this listing."
    )
    first, second = _reviewer("reviewer-first"), _reviewer("reviewer-second")
    cookies = [browser_session_cookie(live_server, user) for user in (first, second)]
    url = f"{live_server.url}{reverse('takedowns:item-detail', args=[item.pk])}"
    # No database from here to the browser's end: Playwright runs an event loop in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        pages = []
        for cookie in cookies:
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            context.add_cookies([cookie])
            pages.append(context.new_page())
        mine, theirs = pages

        mine.goto(url)
        expect(mine.locator("#claim-mine")).to_be_visible(timeout=WAIT)
        expect(mine.locator("#shortcuts")).to_contain_text("Reject the notice")

        theirs.goto(url)
        expect(theirs.locator("#claim-blocked")).to_contain_text("reviewer-first", timeout=WAIT)
        assert theirs.locator("#decision-form").count() == 0  # nothing to decide with

        # Typing a shortcut's letter in the statement types it; it picks nothing.
        statement = mine.locator("textarea[name='reason']")
        statement.click()
        statement.press_sequentially("u r")
        assert mine.locator("input[name='decision']:checked").count() == 0
        mine.keyboard.press("Escape")  # leaves the field: the shortcuts work again
        mine.keyboard.press("1")  # the first canned reason: its text in the box, its decision picked
        expect(statement).to_have_value(canned.text, timeout=WAIT)
        expect(mine.locator("input[name='decision'][value='reject']")).to_be_checked()
        mine.keyboard.press("a")  # the reviewer changes their mind: accept
        expect(mine.locator("input[name='decision'][value='accept']")).to_be_checked()
        mine.keyboard.press("r")
        expect(mine.locator("input[name='decision'][value='reject']")).to_be_checked()
        mine.keyboard.press("s")  # record the decision
        expect(mine.locator("h1 .status")).to_have_text("Rejected", timeout=WAIT)

        theirs.reload()
        assert theirs.locator("#decision-form").count() == 0  # decided: nothing left to decide
        browser.close()

    item = NoticeItem.objects.get(pk=item.pk)
    assert item.status == ItemStatus.REJECTED and item.decided_by == first
    assert item.events.get(action="rejected").reason == canned.text
    assert not ReviewClaim.objects.exists()  # the decision ended the claim
    taken = AuditLogEntry.objects.filter(action="takedowns.claim.taken")
    assert [entry.actor for entry in taken] == [first]
