"""The merchant's dashboard served from one fragment (portal.pagecache) shared by the merchant's people: another
merchant never gets it, a committed write shows at once, and the points and restrictions move on by themselves
the instant a restriction ends or points expire, not a minute later.

Transactional: a request inside a transaction never shares (a plain ``db`` test always builds the page)."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from takedowns.models import ItemStatus, NoticeItem, Penalty, Sanction, SanctionKind
from tests import factories
from tests.bulk import notices_bulk_create
from tests.services import needs_postgres, signed_in_browsers

pytestmark = pytest.mark.django_db(transaction=True)

URL = reverse("takedowns:merchant-dashboard")


@pytest.fixture(autouse=True)
def _postgres():
    needs_postgres()


def _get(browser):
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(URL)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries], response.content.decode()


def test_the_merchants_people_share_it_and_another_merchant_never_gets_it(asset_a, store):
    notices_bulk_create(asset_a, store, 2, status=ItemStatus.AWAITING_COUNTER_NOTICE)
    other_store = factories.StoreFactory(name="Elsewhere Goods")
    first, second, stranger = signed_in_browsers(
        factories.member_of(store.merchant.organisation),
        factories.member_of(store.merchant.organisation),
        factories.member_of(other_store.merchant.organisation),
    )
    first.get(URL)  # built and kept; the frame's facts kept for this version
    _get(second)
    shared, page = _get(second)
    _built, strangers = _get(stranger)

    assert not [sql for sql in shared if "takedowns_noticeitem" in sql], shared
    assert store.name in page and "Elsewhere Goods" not in page
    assert "Elsewhere Goods" in strangers and store.name not in strangers
    assert "No complaints against your listings." in strangers


def test_a_committed_write_shows_at_once(asset_a, store):
    (merchant,) = signed_in_browsers(factories.member_of(store.merchant.organisation))
    _sql, before = _get(merchant)
    notices_bulk_create(asset_a, store, 1, status=ItemStatus.AWAITING_COUNTER_NOTICE)

    _sql, after = _get(merchant)

    assert "No complaints against your listings." in before
    item = NoticeItem.objects.get(listing__store=store)
    assert f">#{item.pk}<" in after


def test_a_restriction_ending_and_points_expiring_show_the_instant_they_do(asset_a, store):
    (notice,) = notices_bulk_create(asset_a, store, 1, status=ItemStatus.UPHELD)
    item = NoticeItem.objects.get(notice=notice)
    now = timezone.now()
    penalty = Penalty.objects.create(
        item=item,
        store=store,
        ip_asset=asset_a,
        infringement_type="counterfeit",
        points=12,
        expires_at=now + timedelta(seconds=40),
    )
    Sanction.objects.create(
        store=store, penalty=penalty, kind=SanctionKind.RESTRICTION, level="12", ends_at=now + timedelta(seconds=20)
    )
    (merchant,) = signed_in_browsers(factories.member_of(store.merchant.organisation))
    with mock.patch("django.utils.timezone.now", return_value=now):
        _sql, first = _get(merchant)
    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(seconds=21)):
        _sql, ended = _get(merchant)
    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(seconds=41)):
        _sql, expired = _get(merchant)

    assert "12 penalty points in force" in first and "Listing restriction" in first
    assert "12 penalty points in force" in ended and "Listing restriction" not in ended
    assert "0 penalty points in force" in expired


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "99999"},
        {"sort": "points"},
        {"state": "sideways"},
        {"status": "nope"},
        {"status": ["upheld", "rejected"]},
    ],
)
def test_bad_query_strings_answer_the_same_built_or_shared(asset_a, store, params):
    notices_bulk_create(asset_a, store, 2, status=ItemStatus.AWAITING_COUNTER_NOTICE)
    first, second = signed_in_browsers(
        factories.member_of(store.merchant.organisation), factories.member_of(store.merchant.organisation)
    )
    pages = []
    for browser in (first, second):
        response = browser.get(URL, params)
        assert response.status_code == 200
        pages.append(re.search(r"<main.*</main>", response.content.decode(), re.S).group())

    assert pages[0] == pages[1]
    assert "Complaints against your listings" in pages[0]
