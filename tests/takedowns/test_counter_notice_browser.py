"""In Chromium: a merchant counter-notices an item with a photo (previewed before sending), and the brand then
sees the photo inline in the item's timeline, loaded through the access-checked download's inline mode; at a
phone's width, a form sent back with an error keeps its photo (shown as kept), and is filed without choosing it again.

``CASES_SCREENSHOTS=<folder>`` keeps a screenshot of each step to look at.
"""

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from portal.models import OrganisationKind
from takedowns import lifecycle
from takedowns.models import CounterNotice, CounterNoticeDraft, ItemStatus
from tests import factories
from tests.services import CHROMIUM_ARGS, browser_session_cookie, needs_chromium
from tests.takedowns.conftest import draft, file_notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
WAIT = 20_000  # ms: generous, the machine is shared


@pytest.fixture(autouse=True)
def _groups(db):
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


def _accepted_item():
    holder = factories.RightsHolderFactory(legal_name="Kestrel Outdoor")
    owner = factories.member_of(holder.organisation, role="owner")
    asset = factories.IPAssetFactory(rights_holder=holder, name="KESTREL")
    merchant_org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Yiwu Bright Trading Co")
    merchant = factories.member_of(merchant_org, role="owner")
    store = factories.StoreFactory(merchant=factories.MerchantFactory(organisation=merchant_org))
    listing = factories.ListingFactory(store=store, title="KESTREL trail jacket")
    reviewer = factories.UserFactory()
    from django.contrib.auth.models import Group

    reviewer.groups.add(Group.objects.get(name="reviewer"))
    (item,) = file_notice(owner, holder, [draft(listing, asset)]).accepted
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    return item, owner, merchant


def _photo_file(tmp_path):
    photo = tmp_path / "invoice-photo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (40, 120, 200)).save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())
    return photo


def _fill(page, *, signature="Li Wei"):
    page.fill("#id_statement", "Genuine KESTREL stock from the brand's distributor; the invoice is attached.")
    page.fill("#id_contact_name", "Li Wei")
    page.fill("#id_contact_address", "9 Market Road, Yiwu")
    page.fill("#id_contact_phone", "+86 579 1234 5678")
    page.fill("#id_contact_email", "li.wei@bright.test")
    page.check("#id_accuracy_statement")
    page.fill("#id_signature", signature)


def test_a_photo_sent_with_a_form_error_is_kept_and_filed_at_a_phones_width(live_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    chromium = needs_chromium()
    item, _owner, merchant = _accepted_item()
    photo = _photo_file(tmp_path)
    cookie = browser_session_cookie(live_server, merchant)
    form_url = f"{live_server.url}/takedowns/items/{item.pk}/counter-notice/"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORTS["phone"])
        context.add_cookies([cookie])
        page = context.new_page()
        page.set_default_timeout(WAIT)
        page.goto(form_url)
        _fill(page, signature="")
        page.set_input_files("#id_evidence", str(photo))
        page.get_by_role("button", name="File the counter-notice").click()
        # Back with the signature named by its field; the photo is kept, previewed from the server.
        expect(page.locator(".error-summary")).to_contain_text("Type your full name as your signature.")
        kept = page.locator("ul.kept-files li.kept-file")
        expect(kept).to_have_count(1)
        expect(kept).to_contain_text("Kept:")
        expect(kept).to_contain_text("invoice-photo.png")
        page.wait_for_function("document.querySelector('ul.kept-files img').naturalWidth === 320")
        expect(kept.get_by_role("button", name="Remove invoice-photo.png")).to_be_visible()
        _fits(page)
        page.fill("#id_signature", "Li Wei")
        page.get_by_role("button", name="File the counter-notice").click()
        page.wait_for_url(f"{live_server.url}/takedowns/items/{item.pk}/")
        expect(page.locator(".messages")).to_contain_text("Your counter-notice is filed")
        browser.close()

    counter_notice = CounterNotice.objects.get(item=item)
    assert counter_notice.evidence.get().original_name == "invoice-photo.png"
    assert not CounterNoticeDraft.objects.exists()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_merchants_photo_reaches_the_brands_timeline_inline(live_server, tmp_path, viewport):
    from playwright.sync_api import expect, sync_playwright

    chromium = needs_chromium()
    item, owner, merchant = _accepted_item()
    photo = _photo_file(tmp_path)
    cookies = {
        "merchant": browser_session_cookie(live_server, merchant),
        "owner": browser_session_cookie(live_server, owner),
    }
    item_url = f"{live_server.url}/takedowns/items/{item.pk}/"
    shots = Path(os.environ["CASES_SCREENSHOTS"]) if os.environ.get("CASES_SCREENSHOTS") else None

    def shot(page, name):
        _fits(page)
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"{viewport}-{name}.png"), full_page=True)

    # No database from here to the browser's end: Playwright runs an event loop in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        merchant_context = browser.new_context(viewport=VIEWPORTS[viewport])
        merchant_context.add_cookies([cookies["merchant"]])
        page = merchant_context.new_page()
        page.set_default_timeout(WAIT)
        page.goto(item_url)
        expect(page.locator("[data-countdown]").first).to_contain_text("left")
        page.get_by_role("link", name="File a counter-notice").click()
        page.wait_for_url("**/counter-notice/")
        _fill(page)
        page.set_input_files("#id_evidence", str(photo))
        # The chosen photo is previewed before anything is sent.
        preview = page.locator("ul.chosen-files img")
        expect(preview).to_be_visible()
        page.wait_for_function("document.querySelector('ul.chosen-files img').naturalWidth > 0")
        shot(page, "1-merchant-counter-notice-form")
        page.get_by_role("button", name="File the counter-notice").click()
        page.wait_for_url(item_url)
        expect(page.locator(".messages")).to_contain_text("Your counter-notice is filed")
        shot(page, "2-merchant-item-after")
        merchant_context.close()

        owner_context = browser.new_context(viewport=VIEWPORTS[viewport])
        owner_context.add_cookies([cookies["owner"]])
        page = owner_context.new_page()
        page.set_default_timeout(WAIT)
        page.goto(item_url)
        image = page.locator("ol.timeline .counter-notice img")
        expect(image).to_be_visible()
        assert "?inline=1" in image.get_attribute("src")
        assert image.get_attribute("alt").startswith("Counter-notice evidence: counter-evidence-")
        # The bytes arrived and decoded as an image: the inline mode served it to the page.
        page.wait_for_function("document.querySelector('ol.timeline .counter-notice img').naturalWidth === 320")
        box = image.bounding_box()
        assert box["width"] <= 12 * 16 + 2  # a thumbnail, not the full picture
        shot(page, "3-brand-item-timeline")
        owner_context.close()
        browser.close()

    counter_notice = CounterNotice.objects.get(item=item)
    assert counter_notice.evidence.get().content_type == "image/png"
    item.refresh_from_db()
    assert item.status == ItemStatus.COUNTER_NOTICED
