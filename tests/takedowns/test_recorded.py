"""The engine's own reasons for a move are recorded in English and read on a page in the reader's language;
a person's own words stay as written (takedowns/recorded)."""

import html
import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from good_faith.models import Membership
from portal.models import AuditLogEntry
from takedowns import lifecycle
from takedowns.models import ItemEvent, Penalty, PublicRegisterEntry, RestrictionKind, StatementOfReasons
from takedowns.proactive import ProactiveFinding, proactive_explanation
from takedowns.recorded import event_reasons, recorded_messages, recorded_read
from takedowns.recorded import penalties as penalty_texts
from takedowns.tracks import membership_reason
from tests import factories
from tests.takedowns.conftest import draft, file_notice
from tests.takedowns.test_penalties import close_by_repeat


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
        assert recorded_read(recorded) == "经 Brand Shield GmbH (vetting: 50%) 审核：快速流程。"
    with translation.override("en"):
        assert recorded_read(recorded) == recorded
    assert recorded_read("Vetted by someone, not quite: fast track") == "Vetted by someone, not quite: fast track"


# --- one registry: every message of it is in the Chinese catalogue ----------------------------


def test_every_registered_message_and_part_has_a_chinese_translation():
    missing = []
    with translation.override("zh-hans"):
        for singular, plural in recorded_messages():
            said = translation.ngettext(singular, plural, 2) if plural else translation.gettext(singular)
            if said in (singular, plural):
                missing.append(singular)
    assert recorded_messages(), "nothing registered"
    assert missing == []


def test_a_value_that_is_a_part_is_read_as_its_own_message_with_its_own_values():
    membership = Membership(pk=7, infringement_type="counterfeit", member_since=datetime(2026, 3, 4, tzinfo=UTC))
    recorded = membership_reason(membership)
    assert recorded == "Good Faith member for counterfeit (since 2026-03-04, membership 7): fast track."
    with translation.override("zh-hans"):
        assert recorded_read(recorded) == "诚信计划成员（适用于假冒，自 2026-03-04 起，成员资格编号 7）：快速流程。"
        granted = membership_reason(Membership(pk=8, infringement_type="", override="granted"))
        assert (
            recorded_read(granted) == "诚信计划成员（适用于所有侵权类型，由平台人员授予，成员资格编号 8）：快速流程。"
        )
    with translation.override("en"):
        assert recorded_read(recorded) == recorded


def test_lines_of_facts_are_read_one_by_one_and_a_persons_lines_stay():
    facts = "Fake logo: the store's live penalty points went from 0 to 6.\n\nThe store receives a formal warning."
    with translation.override("zh-hans"):
        assert (
            recorded_read(facts) == "Fake logo: the store's live penalty points went from 0 to 6.\n\n店铺受到正式警告。"
        )


# --- the penalty ladder's statements and the public register ------------------------------------


def _zh(user):
    user.language = "zh-hans"
    user.save(update_fields=["language"])


def _en(user):
    user.language = "en"
    user.save(update_fields=["language"])


def _text(page):
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def closed_store(owner_a, brand_a, reviewer, store):
    """Three upheld counterfeits of one right: a warning, a restriction, then closure and ban."""
    return close_by_repeat(owner_a, brand_a, reviewer, store)


def test_the_ladders_statements_are_recorded_in_english_and_read_in_chinese_by_the_merchant(
    client, closed_store, merchant_user, store
):
    first, second, third = closed_store
    warning = StatementOfReasons.objects.get(item=first, restriction=RestrictionKind.STORE_WARNING)
    penalty = Penalty.objects.get(item=first)
    expires = f"{penalty.expires_at:%Y-%m-%d}"
    # The record, byte for byte as before: the API and the DSA export read it so.
    assert warning.facts == (
        f"Item {first.pk} was upheld (counterfeit): 6 penalty points, expiring {expires}.\n"
        "The store's live penalty points went from 0 to 6.\n"
        "The store receives a formal warning."
    )
    assert warning.ground.endswith(
        " Repeated infringements are sanctioned by the penalty ladder of the marketplace's terms of service."
    )
    closure = StatementOfReasons.objects.get(item=third, restriction=RestrictionKind.STORE_CLOSED)
    assert "(repeat infringer)" in closure.facts

    _zh(merchant_user)
    client.force_login(merchant_user)
    dashboard = _text(client.get(reverse("takedowns:merchant-dashboard")).content.decode())
    assert "店铺的有效扣分从 12 分增至 18 分。" in dashboard
    assert "这是 365 天内针对同一权利第 3 次成立的假冒投诉（重复侵权者）。" in dashboard
    assert f"店铺被关闭，其 {store.security_deposit} {store.deposit_currency} 的保证金被没收。" in dashboard
    assert "penalty points went" not in dashboard

    page = _text(client.get(reverse("takedowns:item-detail", args=[first.pk])).content.decode())
    assert f"条目 {first.pk} 的投诉成立（假冒）：扣 6 分，{expires} 到期。" in page
    assert "店铺受到正式警告。" in page
    assert "屡次侵权将依照平台服务条款中的阶梯处罚规则予以处罚。" in page
    # The item's own statement: the brand's explanation as written, the engine's line in Chinese.
    assert "Fake logo, wrong stitching, sold at a tenth of the price." in page
    assert "商家未在反通知期限内答复。" in page

    _en(merchant_user)
    page = _text(client.get(reverse("takedowns:item-detail", args=[first.pk])).content.decode())
    for line in warning.facts.split("\n"):
        assert line in page
    assert "Repeated infringements are sanctioned by the penalty ladder" in page
    assert "The merchant did not answer within the counter-notice window." in page


def test_the_public_register_reads_its_reasons_in_the_visitors_language(client, closed_store):
    entry = PublicRegisterEntry.objects.get()
    assert (
        entry.reason
        == "Closed for counterfeiting: 3 upheld counterfeit complaints about the same right within 365 days."
    )
    chinese = client.get(reverse("public:register"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "因售假被关闭：365 天内针对同一权利有 3 次假冒投诉成立。" in chinese
    english = client.get(reverse("public:register"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert entry.reason in english


def test_a_register_reason_for_points_reads_with_its_values():
    recorded = penalty_texts.CLOSED_FOR_POINTS_COUNTERFEITS % {"points": 30, "days": 365}
    with translation.override("zh-hans"):
        assert recorded_read(recorded) == "因屡次侵犯知识产权（包括售假）被关闭：365 天内累计扣 30 分。"


# --- an invalid item's problem ------------------------------------------------------------------


def test_an_invalid_items_problem_is_recorded_in_english_and_read_in_chinese(client, owner_a, brand_a, listing):
    asset = factories.IPAssetFactory(rights_holder=brand_a, name="ACME", verification_status="pending")
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset)])
    (item,) = receipt.invalid
    item.refresh_from_db()
    assert item.invalid_reason == (
        "The IP asset “ACME” is pending verification; only verified assets can back a notice."
    )
    _zh(owner_a)
    client.force_login(owner_a)
    said = "知识产权资产“ACME”的状态为待验证；只有已验证的知识产权才能作为投诉依据。"
    assert said in client.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
    assert said in client.get(reverse("takedowns:notice-detail", args=[item.notice_id])).content.decode()
    _en(owner_a)
    page = html.unescape(client.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode())
    assert item.invalid_reason in page


def test_the_merchants_e_mail_reads_the_statements_in_its_language(owner_a, brand_a, reviewer, store, merchant_user):
    _zh(merchant_user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        close_by_repeat(owner_a, brand_a, reviewer, store)
    bodies = "\n".join(m.body for m in mail.outbox if merchant_user.email in m.to)
    assert "店铺受到正式警告。" in bodies
    assert "屡次侵权将依照平台服务条款中的阶梯处罚规则予以处罚。" in bodies
    assert "商家未在反通知期限内答复。" in bodies
    assert "Fake logo, wrong stitching, sold at a tenth of the price." in bodies  # the brand's words
    assert "The store receives a formal warning." not in bodies


def test_a_proactive_items_explanation_reads_in_chinese_line_by_line_the_signals_as_quoted():
    evidence = [f"keyword 'ACME' in the title ({n})" for n in range(22)]
    finding = ProactiveFinding(listing_id=1, asset_id=1, score=0.97, evidence=evidence, reference="scr_1")
    recorded = proactive_explanation(finding, holder_name="ACME 100% Ltd")
    assert recorded.startswith(
        "The marketplace's automated screening found that this listing infringes ACME 100% Ltd's right "
        "(confidence 0.97; screening result scr_1)."
    )
    with translation.override("zh-hans"):
        said = recorded_read(recorded).split("\n")
    assert said[0].startswith("平台的自动筛查发现该商品侵犯了 ACME 100% Ltd 的权利（置信度 0.97；筛查结果 scr_1）。")
    assert said[2] == "筛查发现："
    assert said[3] == "- keyword 'ACME' in the title (0)"  # screening's signal, as quoted
    assert "- 以及另外 2 个信号。" in said
    assert said[-1].startswith("如果该商品是正品")
    with translation.override("en"):
        assert recorded_read(recorded) == recorded


# --- a notice's refused lines (the filer's receipt, a bulk import's report, the review) ------------------


def _refusing_receipt(owner_a, brand_a, asset_a, listing, store):
    unknown = draft(listing, asset_a, listing_ref="NO-SUCH-LISTING")
    drafts = [
        draft(listing, asset_a),
        unknown,
        draft(factories.ListingFactory(store=store), asset_a, explanation="Fake logo.\x00"),
        draft(factories.ListingFactory(store=store), asset_a, test_buy_order_number="X" * 101),
    ]
    # Filed by a person who reads Chinese: the records are English all the same.
    with translation.override("zh-hans"):
        return file_notice(owner_a, brand_a, drafts)


REFUSED_ENGLISH = [
    "Line 2: no listing 'NO-SUCH-LISTING' on the marketplace.",
    "Line 3: the explanation: Remove the invisible character U+0000 (control character) from this text; "
    "it cannot be stored.",
    "Line 4: the test-buy order number: Keep this text to 100 characters (it has 101).",
]
REFUSED_CHINESE = [
    "第 2 行：平台上没有商品 'NO-SUCH-LISTING'。",
    "第 3 行：说明：请从此文本中删除不可见字符 U+0000（控制字符）；该字符无法保存。",
    "第 4 行：试买订单号：此文本请控制在 100 个字符以内（当前为 101 个）。",
]


def _refused_on(page):
    problems = page[page.index('<ul class="problems">') :]
    return [html.unescape(text) for text in re.findall(r'<span class="error">(.*?)</span>', problems)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_receipts_refused_lines_are_recorded_in_english_and_read_in_the_filers_language(
    client, owner_a, brand_a, asset_a, listing, store, monkeypatch, language
):
    receipt = _refusing_receipt(owner_a, brand_a, asset_a, listing, store)
    assert [str(reason) for _, reason in receipt.refused] == REFUSED_ENGLISH
    assert [reason.code for _, reason in receipt.refused] == [
        "listing_unknown",
        "explanation_invalid",
        "test_buy_order_number_invalid",
    ]
    entry = AuditLogEntry.objects.get(action="takedowns.notice.submitted", object_id=str(receipt.notice.pk))
    assert entry.data["refused"] == REFUSED_ENGLISH

    owner_a.language = language
    owner_a.save(update_fields=["language"])
    client.force_login(owner_a)
    # The page files the draft (its review finds these problems before filing; a line refused at filing is one
    # that changed in between): the filing's receipt as the filing view keeps it for the receipt page.
    monkeypatch.setattr("takedowns.views.filing.notice_draft_file", lambda **kwargs: receipt)
    response = client.post(reverse("takedowns:notice-review"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("takedowns:notice-receipt", args=[receipt.notice.pk])
    expected = REFUSED_CHINESE if language == "zh-hans" else REFUSED_ENGLISH
    assert _refused_on(response.content.decode()) == expected


def test_a_bulk_imports_report_reads_a_lines_text_problem_in_the_readers_language():
    from takedowns.bulk_filing.importing import _rule_problem, problem_text
    from takedowns.notices import ItemDraft
    from takedowns.notices.lines import draft_text_problem

    line = ItemDraft(listing_ref="L1", ip_asset_id=1, infringement_type="counterfeit", explanation="x" * 10_001)
    problem = _rule_problem(draft_text_problem(line))
    assert problem["text"] == "the explanation: Keep this text to 10,000 characters (it has 10,001)."
    with translation.override("zh-hans"):
        assert problem_text(problem) == "说明：此文本请控制在 10,000 个字符以内（当前为 10,001 个）。"
    with translation.override("en"):
        assert problem_text(problem) == problem["text"]


def test_the_filing_pages_control_character_problem_reads_in_chinese(client, owner_a, asset_a, listing):
    from tests.takedowns.filing_pages import page_post, row

    _zh(owner_a)
    client.force_login(owner_a)
    response = page_post(client, owner_a, [row(listing.external_id, asset_a)], fields={"filer_name": "Ada\x00Brand"})
    assert response.status_code == 400
    assert "请从此文本中删除不可见字符 U+0000（控制字符）；该字符无法保存。" in html.unescape(response.content.decode())


# --- who made a move, on the item's timeline ---------------------------------------------------


def _who(page):
    timeline = page[page.index('<ol class="timeline">') :]
    heads = re.findall(r'<p class="timeline-head">(.*?)</p>', timeline, re.S)
    return [html.unescape(head.split("&middot;")[1].strip()) for head in heads]


def test_the_timelines_actors_are_the_apis_words_read_in_the_readers_language(
    client, accepted_item, owner_a, merchant_user, reviewer
):
    from takedowns.disclosure import event_actor_shown

    events = list(ItemEvent.objects.filter(item=accepted_item).order_by("at", "id"))
    # As the API gives them: the routing's label as recorded, the other side's reviewer by a stand-in.
    assert [event_actor_shown(e, "rights_holder", False) for e in events] == [
        owner_a.username,
        "system",
        "A platform reviewer",
    ]

    client.force_login(owner_a)
    _zh(owner_a)
    page = client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()
    assert _who(page) == [owner_a.username, "平台（自动）", "平台审核员"]
    _en(owner_a)
    page = client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()
    assert _who(page) == [owner_a.username, "The platform (automatic)", "A platform reviewer"]

    _zh(merchant_user)
    client.force_login(merchant_user)
    page = client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()
    assert _who(page) == ["权利人", "平台（自动）", "平台审核员"]
