"""The brand's dashboard served from one shared fragment (portal.pagecache): everyone who acts for the same
brands and asks the same shares it; another brand never sees it; a committed write shows on the next request;
its countdowns, its short lists and its Good Faith standing move with time. Real PostgreSQL, committed data
(a request inside a test's transaction never shares)."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from good_faith.models import Membership, MembershipStatus, MisuseMeasure, MisuseMeasureKind
from good_faith.views.subjects import subjects_queryset, subjects_summarise, subjects_summary_changes_at
from portal import pagecache
from rights_holders.acting import ACTING_SESSION_KEY
from takedowns.models import ItemStatus, NoticeItem
from tests import factories
from tests.bulk import notices_bulk_create
from tests.screening.alert_world import alert_made
from tests.services import needs_postgres, signed_in_browsers

pytestmark = pytest.mark.django_db(transaction=True)

DASHBOARD = reverse("brand-dashboard")
# What a brand owner's page asks besides the dashboard: the session, the user (with the data version) and the
# second factor's device; the user's organisations, the brands they act for (the switcher, the scope) and the
# open alerts badge are kept per data version (portal.pagecache.version_memo).
FRAME_QUERIES = 3


@pytest.fixture(autouse=True)
def _postgres():
    needs_postgres()


def _replies_due(asset, store, n, *, due_in=timedelta(days=2)):
    notices_bulk_create(asset, store, n, status=ItemStatus.COUNTER_NOTICED)
    NoticeItem.objects.filter(status=ItemStatus.COUNTER_NOTICED, reply_deadline__isnull=True).update(
        reply_deadline=timezone.now() + due_in
    )
    return list(NoticeItem.objects.filter(notice__rights_holder=asset.rights_holder).order_by("pk"))


def _signed_in(user, **kwargs):
    return signed_in_browsers(user, **kwargs)[0]


def _get(client, at=None):
    """The dashboard (at the instant ``at`` if given), and the queries it made."""
    with CaptureQueriesContext(connection) as queries:
        if at is None:
            response = client.get(DASHBOARD)
        else:
            with mock.patch("django.utils.timezone.now", return_value=at):
                response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def _reads_items(queries):
    return any("takedowns_noticeitem" in sql for sql in queries)


def test_two_members_of_a_brand_share_one_dashboard_the_second_pays_only_the_frame(owner_a, asset_a, store):
    items = _replies_due(asset_a, store, 2)
    clients = [_signed_in(owner_a), _signed_in(factories.member_of(asset_a.rights_holder.organisation))]

    first, first_queries = _get(clients[0])
    clients[1].get(reverse("help:index"))  # the frame's facts kept for this data version (pagecache.version_memo)
    second, second_queries = _get(clients[1])

    assert _reads_items(first_queries)
    assert "2</strong> counter-notices to answer" in second and f">#{items[0].pk}</a>" in second
    assert len(second_queries) == FRAME_QUERIES and not _reads_items(second_queries)
    body = re.compile(r"<h1>.*</section>", re.S)
    assert body.search(first).group() == body.search(second).group()


def test_another_brand_sees_its_own_dashboard_never_the_first_ones(owner_a, asset_a, store, brand_b, user_b):
    items_a = _replies_due(asset_a, store, 2)
    asset_b = factories.IPAssetFactory(rights_holder=brand_b, name="BETA")
    items_b = _replies_due(asset_b, store, 1)
    _get(_signed_in(owner_a))

    html, queries = _get(_signed_in(user_b))

    assert _reads_items(queries)  # built for brand B, not served brand A's
    assert "Dashboard: Brand B" in html and "1</strong> counter-notice to answer" in html
    assert f">#{items_b[0].pk}</a>" in html
    assert "Brand A" not in html and not any(f">#{item.pk}</a>" in html for item in items_a)


def test_an_agent_shares_by_the_brand_chosen_and_the_brands_acted_for(owner_a, asset_a, store, brand_b):
    """The agent's chosen brand shows that brand's items as its owner sees them, but the alerts count every
    brand the agent acts for: the agent and the owner do not share; two agents of the firm do."""
    items_a = _replies_due(asset_a, store, 1)
    asset_b = factories.IPAssetFactory(rights_holder=brand_b, name="BETA")
    items_b = _replies_due(asset_b, store, 1)
    alert_made(brand_b, asset_b, factories.ListingFactory(store=store))
    firm = factories.OrganisationFactory(kind="agent", name="Hale LLP")
    for brand in (asset_a.rights_holder, brand_b):
        factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand)
    owner, agents = _signed_in(owner_a), [_signed_in(factories.member_of(firm)) for _n in range(2)]
    for client in agents:
        session = client.session
        session[ACTING_SESSION_KEY] = f"{firm.pk}:{asset_a.rights_holder.pk}"
        session.save()
    owners_page, _queries = _get(owner)
    lawyers_page, lawyers_queries = _get(agents[0])
    partners_page, partners_queries = _get(agents[1])

    assert "0</strong> screening alerts waiting" in owners_page
    assert _reads_items(lawyers_queries) and not _reads_items(partners_queries)
    for html in (lawyers_page, partners_page):
        assert "Dashboard: Brand A" in html and "1</strong> screening alert waiting" in html
        assert f">#{items_a[0].pk}</a>" in html and f">#{items_b[0].pk}</a>" not in html
    # All the firm's brands: its own fragment, both brands' items.
    session = agents[0].session
    session.pop(ACTING_SESSION_KEY)
    session.save()
    every_brand, queries = _get(agents[0])
    assert _reads_items(queries) and "Dashboard: all your brands" in every_brand
    assert f">#{items_a[0].pk}</a>" in every_brand and f">#{items_b[0].pk}</a>" in every_brand


def test_a_write_committed_by_someone_else_shows_on_the_next_request(owner_a, asset_a, store):
    _replies_due(asset_a, store, 2)
    client = _signed_in(owner_a)
    _get(client)
    shared, queries = _get(client)
    assert "2</strong> counter-notices to answer" in shared and not _reads_items(queries)

    _replies_due(asset_a, store, 1)  # another person's filing, committed
    html, queries = _get(client)

    assert _reads_items(queries) and "3</strong> counter-notices to answer" in html


def test_the_countdowns_move_after_their_minute_and_a_passed_deadline_leaves_the_list(owner_a, asset_a, store):
    (item,) = _replies_due(asset_a, store, 1, due_in=timedelta(seconds=90))
    due = NoticeItem.objects.get(pk=item.pk).reply_deadline
    start = due - timedelta(seconds=90)
    client = _signed_in(owner_a)

    html, _queries = _get(client, at=start)
    assert "1 minute left" in html and f">#{item.pk}</a>" in html
    kept, queries = _get(client, at=start + timedelta(seconds=59))
    assert "1 minute left" in kept and not _reads_items(queries)  # shared within the minute
    later, queries = _get(client, at=start + pagecache.TEXTS_IN_MINUTES + timedelta(seconds=1))
    assert _reads_items(queries) and "less than a minute left" in later
    passed, queries = _get(client, at=due + timedelta(seconds=1))
    assert _reads_items(queries) and f">#{item.pk}</a>" not in passed and "Reply due" not in passed
    assert "1</strong> counter-notice to answer" in passed  # still counter-noticed until the sweep decides


def test_the_standing_changes_when_a_decision_leaves_the_window(owner_a, asset_a, store):
    notices_bulk_create(asset_a, store, 1, status=ItemStatus.UPHELD)
    window = timedelta(days=settings.GOOD_FAITH_WINDOW_DAYS)
    now = timezone.now()
    NoticeItem.objects.filter(status=ItemStatus.UPHELD).update(decided_at=now - window + timedelta(seconds=30))
    leaves = NoticeItem.objects.get(status=ItemStatus.UPHELD).decided_at + window
    client = _signed_in(owner_a)
    minimum = settings.GOOD_FAITH_MIN_DECIDED

    html, _queries = _get(client, at=now)
    kept, queries = _get(client, at=leaves - timedelta(seconds=1))
    after, queries_after = _get(client, at=leaves)

    assert f"(1 of {minimum})" in html and f"(1 of {minimum})" in kept and not _reads_items(queries)
    assert _reads_items(queries_after) and f"(0 of {minimum})" in after


def test_the_standing_knows_the_next_instant_time_alone_changes_it(brand_a, owner_a, asset_a, store):
    window = timedelta(days=settings.GOOD_FAITH_WINDOW_DAYS)
    now = timezone.now().replace(hour=12)  # far from the day's end
    within = pagecache.TEXTS_IN_MINUTES

    def changes_at():
        summaries = subjects_summarise(
            "rights_holder", subjects_queryset("rights_holder", now=now).filter(pk=brand_a.pk), now=now
        )
        return subjects_summary_changes_at("rights_holder", summaries, now=now, within=within)

    notices_bulk_create(asset_a, store, 1, status=ItemStatus.UPHELD)
    NoticeItem.objects.filter(status=ItemStatus.UPHELD).update(decided_at=now - window + timedelta(minutes=5))
    assert changes_at() is None  # leaves the window after the next minute
    NoticeItem.objects.filter(status=ItemStatus.UPHELD).update(decided_at=now - window + timedelta(seconds=50))
    assert changes_at() == now + timedelta(seconds=50)
    MisuseMeasure.objects.create(
        organisation=brand_a.organisation,
        kind=MisuseMeasureKind.WARNING,
        statement="Warned.",
        created_at=now - window + timedelta(seconds=40),
    )
    assert changes_at() == now + timedelta(seconds=40)
    Membership.objects.create(
        rights_holder=brand_a, status=MembershipStatus.SUSPENDED, cooling_off_until=now + timedelta(seconds=20)
    )
    assert changes_at() == now + timedelta(seconds=20)


def test_the_csrf_token_on_a_shared_dashboard_is_the_viewers_own(owner_a, asset_a, store):
    _replies_due(asset_a, store, 1)
    colleague = factories.member_of(asset_a.rights_holder.organisation)
    first_client, second_client = _signed_in(owner_a), _signed_in(colleague, enforce_csrf_checks=True)
    first, _queries = _get(first_client)
    second, queries = _get(second_client)
    assert not _reads_items(queries)
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    assert (
        second_client.post(reverse("logout"), {"csrfmiddlewaretoken": token.search(first).group(1)}).status_code == 403
    )
    assert (
        second_client.post(reverse("logout"), {"csrfmiddlewaretoken": token.search(second).group(1)}).status_code == 302
    )


@pytest.mark.parametrize("query", ["?page=abc", "?item_status=<script>", "?sort=-x&page=999999999999999999999"])
def test_a_query_string_the_dashboard_does_not_read_changes_nothing(owner_a, asset_a, store, query):
    _replies_due(asset_a, store, 1)
    client = _signed_in(owner_a)
    plain, _queries = _get(client)

    response = client.get(DASHBOARD + query)

    assert response.status_code == 200
    assert "1</strong> counter-notice to answer" in response.content.decode() and "<script>" not in plain
