"""The public transparency page: a small world through the real verbs, each figure checked by hand.

Complaints of three infringement types ending every way (upheld, dismissed on a counter-notice,
reversed on appeal, confirmed on appeal, rejected, still waiting) and a proactive takedown, then the
page as an anonymous visitor reads it: the figures, and a query count that does not grow with the data.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from good_faith.service_level.report import service_level_report
from good_faith.transparency import transparency_figures_compute
from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind, RightsHolder
from takedowns import lifecycle
from takedowns.appeals import appeal_decide, appeal_file
from takedowns.models import NoticeItem
from takedowns.proactive import ProactiveFinding, proactive_notices_file
from tests import factories
from tests.takedowns.conftest import draft, file_notice
from tests.takedowns.test_transparency import COUNTER_NOTICE

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
NOW = T0 + timedelta(days=10)


@pytest.fixture(autouse=True)
def no_cache(settings):
    settings.TRANSPARENCY_CACHE_SECONDS = 0


@pytest.fixture
def world(owner_a, brand_a, reviewer):
    asset_a = factories.IPAssetFactory(rights_holder=brand_a, name="ACME")
    merchant_org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Shady Goods Ltd")
    store = factories.StoreFactory(merchant=factories.MerchantFactory(organisation=merchant_org))
    merchant_user = factories.member_of(merchant_org, role="owner")
    senior_reviewer = factories.UserFactory()
    senior_reviewer.groups.add(Group.objects.get(name="senior_reviewer"))

    class World:
        def filed(self, at, kind="counterfeit"):
            with time_machine.travel(at, tick=False):
                listing = factories.ListingFactory(store=store)
                (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a, infringement_type=kind)]).accepted
            return item

        def accepted(self, at, kind="counterfeit"):
            item = self.filed(at, kind)
            with time_machine.travel(at + H, tick=False):
                lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
            return item

        def counter_noticed(self, at):
            item = self.accepted(at)
            with time_machine.travel(at + 10 * H, tick=False):
                lifecycle.notice_item_counter_notice(
                    item_id=item.pk, actor=merchant_user, counter_notice_fields=dict(COUNTER_NOTICE)
                )
            with time_machine.travel(at + 20 * H, tick=False):
                lifecycle.notice_item_reply(item_id=item.pk, actor=owner_a, statement="The invoice is forged.")
            return item

        def upheld_by_default(self, at, kind="counterfeit"):
            item = self.accepted(at, kind)
            with time_machine.travel(at + 80 * H, tick=False):
                lifecycle.notice_item_uphold_by_default(item_id=item.pk)
            return item

        def appealed(self, item, at, *, reverse):
            with time_machine.travel(at, tick=False):
                appeal = appeal_file(item_id=item.pk, actor=merchant_user, statement="Genuine goods.")
            with time_machine.travel(at + 5 * H, tick=False):
                appeal_decide(appeal_id=appeal.pk, actor=senior_reviewer, reverse=reverse, reason="Looked again.")

        def proactive(self, at):
            marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Marketplace Operations")
            Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
            RightsHolder.objects.filter(pk=brand_a.pk).update(proactive_enforcement=True)
            listing = factories.ListingFactory(store=store)
            finding = ProactiveFinding(
                listing_id=listing.pk, asset_id=asset_a.pk, score=0.97, evidence=["replica"], reference="scr_1"
            )
            with time_machine.travel(at, tick=False):
                (outcome,) = proactive_notices_file([finding], now=at)
            assert outcome.filed, outcome.refusal
            return NoticeItem.objects.get(pk=outcome.item_id)

        def build(self):
            # Counterfeit: upheld over a counter-notice (sold before it came down), dismissed on a
            # counter-notice, upheld then reversed on appeal; and a proactive takedown, still open.
            upheld = self.counter_noticed(T0)
            factories.OrderFactory(listing=upheld.listing, ordered_at=T0 + 2 * H)
            with time_machine.travel(T0 + 30 * H, tick=False):
                lifecycle.notice_item_uphold(item_id=upheld.pk, actor=reviewer, reason="Forged invoice.")
            dismissed = self.counter_noticed(T0)
            with time_machine.travel(T0 + 30 * H, tick=False):
                lifecycle.notice_item_dismiss(item_id=dismissed.pk, actor=reviewer, reason="Invoice is genuine.")
            self.appealed(self.upheld_by_default(T0), T0 + 90 * H, reverse=True)
            self.proactive(T0)
            # Trademark misuse: upheld and confirmed on appeal; rejected.
            self.appealed(self.upheld_by_default(T0, "trademark_misuse"), T0 + 90 * H, reverse=False)
            rejected = self.filed(T0, "trademark_misuse")
            with time_machine.travel(T0 + H, tick=False):
                lifecycle.notice_item_reject(item_id=rejected.pk, actor=reviewer, reason="Not the same mark.")
            # Copyright: waiting for review. And a notice before the period, counted nowhere.
            self.filed(T0, "copyright")
            self.filed(NOW - timedelta(days=31))

    return World()


def _page(client, days=30):
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse("transparency:report"), {"days": days})


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _row(html, key):
    """The numbers of one row of the outcomes table, by infringement type (or "all")."""
    row = re.search(rf'<tr data-type="{key}">(.*?)</tr>', html, re.S).group(1)
    return [int(n) for n in re.findall(r'<td class="num"[^>]*>(\d+)</td>', row)]


def test_every_figure_of_a_small_world(client, world):
    world.build()

    response = _page(client)

    assert response.status_code == 200
    html = response.content.decode()
    # notices, items, then upheld, dismissed, rejected, invalid, withdrawn, in progress
    assert _row(html, "counterfeit") == [4, 4, 1, 2, 0, 0, 0, 1]
    assert _row(html, "trademark_misuse") == [2, 2, 1, 0, 1, 0, 0, 0]
    assert _row(html, "copyright") == [1, 1, 0, 0, 0, 0, 0, 1]
    assert 'data-type="patent"' not in html
    assert _row(html, "all") == [7, 7, 2, 2, 1, 0, 0, 2]

    figures = transparency_figures_compute(days=30, now=NOW)
    assert (figures.counter_notices.total, figures.counter_notices.won, figures.counter_notices.lost) == (2, 1, 1)
    assert (figures.appeals.total, figures.appeals.won, figures.appeals.lost, figures.appeals.open) == (2, 1, 1, 0)
    text = _text(html)
    assert "Counter-notices that succeeded 50.0% (1 of 2 decided)" in text
    assert "Appeals that reversed the decision 50.0% (1 of 2 decided)" in text

    # Removals: the two upheld complaints stand (one sold before), the reversed one is put back; the
    # proactive takedown stands, never sold. 2 of 3 before any order.
    removals = figures.removals
    assert removals.complaint.as_dict() == {"removals": 2, "before_any_order": 1, "percent": 50.0, "reinstated": 1}
    assert removals.proactive.as_dict() == {"removals": 1, "before_any_order": 1, "percent": 100.0, "reinstated": 0}
    assert "66.7% of removals before any order" in text

    # Speed: the service-level report's own figures, unchanged.
    report = service_level_report(days=30, now=NOW)
    assert report.overall.counted > 0 and report.time_to_decision.median_hours is not None
    assert f"{report.overall.percent:.1f}% handled within 24 hours" in text
    assert f"{report.time_to_decision.median_hours:.1f} h median time to decision" in text


def test_query_count_does_not_grow_with_the_data(client, world, django_assert_max_num_queries):
    world.upheld_by_default(T0)
    with CaptureQueriesContext(connection) as small:
        assert _page(client).status_code == 200

    world.build()
    with CaptureQueriesContext(connection) as large:
        assert _page(client).status_code == 200

    assert len(large) == len(small)
    assert len(large) <= 12


def test_the_figures_are_cached_for_a_short_while(client, world, settings):
    from django.core.cache import cache

    settings.TRANSPARENCY_CACHE_SECONDS = 300
    cache.delete("transparency:v1:30")
    world.upheld_by_default(NOW - timedelta(days=2))
    first = _page(client)
    world.filed(NOW - timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        second = _page(client)
    cache.delete("transparency:v1:30")

    assert first.status_code == second.status_code == 200
    assert len(queries) <= 2  # the session and nothing of the figures
    # The notice filed since is not in the figures yet.
    assert _row(second.content.decode(), "all")[:2] == [1, 1]


def test_an_empty_period_and_a_wrong_period(client, db):
    response = _page(client, days=365)
    assert response.status_code == 200
    assert "No notice was filed in this period." in response.content.decode()

    wrong = _page(client, days=7)
    assert wrong.status_code == 400
    assert "choose one of those" in wrong.content.decode()
