"""A reviewer's sign-in with two factors in Chromium, on a phone's width: the password, then setting up an
authenticator from the key the page shows, the backup codes, signing out, and in again with a backup code.
(Wrong codes and their wait are in test_two_factor.py.)"""

import base64
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.oath import TOTP

from tests import factories
from tests.services import CHROMIUM_ARGS, needs_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("unverified_sessions"),
]

TIMEOUT_MS = 30_000


def _code_from_key(text):
    key = base64.b32decode(text.replace(" ", "") + "=" * (-len(text.replace(" ", "")) % 8))
    return f"{TOTP(key, step=30, t0=0, digits=6).token():06d}"


def test_a_reviewer_signs_in_with_a_code_from_the_authenticator_set_up_on_the_way(live_server):
    from playwright.sync_api import expect, sync_playwright

    chromium = needs_chromium()
    reviewer = factories.UserFactory(username="rev-browser")
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    queue = reverse("takedowns:review-queue")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.set_default_timeout(TIMEOUT_MS)

        def sign_in():
            page.goto(f"{live_server.url}{reverse('login')}?next={queue}")
            page.fill("input[name=username]", reviewer.username)
            page.fill("input[name=password]", factories.PASSWORD)
            page.get_by_role("button", name="Sign in").click()

        sign_in()
        page.wait_for_url(re.compile(r"/account/two-factor/setup/"))
        expect(page.locator("svg.qr")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the set-up page is {width}px wide on a phone"
        # The key typed into an "app" (computed here); its code confirms it.
        page.fill("input[name=code]", _code_from_key(page.locator("code.secret").inner_text()))
        page.get_by_role("button", name="Confirm and turn on").click()
        expect(page.locator("ul.backup-codes")).to_be_visible()
        codes = page.locator("ul.backup-codes code").all_inner_texts()
        assert len(codes) == 10
        page.get_by_role("link", name="I have saved them: continue").click()
        page.wait_for_url(re.compile(re.escape(queue) + "$"))
        expect(page.locator("h1")).to_be_visible()

        # Sign out (the top bar's menu on a phone), then in again: the password, then a backup code.
        page.locator("details.nav-menu > summary").click()
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(re.compile(r"/signed-out/$"))
        expect(page.locator("h1")).to_have_text("You are signed out")
        sign_in()
        page.wait_for_url(re.compile(r"/account/two-factor/verify/"))
        page.fill("input[name=code]", codes[0])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(re.escape(queue) + "$"))
        browser.close()
