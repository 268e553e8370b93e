"""The item page: the timeline with both sides' evidence inline, countdowns, and only the actions that can be taken."""

import io
import json
import re
from datetime import UTC, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from takedowns import lifecycle
from takedowns.models import Appeal, CounterNoticeEvidence, ItemStatus
from tests.takedowns.conftest import draft, file_notice
from tests.takedowns.test_views import _counter_notice_post


@pytest.fixture
def accepted_item(owner_a, brand_a, asset_a, listing, reviewer):
    """An item in its counter-notice window (standard track, accepted by a reviewer)."""
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    item.refresh_from_db()
    return item


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 150, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def _counter_notice_with_photo(client, item, merchant_user):
    client.force_login(merchant_user)
    photo = SimpleUploadedFile("invoice photo.png", _png(), content_type="image/png")
    response = client.post(
        reverse("takedowns:item-counter-notice", args=[item.pk]), _counter_notice_post(evidence=[photo])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return CounterNoticeEvidence.objects.get(counter_notice__item=item)


def _page(client, item):
    return client.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()


def test_the_brand_sees_the_merchants_counter_notice_photo_inline_in_the_timeline(
    client, accepted_item, merchant_user, owner_a
):
    evidence = _counter_notice_with_photo(client, accepted_item, merchant_user)
    client.force_login(owner_a)
    page = _page(client, accepted_item)
    timeline = page[page.index('<ol class="timeline">') :]
    entry = timeline[timeline.index("Awaiting counter-notice &rarr; Counter-noticed") :]
    entry = entry[: entry.index("</li>")]
    assert "Genuine stock bought from the brand" in entry
    assert f'<img src="/files/counter-evidence/{evidence.pk}/?inline=1"' in entry
    assert f'alt="Counter-notice evidence: counter-evidence-{evidence.pk}.png"' in entry
    shown = client.get(f"/files/counter-evidence/{evidence.pk}/", {"inline": "1"})
    assert shown["Content-Disposition"].startswith("inline;")


def test_every_event_is_on_the_timeline_in_order(client, accepted_item, owner_a):
    client.force_login(owner_a)
    page = _page(client, accepted_item)
    moves = re.findall(r'<span class="move">(.*?)</span>', page)
    assert moves == [
        "Submitted",  # the first move comes from nothing: no "- &rarr;"
        "Submitted &rarr; Waiting for review",
        "Waiting for review &rarr; Awaiting counter-notice",
    ]


def test_a_deadline_has_its_zone_and_a_countdown_the_script_keeps_current(client, accepted_item, merchant_user):
    merchant_user.time_zone = "Asia/Shanghai"
    merchant_user.save(update_fields=["time_zone"])
    client.force_login(merchant_user)
    page = _page(client, accepted_item)
    deadline = accepted_item.counter_notice_deadline
    iso = deadline.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    local = deadline.astimezone(timezone.get_fixed_timezone(480))
    assert f'<time datetime="{iso}">{local:%Y-%m-%d %H:%M} UTC+8 (Asia/Shanghai)</time>' in page
    assert re.search(rf'data-countdown="{iso}">2 days 23 hours left<', page)
    assert '<script src="/static/js/countdown.js" defer></script>' in page
    words = json.loads(re.search(r'<script id="countdown-words" type="application/json">(.*?)</script>', page)[1])
    assert words["left"] == "%(time)s left" and words["day"] == ["%(n)d day", "%(n)d days"]


def test_the_countdown_is_in_chinese_for_a_chinese_reader(client, accepted_item, merchant_user):
    merchant_user.language = "zh-hans"
    merchant_user.save()
    client.force_login(merchant_user)
    page = client.get(reverse("takedowns:item-detail", args=[accepted_item.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = page.content.decode()
    assert "剩余 2 天 23 小时" in body
    assert "时间线" in body and "反通知截止时间" in body
    words = json.loads(re.search(r'<script id="countdown-words" type="application/json">(.*?)</script>', body)[1])
    assert words["left"] == "剩余 %(time)s"


def test_a_closed_window_shows_its_closing_time_instead_of_the_form(client, accepted_item, merchant_user):
    client.force_login(merchant_user)
    deadline = accepted_item.counter_notice_deadline
    url = reverse("takedowns:item-counter-notice", args=[accepted_item.pk])
    with time_machine.travel(deadline + timedelta(hours=1)):
        form_page = client.get(url)
        item_page = _page(client, accepted_item)
    body = form_page.content.decode()
    assert form_page.status_code == 200
    assert f"The counter-notice window closed at {deadline:%Y-%m-%d %H:%M} UTC" in body
    assert 'enctype="multipart/form-data"' not in body and "File the counter-notice" not in body
    assert "The counter-notice window closed at" in item_page
    assert reverse("takedowns:item-counter-notice", args=[accepted_item.pk]) not in item_page


@pytest.fixture
def upheld_item(accepted_item):
    later = accepted_item.counter_notice_deadline + timedelta(minutes=1)
    with time_machine.travel(later), TestCase.captureOnCommitCallbacks(execute=True):
        lifecycle.notice_item_uphold_by_default(item_id=accepted_item.pk)
    accepted_item.refresh_from_db()
    assert accepted_item.status == ItemStatus.UPHELD
    return accepted_item


def test_the_winner_is_not_offered_an_appeal_and_is_refused_one_clearly(client, upheld_item, owner_a, merchant_user):
    client.force_login(owner_a)
    page = _page(client, upheld_item)
    appeal_url = reverse("takedowns:item-appeal", args=[upheld_item.pk])
    assert appeal_url not in page
    assert "The decision went your way" in page
    response = client.post(appeal_url, {"statement": "Ban the store too."})
    assert response.status_code == 409
    assert "The decision went your way: there is nothing for you to appeal." in response.content.decode()
    assert not Appeal.objects.exists()

    client.force_login(merchant_user)
    page = _page(client, upheld_item)
    assert appeal_url in page and "Appeal the decision" in page and "The decision went your way" not in page


def test_the_complainant_reads_the_decision_but_not_the_store_sanction_in_the_timeline(
    client, upheld_item, owner_a, merchant_user
):
    client.force_login(owner_a)
    holder_page = _page(client, upheld_item)
    client.force_login(merchant_user)
    merchant_page = _page(client, upheld_item)
    assert "Statement of reasons: Listing removed" in holder_page
    assert "Statement of reasons: Listing removed" in merchant_page
    assert "Warning to the store" in merchant_page or "points" in merchant_page
    assert not re.search(r"penalty points|points went|Warning to the store", holder_page)


def test_withdrawal_is_not_offered_once_decided(client, upheld_item, owner_a):
    client.force_login(owner_a)
    page = _page(client, upheld_item)
    assert reverse("takedowns:item-withdraw", args=[upheld_item.pk]) not in page
    response = client.get(reverse("takedowns:item-withdraw", args=[upheld_item.pk]))
    assert response.status_code == 409 and "a decided item cannot be withdrawn" in response.content.decode()


def test_the_notice_page_counts_down_each_items_deadline_in_chinese(client, accepted_item, owner_a):
    owner_a.language = "zh-hans"
    owner_a.save()
    client.force_login(owner_a)
    body = client.get(
        reverse("takedowns:notice-detail", args=[accepted_item.notice_id]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "反通知截止时间" in body and "剩余 2 天 23 小时" in body
    assert 'data-countdown="' in body and "/static/js/countdown.js" in body
