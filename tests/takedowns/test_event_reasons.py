"""The engine's own reasons for a move are recorded in English and read on a page in the reader's language;
a person's own words stay as written (takedowns/event_reasons.py)."""

import re

import pytest
from django.utils import translation

from takedowns import event_reasons, lifecycle
from takedowns.event_reasons import event_reason_read
from takedowns.models import ItemEvent
from tests.takedowns.conftest import draft, file_notice


@pytest.fixture
def accepted_item(owner_a, brand_a, asset_a, listing, reviewer):
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    return item


def _reasons(page):
    timeline = page[page.index('<ol class="timeline">') :]
    return re.findall(r'<p class="text">(.*?)</p>', timeline)


def test_the_records_keep_english_and_a_chinese_page_reads_the_engines_reasons_in_chinese(
    client, accepted_item, owner_a
):
    recorded = list(ItemEvent.objects.filter(item=accepted_item).order_by("at", "id").values_list("reason", flat=True))
    assert recorded == [event_reasons.NOTICE_RECEIVED, event_reasons.STANDARD_TRACK, event_reasons.ACCEPTED]

    owner_a.language = "zh-hans"
    owner_a.save(update_fields=["language"])
    client.force_login(owner_a)
    page = client.get(f"/takedowns/items/{accepted_item.pk}/").content.decode()
    assert _reasons(page) == ["已收到投诉。", "标准流程：先由审核员审核投诉。", "投诉完整且有依据；商家可以答复。"]

    owner_a.language = "en"
    owner_a.save(update_fields=["language"])
    page = client.get(f"/takedowns/items/{accepted_item.pk}/").content.decode()
    assert _reasons(page) == [
        "Notice received.",
        "Standard track: a reviewer checks the notice first.",
        "The notice is complete and substantiated; the merchant may answer.",
    ]


def test_a_persons_own_words_stay_as_written(client, owner_a, brand_a, asset_a, listing, reviewer):
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    lifecycle.notice_item_reject(item_id=item.pk, actor=reviewer, reason="Waiting for a reviewer. Not really.")
    owner_a.language = "zh-hans"
    owner_a.save(update_fields=["language"])
    client.force_login(owner_a)
    page = client.get(f"/takedowns/items/{item.pk}/").content.decode()
    assert _reasons(page)[-1] == "Waiting for a reviewer. Not really."


def test_a_reason_with_a_value_keeps_the_value_and_changes_only_its_words():
    recorded = event_reasons.VETTED_BY % {"partner": "Brand Shield GmbH (vetting: 50%)"}
    with translation.override("zh-hans"):
        assert event_reason_read(recorded) == "经 Brand Shield GmbH (vetting: 50%) 审核：快速流程。"
    with translation.override("en"):
        assert event_reason_read(recorded) == recorded
    assert event_reason_read("Vetted by someone, not quite: fast track") == "Vetted by someone, not quite: fast track"
