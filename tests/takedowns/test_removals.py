"""Removals by source: proactive screening against complaints, and the share removed before any order.

A world built through the real verbs: fast-track takedowns (partner-vetted complaints, and the same
path with the proactive channel, as the screening pipeline files them), standard-track upholds,
reversals, withdrawals, and orders on each side of every takedown instant.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind, RightsHolder
from takedowns import lifecycle
from takedowns.models import Channel, ItemEvent, Notice, NoticeItem
from takedowns.proactive import ProactiveFinding, proactive_notices_file
from takedowns.removals import COMPLAINT, PROACTIVE, removals_by_source
from tests import factories
from tests.takedowns.conftest import draft, file_notice, run_on_commit

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
SINCE, NOW = T0 - 24 * H, T0 + 30 * 24 * H


@pytest.fixture
def partner(brand_a):
    org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    partner = Partner.objects.create(organisation=org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    partner.user = factories.member_of(org)
    return partner


@pytest.fixture
def senior_reviewer(db):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name="senior_reviewer"))
    return user


@pytest.fixture
def world(partner, owner_a, brand_a, store):
    asset = factories.IPAssetFactory(rights_holder=brand_a, name="ACME")
    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Marketplace Operations")
    Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    RightsHolder.objects.filter(pk=brand_a.pk).update(proactive_enforcement=True)

    class World:
        def taken_down(self, at, *, channel=Channel.API):
            """A fast-track takedown at ``at``: the listing comes down when the notice is accepted."""
            listing = factories.ListingFactory(store=store)
            (item,) = file_notice(
                partner.user, brand_a, [draft(listing, asset)], partner=partner, channel=channel, now=at
            ).accepted
            assert item.track == "fast" and item.took_down_listing
            assert ItemEvent.objects.get(item=item, action="fast_tracked").at == at
            return item

        def queued(self, at, *, channel=Channel.WEB):
            """A standard-track item waiting for review from ``at``: the listing stays up."""
            listing = factories.ListingFactory(store=store)
            (item,) = file_notice(owner_a, brand_a, [draft(listing, asset)], now=at).accepted
            assert item.track == "standard" and not item.took_down_listing
            # Only the platform files on the proactive channel, and always on the fast track: a proactive
            # item waiting for review is a state the figures must still get right, so it is set directly.
            Notice.objects.filter(pk=item.notice_id).update(channel=channel)
            return item

        def proactive(self, at):
            """A takedown the platform filed from its own screening (takedowns.proactive), at ``at``."""
            listing = factories.ListingFactory(store=store)
            finding = ProactiveFinding(
                listing_id=listing.pk,
                asset_id=asset.pk,
                score=0.97,
                evidence=["replica"],
                reference=f"scr_{listing.pk}",
            )
            (outcome,) = proactive_notices_file([finding], now=at)
            assert outcome.filed, outcome.refusal
            item = NoticeItem.objects.get(pk=outcome.item_id)
            assert item.track == "fast" and item.took_down_listing and item.notice.channel == Channel.PROACTIVE
            assert ItemEvent.objects.get(item=item, action="fast_tracked").at == at
            return item

    return World()


@pytest.fixture
def store(db):
    org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT)
    return factories.StoreFactory(merchant=factories.MerchantFactory(organisation=org))


def order(item, at):
    factories.OrderFactory(listing=item.listing, ordered_at=at)


def uphold(item, reviewer, accepted_at, upheld_at):
    run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer, now=accepted_at)
    run_on_commit(lifecycle.notice_item_uphold_by_default, item_id=item.pk, now=upheld_at)


def test_proactive_removals_before_any_order_on_each_side_of_the_takedown_instant(world):
    never_sold = world.proactive(T0)
    sold_before = world.proactive(T0)
    order(sold_before, T0 - H)
    # An order at the very instant the listing came down is a sale before the removal: never flattering.
    sold_at_the_instant = world.proactive(T0)
    order(sold_at_the_instant, T0)
    sold_after = world.proactive(T0)
    order(sold_after, T0 + timedelta(microseconds=1))
    order(never_sold, NOW + H)  # after the period: changes nothing

    figures = removals_by_source(since=SINCE, now=NOW)

    assert figures.proactive.as_dict() == {"removals": 4, "before_any_order": 2, "percent": 50.0, "reinstated": 0}
    assert figures.complaint.removals == 0
    assert figures.by_track["fast"].removals == 4
    # No complaint removal to compare with: no ratio rather than a division by zero.
    assert figures.proactive_per_complaint is None


def test_complaints_and_proactive_counted_apart_with_their_ratio(world, reviewer):
    for _ in range(3):
        world.proactive(T0)
    complaint_fast = world.taken_down(T0)  # a partner-vetted complaint, fast track
    order(complaint_fast, T0 - H)
    # Standard track: the takedown is the uphold, so a sale while the complaint waited counts against it.
    complaint_standard = world.queued(T0)
    order(complaint_standard, T0 + 2 * H)
    uphold(complaint_standard, reviewer, T0 + 3 * H, T0 + 80 * H)
    # Rejected: never taken down, counted nowhere.
    rejected = world.queued(T0, channel=Channel.PROACTIVE)
    run_on_commit(lifecycle.notice_item_reject, item_id=rejected.pk, actor=reviewer, reason="Genuine.", now=T0 + H)
    # Waiting for review: the listing is still up.
    world.queued(T0)

    figures = removals_by_source(since=SINCE, now=NOW)

    assert figures.by_source[PROACTIVE].as_dict() == {
        "removals": 3,
        "before_any_order": 3,
        "percent": 100.0,
        "reinstated": 0,
    }
    assert figures.by_source[COMPLAINT].as_dict() == {
        "removals": 2,
        "before_any_order": 0,
        "percent": 0.0,
        "reinstated": 0,
    }
    assert figures.proactive_per_complaint == 1.5
    assert figures.total.removals == 5 and figures.total.before_any_order == 3
    assert figures.by_track["standard"].removals == 1
    assert [label for label, _ in figures.source_rows] == ["Proactive screening", "Complaints from rights holders"]
    assert figures.as_dict()["by_source"]["proactive"]["removals"] == 3


def test_takedowns_undone_are_counted_as_put_back_not_as_removals(world, owner_a, reviewer, senior_reviewer):
    withdrawn = world.proactive(T0)  # the brand withdraws what the platform filed for it
    run_on_commit(lifecycle.notice_item_withdraw, item_id=withdrawn.pk, actor=owner_a, now=T0 + H)
    audit_reversed = world.proactive(T0)
    run_on_commit(
        lifecycle.notice_item_audit_reverse,
        item_id=audit_reversed.pk,
        actor=reviewer,
        reason="The goods are genuine.",
        now=T0 + 2 * H,
    )
    standing = world.proactive(T0)
    appeal_reversed = world.queued(T0)
    uphold(appeal_reversed, reviewer, T0 + H, T0 + 80 * H)
    run_on_commit(
        lifecycle.notice_item_reverse,
        item_id=appeal_reversed.pk,
        actor=senior_reviewer,
        reason="Genuine.",
        appeal_id=None,
        now=T0 + 100 * H,
    )

    figures = removals_by_source(since=SINCE, now=NOW)

    assert figures.proactive.as_dict() == {"removals": 1, "before_any_order": 1, "percent": 100.0, "reinstated": 2}
    assert figures.complaint.as_dict() == {"removals": 0, "before_any_order": 0, "percent": None, "reinstated": 1}
    # As of earlier instants, what had not been undone yet still stood.
    before_any_undoing = removals_by_source(since=SINCE, now=T0 + H / 2)
    assert before_any_undoing.proactive.removals == 3 and before_any_undoing.proactive.reinstated == 0
    before_the_appeal = removals_by_source(since=SINCE, now=T0 + 90 * H)
    assert before_the_appeal.complaint.as_dict()["removals"] == 1
    assert before_the_appeal.proactive.reinstated == 2
    assert standing.listing.orders.count() == 0


def test_a_takedown_restored_on_appeal_is_measured_from_when_it_came_down_again(world, reviewer, senior_reviewer):
    item = world.queued(T0)
    uphold(item, reviewer, T0 + H, T0 + 80 * H)
    reverse = {"item_id": item.pk, "reason": "Reviewed on appeal.", "appeal_id": None}
    run_on_commit(lifecycle.notice_item_reverse, **reverse, actor=senior_reviewer, now=T0 + 100 * H)
    # Sold while it was back up, then taken down again by a second reversal (another senior reviewer's).
    order(item, T0 + 110 * H)
    second_senior = factories.UserFactory()
    second_senior.groups.add(Group.objects.get(name="senior_reviewer"))
    run_on_commit(lifecycle.notice_item_reverse, **reverse, actor=second_senior, now=T0 + 120 * H)
    assert item.events.filter(to_status="upheld").count() == 2

    figures = removals_by_source(since=SINCE, now=NOW)

    assert figures.complaint.as_dict() == {"removals": 1, "before_any_order": 0, "percent": 0.0, "reinstated": 0}


def test_the_period_is_half_open_over_the_first_takedown(world, reviewer):
    world.proactive(SINCE - timedelta(microseconds=1))  # before the period
    world.proactive(SINCE)  # its first instant: in
    world.proactive(NOW - timedelta(microseconds=1))  # in
    world.proactive(NOW)  # the end is not in it
    # Fast-tracked before the period, upheld inside it: the first takedown decides, so it is out.
    early = world.taken_down(SINCE - H)
    run_on_commit(lifecycle.notice_item_uphold_by_default, item_id=early.pk, now=SINCE + 80 * H)

    figures = removals_by_source(since=SINCE, now=NOW)

    assert figures.proactive.removals == 2
    assert figures.complaint.removals == 0


def test_one_query_however_many_items(world, reviewer, django_assert_num_queries):
    for index in range(6):
        item = world.proactive(T0 + index * H)
        order(item, T0 + 3 * H)  # after the first three came down, at or before the other three
    uphold(world.queued(T0), reviewer, T0 + H, T0 + 80 * H)

    with django_assert_num_queries(1):
        figures = removals_by_source(since=SINCE, now=NOW)
        figures.as_dict()

    assert figures.proactive.removals == 6 and figures.proactive.before_any_order == 3


# --- The public register ------------------------------------------------------------------


def _cells(body):
    """The figures table's rows as {row header: [cell texts]}."""
    table = body[body.index('aria-labelledby="removals-heading"') :]
    table = table[: table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if header:
            rows[header.group(1).strip()] = [
                re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            ]
    return rows


def test_public_register_shows_removals_by_source_to_anyone(client, world, django_assert_num_queries):
    now = datetime.now(UTC)
    for index in range(4):
        item = world.proactive(now - (index + 1) * H)
        if index == 0:
            order(item, now - 2 * H)  # sold before it came down
    world.taken_down(now - 3 * H)
    world.proactive(now - 40 * 24 * H)  # in the year, not in the month

    with django_assert_num_queries(2):  # the figures, the count of closed stores (none: no page to read)
        response = client.get("/register/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Listings removed in the last 365 days" in body
    assert _cells(body) == {
        "Proactive screening": ["5", "4", "80.0%", "0"],
        "Complaints from rights holders": ["1", "1", "100.0%", "0"],
        "All sources": ["6", "5", "83.3%", "0"],
    }
    assert "removed 5 listings for every listing removed on a complaint" in body
    assert "How these figures are counted" in body and "An order placed at that very moment counts as a sale" in body

    month = client.get("/register/", {"days": "30"}).content.decode()
    assert "Listings removed in the last 30 days" in month
    assert _cells(month)["Proactive screening"] == ["4", "3", "75.0%", "0"]
    assert 'href="?days=30" aria-current="page"' in month


@pytest.mark.parametrize("days", ["7", "lots", "-30", "٣٠", ""])
def test_public_register_refuses_another_period_with_the_choices(client, db, days):
    response = client.get("/register/", {"days": days})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The figures cover the last 30 or 365 days" in body
    assert "Listings removed in the last 365 days" in body  # the page still shows the default period


def test_public_register_without_any_removal_says_so(client, db):
    body = client.get("/register/").content.decode()
    assert "Nothing was removed in this period." in body
    assert _cells(body)["All sources"] == ["0", "0", "-", "0"]
