"""The notice list served from one fragment shared by everyone with the same scope (portal.pagecache): members
of one brand share it, other brands and merchants never see it, a committed write or a countdown's minute makes
it anew, and each viewer's page carries their own CSRF token.

Transactional: a request inside a transaction never shares (a plain ``db`` test always builds the page)."""

import re
from datetime import UTC, datetime, time, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import OrganisationKind
from takedowns import selectors
from takedowns.models import Channel, ItemStatus, Notice, NoticeItem
from tests import factories
from tests.bulk import notices_bulk_create
from tests.services import needs_postgres, signed_in_browsers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres():
    needs_postgres()


URL = reverse("takedowns:notice-list")
API_ROW = '<td data-label="Channel">API</td>'


def _references(notices):
    return [str(notice.reference)[:8] for notice in notices]


def _get(browser, params=None):
    response = browser.get(URL, params or {})
    assert response.status_code == 200
    return response.content.decode()


def _queries(browser, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url, params or {})
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries], response.content.decode()


@pytest.fixture
def colleague_a(brand_a):
    """Another member of brand A (not its owner): the same notices, the same list."""
    return factories.member_of(brand_a.organisation)


def test_a_brands_members_share_one_list_and_the_second_pays_only_the_frame(owner_a, colleague_a, asset_a, store):
    notices = notices_bulk_create(asset_a, store, 3)
    owner, colleague = signed_in_browsers(owner_a, colleague_a)
    owner.get(reverse("help:index"))  # the frame's facts kept for this data version (pagecache.version_memo)
    frame, _html = _queries(owner, reverse("help:index"))  # the frame's own queries (a page with no data)
    built, colleague_page = _queries(colleague, URL)  # the first to ask: the list is built and kept

    shared, owner_page = _queries(owner, URL)

    assert any("takedowns_notice" in sql for sql in built)
    assert not [sql for sql in shared if "takedowns_notice" in sql or "listings_" in sql], shared
    assert len(shared) == len(frame), "\n".join(shared)
    for page in (colleague_page, owner_page):
        assert all(reference in page for reference in _references(notices))
        assert "File a notice" in page


def test_another_query_string_is_another_list(owner_a, colleague_a, asset_a, store):
    notices = notices_bulk_create(asset_a, store, 60)  # filed a minute apart, the first the newest
    owner, colleague = signed_in_browsers(owner_a, colleague_a)
    _get(colleague)

    second_page = _get(owner, {"page": "2"})
    oldest_first = _get(owner, {"sort": "filed"})

    references = _references(notices)
    assert references[55] in second_page and references[0] not in second_page
    assert oldest_first.index(references[59]) < oldest_first.index(references[58])


def test_another_brand_and_a_merchant_never_get_the_brands_list(owner_a, user_b, brand_b, asset_a, store):
    merchant_user = factories.member_of(store.merchant.organisation)
    brand_a_notices = notices_bulk_create(asset_a, store, 2)
    brand_b_notices = notices_bulk_create(factories.IPAssetFactory(rights_holder=brand_b), factories.StoreFactory(), 2)
    owner, brand_b_member, merchant = signed_in_browsers(owner_a, user_b, merchant_user)
    _get(owner)
    _get(owner)  # kept and served

    brand_b_page = _get(brand_b_member)
    merchant_page = _get(merchant)

    assert not any(reference in brand_b_page for reference in _references(brand_a_notices))
    assert all(reference in brand_b_page for reference in _references(brand_b_notices))
    # The merchant sees the notices naming its listings, as the merchant's side, never brand B's.
    assert "Your listings under complaint" in merchant_page and "File a notice" not in merchant_page
    assert all(reference in merchant_page for reference in _references(brand_a_notices))
    assert not any(reference in merchant_page for reference in _references(brand_b_notices))


def test_an_agent_firms_letter_that_ends_at_midnight_takes_the_brand_off_its_list_a_minute_later(
    owner_a, asset_a, store
):
    # The letter is valid until the end of today (UTC); the list is asked 30 s before midnight and 30 s after,
    # well within the time the brand's list is kept: only the scope can tell the agent's two lists apart.
    midnight = datetime.combine(timezone.now().astimezone(UTC).date() + timedelta(days=1), time(), tzinfo=UTC)
    firm = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Agent Firm")
    factories.LetterOfAuthorisationFactory(
        agent=firm, rights_holder=asset_a.rights_holder, valid_until=(midnight - timedelta(days=1)).date()
    )
    notices = notices_bulk_create(asset_a, store, 2)
    agent, owner = signed_in_browsers(factories.member_of(firm), owner_a)
    with mock.patch("django.utils.timezone.now", return_value=midnight - timedelta(seconds=30)):
        today_page = _get(agent)
        _get(agent)  # kept and served
    assert all(reference in today_page for reference in _references(notices))

    with mock.patch("django.utils.timezone.now", return_value=midnight + timedelta(seconds=30)):
        agent_page = _get(agent)
        owner_page = _get(owner)

    # Nothing was written: the letter ended with the day, and the agent's scope with it.
    assert not any(reference in agent_page for reference in _references(notices))
    assert all(reference in owner_page for reference in _references(notices))


def test_a_notice_someone_else_files_is_on_the_next_page(owner_a, asset_a, store):
    first = notices_bulk_create(asset_a, store, 1)
    (owner,) = signed_in_browsers(owner_a)
    _get(owner)
    assert API_ROW not in _get(owner)  # kept and served

    later = notices_bulk_create(asset_a, store, 1)  # committed by someone else
    Notice.objects.filter(pk=first[0].pk).update(channel=Channel.API)
    page = _get(owner)

    assert _references(later)[0] in page and _references(first)[0] in page
    assert page.count(API_ROW) == 1


def test_a_merchants_countdown_moves_on_after_its_minute(asset_a, store):
    (notice,) = notices_bulk_create(asset_a, store, 1, status=ItemStatus.AWAITING_COUNTER_NOTICE)
    now = timezone.now()
    due = now + timedelta(hours=3, minutes=10, seconds=30)
    NoticeItem.objects.filter(notice=notice).update(counter_notice_deadline=due)
    (merchant,) = signed_in_browsers(factories.member_of(store.merchant.organisation))
    with mock.patch("django.utils.timezone.now", return_value=now):
        first = _get(merchant)
        again = _get(merchant)
    # Two minutes on: within the time a list with no countdown is kept, past the countdown's minute.
    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(minutes=2)):
        later = _get(merchant)

    assert "3 hours 10 minutes left" in first and "3 hours 10 minutes left" in again
    assert "3 hours 8 minutes left" in later


def test_each_viewers_page_carries_their_own_csrf_token(owner_a, colleague_a, asset_a, store):
    notices_bulk_create(asset_a, store, 1)
    colleague, owner = signed_in_browsers(colleague_a, owner_a)
    secrets = []
    for browser in (colleague, owner, owner):
        page = _get(browser)
        (token,) = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
        secret = browser.cookies["csrftoken"].value
        assert _unmask_cipher_token(token) == secret
        secrets.append(secret)
    assert secrets[0] != secrets[1]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "-3"},
        {"page": "99999"},
        {"sort": "filer_email"},
        {"channel": "carrier-pigeon"},
        {"item_status": "nope"},
        {"filed_from": "2024-13-45"},
        {"rights_holder": "abc"},
        {"channel": ["web", "api"]},
    ],
)
def test_bad_query_strings_answer_the_same_built_or_shared(owner_a, colleague_a, asset_a, store, params):
    notices_bulk_create(asset_a, store, 2)
    colleague, owner = signed_in_browsers(colleague_a, owner_a)
    built = _get(colleague, params)
    shared = _get(owner, params)

    body = re.compile(r"<main.*</main>", re.S)
    assert body.search(built).group() == body.search(shared).group()


def test_the_scope_is_the_brand_not_the_person_and_staff_share_theirs(owner_a, colleague_a, user_b, reviewer, store):
    merchant = factories.member_of(store.merchant.organisation)
    other_reviewer = factories.UserFactory()
    other_reviewer.groups.set(reviewer.groups.all())

    assert selectors.notice_list_scope(owner_a) == selectors.notice_list_scope(colleague_a)
    scopes = {selectors.notice_list_scope(user) for user in (owner_a, user_b, reviewer, merchant)}
    assert len(scopes) == 4
    assert selectors.notice_list_scope(reviewer) == selectors.notice_list_scope(other_reviewer)
