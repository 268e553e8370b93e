"""The item page of either side of a complaint, shared (``portal.pagecache``): everyone on the same side of
an item reads one fragment, the other side and other organisations never read it, and it never outlives the
data or the instant its windows close. PostgreSQL and committed transactions: a request inside a transaction
never shares, so these tests run as the server does."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rights_holders.models import VerificationStatus
from takedowns import lifecycle
from takedowns.models import ItemStatus, NoticeItem, RestrictionKind, StatementOfReasons
from tests import factories
from tests.services import needs_postgres, signed_in_browsers
from tests.takedowns.conftest import draft, file_notice
from tests.takedowns.test_views import _counter_notice_post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres():
    needs_postgres()


@pytest.fixture
def tasks_in_process():
    """Routing and the effects run in this process, as in the ordinary tests (the transactional ones send
    them to the broker otherwise)."""
    from portal.celery import app

    app.conf.CELERY_TASK_ALWAYS_EAGER = True  # put back by the autouse fixture


@pytest.fixture
def accepted_item(tasks_in_process, owner_a, brand_a, asset_a, listing, reviewer):
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    item.refresh_from_db()
    assert item.status == ItemStatus.AWAITING_COUNTER_NOTICE
    return item


@pytest.fixture
def agent_of_a(brand_a):
    """A member of an agent firm holding a valid letter for brand A: on the same side as the brand's owner."""
    letter = factories.LetterOfAuthorisationFactory(rights_holder=brand_a)
    return factories.member_of(letter.agent, role="staff")


def _signed_in(user, **kwargs):
    return signed_in_browsers(user, **kwargs)[0]


def _url(item):
    return reverse("takedowns:item-detail", args=[item.pk])


def _get(client, item, **params):
    response = client.get(_url(item), params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _queries(client, path, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries], response.content.decode()


def _frame_only(client, item):
    """The item page, asserting it cost only the frame's queries (those of the viewer's help page)."""
    client.get(reverse("help:index"))
    frame, _body = _queries(client, reverse("help:index"))
    page, body = _queries(client, _url(item))
    assert len(page) == len(frame), "\n".join(page)
    assert not any("takedowns_noticeitem" in sql for sql in page), "\n".join(page)
    return body


def _counter_notice(item, merchant_user, client=None):
    response = (client or _signed_in(merchant_user)).post(
        reverse("takedowns:item-counter-notice", args=[item.pk]), _counter_notice_post()
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    assert item.status == ItemStatus.COUNTER_NOTICED


def test_the_brands_owner_and_its_agent_share_one_page_built_once(accepted_item, owner_a, agent_of_a):
    owner, agent = _signed_in(owner_a), _signed_in(agent_of_a)
    owner_page = _get(owner, accepted_item)
    agent_page = _frame_only(agent, accepted_item)
    assert agent_page.count("File a counter-notice") == owner_page.count("File a counter-notice") == 0
    assert "Withdraw the complaint" in agent_page
    owner_again = _frame_only(owner, accepted_item)
    assert _content(owner_again) == _content(agent_page) == _content(owner_page)


def _content(page):
    """The page's main content without the frame (whose top bar names the viewer)."""
    return page[page.index("<h1>") : page.index('<ol class="timeline">')]


def test_the_complainant_and_the_merchant_never_read_each_others_page(
    accepted_item, owner_a, merchant_user, store, agent_of_a
):
    _counter_notice(accepted_item, merchant_user)
    StatementOfReasons.objects.create(
        item=accepted_item,
        store=store,
        restriction=RestrictionKind.STORE_WARNING,
        infringement_type=accepted_item.infringement_type,
        ground="Counterfeit goods.",
        facts="The store sold counterfeit ACME sneakers.",
        redress="Appeal within 30 days.",
    )
    owner, merchant, agent = _signed_in(owner_a), _signed_in(merchant_user), _signed_in(agent_of_a)
    for _round in range(2):  # built, then shared: neither side ever gets the other's
        holder_page = _get(owner, accepted_item)
        merchant_page = _get(merchant, accepted_item)
        # The complainant: the counter-notice without the merchant's contact details, the reply form, no store
        # sanction, no name on the merchant's move.
        assert "Genuine stock bought from the brand" in holder_page
        assert "contact details are withheld" in holder_page
        assert "9 Market Road" not in holder_page and "sam@shady.test" not in holder_page
        assert reverse("takedowns:item-reply", args=[accepted_item.pk]) in holder_page
        assert "Warning to the store" not in holder_page
        assert "The merchant &middot;" in holder_page
        # The merchant: its own contact details and sanction, its own name on its move, no reply form.
        assert "9 Market Road" in merchant_page and "Warning to the store" in merchant_page
        assert reverse("takedowns:item-reply", args=[accepted_item.pk]) not in merchant_page
        assert reverse("takedowns:item-withdraw", args=[accepted_item.pk]) not in merchant_page
        assert "The merchant &middot;" not in merchant_page  # its own people are named
    # The second round was served from the fragments: only the frame's queries.
    assert "Warning to the store" not in _frame_only(owner, accepted_item)
    assert "Warning to the store" in _frame_only(merchant, accepted_item)
    assert "Warning to the store" not in _frame_only(agent, accepted_item)


def test_another_brand_gets_404_for_an_item_others_read_from_the_shared_page(accepted_item, owner_a, user_b):
    owner, other = _signed_in(owner_a), _signed_in(user_b)
    _get(owner, accepted_item)
    _frame_only(owner, accepted_item)
    assert other.get(_url(accepted_item)).status_code == 404
    missing = NoticeItem.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    assert other.get(reverse("takedowns:item-detail", args=[missing])).status_code == 404
    assert owner.get(reverse("takedowns:item-detail", args=[missing])).status_code == 404


def test_a_merchant_never_sees_an_item_returned_invalid_its_brand_reads(owner_a, brand_a, listing, merchant_user):
    pending = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    (item,) = file_notice(owner_a, brand_a, [draft(listing, pending)]).invalid
    owner, merchant = _signed_in(owner_a), _signed_in(merchant_user)
    _get(owner, item)
    assert "only verified assets can back a notice" in _frame_only(owner, item)
    assert merchant.get(_url(item)).status_code == 404


def test_a_counter_notice_filed_shows_on_the_complainants_next_view(accepted_item, owner_a, merchant_user):
    owner, merchant = _signed_in(owner_a), _signed_in(merchant_user)
    _get(owner, accepted_item)
    before = _frame_only(owner, accepted_item)
    assert "Genuine stock bought from the brand" not in before
    assert reverse("takedowns:item-reply", args=[accepted_item.pk]) not in before
    _counter_notice(accepted_item, merchant_user, merchant)
    after = _get(owner, accepted_item)
    assert "Genuine stock bought from the brand" in after
    assert reverse("takedowns:item-reply", args=[accepted_item.pk]) in after
    assert "Rights holder&#x27;s reply due" in after


def test_the_reply_form_goes_the_instant_the_reply_window_closes(accepted_item, owner_a, merchant_user):
    _counter_notice(accepted_item, merchant_user)
    start = timezone.now()
    # Closing well within a countdown's minute: only the window's own instant can end the shared page.
    closes = start + timedelta(seconds=30)
    NoticeItem.objects.filter(pk=accepted_item.pk).update(reply_deadline=closes)
    reply_url = reverse("takedowns:item-reply", args=[accepted_item.pk])
    owner = _signed_in(owner_a)
    with time_machine.travel(start, tick=False):
        assert reply_url in _get(owner, accepted_item)
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        assert reply_url in _frame_only(owner, accepted_item)
    with time_machine.travel(closes + timedelta(seconds=1), tick=False):
        page = _get(owner, accepted_item)
    assert reply_url not in page and "Send the reply" not in page
    assert re.search(r"Rights holder&#x27;s reply due.*passed less than a minute ago", page, re.S)


def test_the_counter_notice_link_goes_the_instant_the_window_closes(accepted_item, merchant_user):
    start = timezone.now()
    closes = start + timedelta(seconds=30)
    NoticeItem.objects.filter(pk=accepted_item.pk).update(counter_notice_deadline=closes)
    link = reverse("takedowns:item-counter-notice", args=[accepted_item.pk])
    merchant = _signed_in(merchant_user)
    with time_machine.travel(start, tick=False):
        assert link in _get(merchant, accepted_item)
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        assert link in _frame_only(merchant, accepted_item)
    with time_machine.travel(closes + timedelta(seconds=1), tick=False):
        page = _get(merchant, accepted_item)
    assert link not in page and "The counter-notice window closed at" in page


def test_a_countdown_is_rebuilt_after_its_minute(accepted_item, owner_a, merchant_user):
    _counter_notice(accepted_item, merchant_user)
    start = timezone.now()
    NoticeItem.objects.filter(pk=accepted_item.pk).update(reply_deadline=start + timedelta(minutes=30, seconds=30))
    owner = _signed_in(owner_a)
    with time_machine.travel(start, tick=False):
        assert "30 minutes left" in _get(owner, accepted_item)
    with time_machine.travel(start + timedelta(seconds=40), tick=False):
        assert "30 minutes left" in _frame_only(owner, accepted_item)
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        page = _get(owner, accepted_item)
    assert "29 minutes left" in page and "30 minutes left" not in page


def test_the_csrf_token_in_a_shared_page_is_the_viewers_own(accepted_item, owner_a, agent_of_a, merchant_user):
    _counter_notice(accepted_item, merchant_user)
    owner = _signed_in(owner_a, enforce_csrf_checks=True)
    agent = _signed_in(agent_of_a, enforce_csrf_checks=True)
    _get(owner, accepted_item)
    page = _frame_only(agent, accepted_item)
    reply_url = reverse("takedowns:item-reply", args=[accepted_item.pk])
    form = page[page.index(f'action="{reply_url}"') :]
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[: form.index("</form>")])
    assert len(tokens) == 1
    response = agent.post(
        reply_url,
        {"statement": "The invoice is forged.", "csrfmiddlewaretoken": tokens[0]},
    )
    assert response.status_code == 302
    accepted_item.refresh_from_db()
    assert accepted_item.status == ItemStatus.PENDING_ADJUDICATION


def test_each_language_and_zone_reads_its_own_page(accepted_item, owner_a, brand_a):
    colleague = factories.member_of(brand_a.organisation, role="staff", language="zh-hans", time_zone="Asia/Shanghai")
    owner, other = _signed_in(owner_a), _signed_in(colleague)
    english = _get(owner, accepted_item)
    chinese = _get(other, accepted_item)
    assert "Counter-notice due" in english and "Times are shown in UTC" in english
    assert "反通知截止时间" in chinese and "Asia/Shanghai" in chinese


def test_bad_query_strings_still_answer_the_page(accepted_item, owner_a):
    owner = _signed_in(owner_a)
    assert owner.get(_url(accepted_item), {"canned": "not-a-number", "page": "x"}).status_code == 200
    assert owner.get(_url(accepted_item), {"canned": "99999999999999999999"}).status_code == 200


def test_a_refused_withdrawal_is_told_on_the_viewers_own_page_only(accepted_item, owner_a, agent_of_a, merchant_user):
    _counter_notice(accepted_item, merchant_user)
    owner, merchant = _signed_in(owner_a), _signed_in(merchant_user)
    _get(owner, accepted_item)
    _get(merchant, accepted_item)
    # The merchant cannot withdraw the complaint: refused on its GET, told on a page of its own.
    refused = merchant.get(reverse("takedowns:item-withdraw", args=[accepted_item.pk]))
    assert refused.status_code == 403 and 'class="refusal"' in refused.content.decode()
    assert 'class="refusal"' not in _frame_only(merchant, accepted_item)
    assert 'class="refusal"' not in _frame_only(owner, accepted_item)
