"""The service level report: every queue entry measured against its due time, through the real verbs."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from good_faith.audits import quality_audit_decide
from good_faith.models import QualityAudit
from good_faith.service_level.figures import percentile_cont
from good_faith.service_level.report import service_level_report
from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind, RightsHolder
from takedowns import appeals, lifecycle
from takedowns.models import NoticeItem
from takedowns.proactive import ProactiveFinding, proactive_notices_file
from tests import factories
from tests.takedowns.conftest import draft, file_notice, run_on_commit

# A Monday, so day and ISO week boundaries are easy to read.
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
COUNTER_NOTICE = {
    "statement": "These are genuine goods bought from the brand's distributor.",
    "signature": "Sam Seller",
    "accuracy_statement": True,
    "contact_name": "Sam Seller",
    "contact_address": "2 Market Road, Yiwu",
    "contact_phone": "+86 579 0000 0000",
    "contact_email": "sam@seller.test",
}


@pytest.fixture
def asset_a(brand_a):
    return factories.IPAssetFactory(rights_holder=brand_a, name="ACME")


@pytest.fixture
def store(db):
    org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Shady Goods Ltd")
    store = factories.StoreFactory(merchant=factories.MerchantFactory(organisation=org))
    store.owner = factories.member_of(org, role="owner")
    return store


@pytest.fixture
def merchant_user(store):
    return store.owner


@pytest.fixture
def senior_reviewer(db):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name="senior_reviewer"))
    return user


@pytest.fixture
def queue_item(owner_a, brand_a, asset_a, store):
    """File one standard-track item at ``at``: it enters the review queue then."""

    def make(at):
        listing = factories.ListingFactory(store=store)
        (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)], now=at).accepted
        return item

    return make


@pytest.fixture
def partner(brand_a, settings):
    # No random quality audits unless a test asks for them: they would join the queue.
    settings.GOOD_FAITH_AUDIT_PERCENT = 0
    org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    partner = Partner.objects.create(organisation=org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    partner.user = factories.member_of(org)
    return partner


@pytest.fixture
def fast_item(partner, brand_a, asset_a, store):
    """A partner-vetted item: the listing comes down when the notice is accepted at ``at``."""

    def make(at, listing=None):
        listing = listing or factories.ListingFactory(store=store)
        (item,) = file_notice(partner.user, brand_a, [draft(listing, asset_a)], partner=partner, now=at).accepted
        assert item.track == "fast" and item.took_down_listing
        return item

    return make


def _accept(item, reviewer, at):
    return run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer, now=at)


def _reject(item, reviewer, at):
    return run_on_commit(lifecycle.notice_item_reject, item_id=item.pk, actor=reviewer, reason="No proof.", now=at)


# --- Within 24 hours or not ------------------------------------------------------------


def test_an_item_decided_after_23_hours_is_within_and_after_25_hours_is_not(queue_item, reviewer):
    _accept(queue_item(T0), reviewer, T0 + 23 * H)
    _reject(queue_item(T0), reviewer, T0 + 25 * H)

    report = service_level_report(days=7, now=T0 + 48 * H)

    assert (report.overall.counted, report.overall.within, report.overall.percent) == (2, 1, 50.0)
    assert report.by_kind["review"].as_dict() == {"counted": 2, "within": 1, "percent": 50.0}
    assert report.by_track["standard"].counted == 2 and report.by_track["fast"].counted == 0
    assert report.time_to_decision.decided == 2
    assert report.time_to_decision.median_hours == 24.0
    assert not report.meets_target


def test_decided_exactly_at_the_due_time_is_within(queue_item, reviewer):
    _accept(queue_item(T0), reviewer, T0 + 24 * H)
    assert service_level_report(days=7, now=T0 + 48 * H).overall.within == 1


def test_still_waiting_counts_as_a_miss_only_once_it_is_overdue(queue_item):
    queue_item(T0)

    inside = service_level_report(days=7, now=T0 + 23 * H)
    assert inside.overall.counted == 0
    assert (inside.waiting["review"], inside.overdue["review"]) == (1, 0)

    late = service_level_report(days=7, now=T0 + 25 * H)
    assert (late.overall.counted, late.overall.within) == (1, 0)
    assert (late.waiting_total, late.overdue_total) == (1, 1)
    # Nothing was decided: no time to decision yet.
    assert late.time_to_decision.decided == 0 and late.time_to_decision.median_hours is None


def test_a_decision_after_the_report_instant_is_not_seen(queue_item, reviewer):
    _accept(queue_item(T0), reviewer, T0 + 30 * H)
    report = service_level_report(days=7, now=T0 + 26 * H)
    assert (report.overall.counted, report.overall.within, report.time_to_decision.decided) == (1, 0, 0)


def test_withdrawn_while_waiting_is_not_counted_in_time_and_is_a_miss_when_late(queue_item, owner_a):
    early, late = queue_item(T0), queue_item(T0)
    run_on_commit(lifecycle.notice_item_withdraw, item_id=early.pk, actor=owner_a, now=T0 + 2 * H)
    run_on_commit(lifecycle.notice_item_withdraw, item_id=late.pk, actor=owner_a, now=T0 + 30 * H)

    report = service_level_report(days=7, now=T0 + 48 * H)

    assert (report.overall.counted, report.overall.within) == (1, 0)
    assert report.time_to_decision.decided == 0


def test_adjudication_is_measured_from_the_reply(queue_item, reviewer, merchant_user, owner_a):
    item = _accept(queue_item(T0), reviewer, T0 + H)
    run_on_commit(
        lifecycle.notice_item_counter_notice,
        item_id=item.pk,
        actor=merchant_user,
        counter_notice_fields=dict(COUNTER_NOTICE),
        now=T0 + 10 * H,
    )
    run_on_commit(lifecycle.notice_item_reply, item_id=item.pk, actor=owner_a, statement="Forged.", now=T0 + 20 * H)
    run_on_commit(lifecycle.notice_item_uphold, item_id=item.pk, actor=reviewer, reason="Fake.", now=T0 + 43 * H)

    report = service_level_report(days=7, now=T0 + 72 * H)

    assert report.by_kind["review"].as_dict() == {"counted": 1, "within": 1, "percent": 100.0}
    # Entered at +20 h, decided at +43 h: 23 hours, within.
    assert report.by_kind["adjudication"].as_dict() == {"counted": 1, "within": 1, "percent": 100.0}
    assert report.time_to_decision.decided == 2


# --- The fast track, audits and appeals -------------------------------------------------


def test_a_fast_track_takedown_is_handled_at_once(fast_item):
    fast_item(T0)

    report = service_level_report(days=7, now=T0 + H)

    assert report.by_kind["fast_track"].as_dict() == {"counted": 1, "within": 1, "percent": 100.0}
    assert report.by_track["fast"].within == 1 and report.by_track["standard"].counted == 0
    assert report.time_to_decision_by_track["fast"].median_hours == 0.0
    assert report.meets_target


def test_quality_audits_and_appeals_are_measured_from_their_due_time(
    fast_item, queue_item, reviewer, senior_reviewer, owner_a, settings
):
    settings.GOOD_FAITH_AUDIT_PERCENT = 100  # every fast-track takedown is drawn in its routing transaction
    audit = QualityAudit.objects.get(item=fast_item(T0))
    assert audit.due_at == T0 + 24 * H
    quality_audit_decide(audit_id=audit.pk, actor=reviewer, reverse=False, reason="Clearly fake.", now=T0 + 26 * H)

    rejected = _reject(queue_item(T0), reviewer, T0 + 2 * H)
    appeal = appeals.appeal_file(item_id=rejected.pk, actor=owner_a, statement="Here is the proof.", now=T0 + 3 * H)
    run_on_commit(
        appeals.appeal_decide,
        appeal_id=appeal.pk,
        actor=senior_reviewer,
        reverse=False,
        reason="Still no proof.",
        now=T0 + 5 * H,
    )

    report = service_level_report(days=7, now=T0 + 48 * H)

    assert report.by_kind["audit"].as_dict() == {"counted": 1, "within": 0, "percent": 0.0}
    assert report.by_kind["appeal"].as_dict() == {"counted": 1, "within": 1, "percent": 100.0}
    # fast track + audit on the fast track; review + appeal on the standard track.
    assert report.by_track["fast"].as_dict() == {"counted": 2, "within": 1, "percent": 50.0}
    assert report.by_track["standard"].as_dict() == {"counted": 2, "within": 2, "percent": 100.0}


# --- By day and week; percentiles ----------------------------------------------------------


def test_shares_by_day_and_iso_week(queue_item, reviewer):
    _accept(queue_item(T0), reviewer, T0 + H)  # Monday 3 March, week 10
    _accept(queue_item(T0 + 24 * H), reviewer, T0 + 50 * H)  # Tuesday 4 March: 26 h, a miss
    _accept(queue_item(T0 + 7 * 24 * H), reviewer, T0 + 7 * 24 * H + H)  # Monday 10 March, week 11

    report = service_level_report(days=14, now=T0 + 9 * 24 * H)

    assert [(d.isoformat(), s.counted, s.within) for d, s in report.by_day] == [
        ("2025-03-03", 1, 1),
        ("2025-03-04", 1, 0),
        ("2025-03-10", 1, 1),
    ]
    assert [(w, s.counted, s.within) for w, s in report.by_week] == [("2025-W10", 2, 1), ("2025-W11", 1, 1)]


def test_entries_before_the_window_are_left_out(queue_item, reviewer):
    _accept(queue_item(T0), reviewer, T0 + H)
    _accept(queue_item(T0 + 10 * 24 * H), reviewer, T0 + 10 * 24 * H + H)
    report = service_level_report(days=3, now=T0 + 11 * 24 * H)
    assert report.overall.counted == 1
    assert [d.isoformat() for d, _ in report.by_day] == ["2025-03-13"]


def test_median_and_95th_percentile_on_a_known_set(queue_item, reviewer):
    for hours in (1, 2, 3, 4, 5):
        _accept(queue_item(T0), reviewer, T0 + hours * H)

    report = service_level_report(days=7, now=T0 + 48 * H)

    # percentile_cont: the 95th of five is 80% of the way from the 4th to the 5th.
    assert report.time_to_decision.median_hours == 3.0
    assert report.time_to_decision.p95_hours == 4.8
    assert report.time_to_decision_by_track["standard"].p95_hours == 4.8


def test_percentile_cont_interpolates_like_postgresql():
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([7.0], 0.95) == 7.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile_cont([0.0, 10.0], 0.95) == pytest.approx(9.5)


# --- Removed before a single sale ----------------------------------------------------------


def test_takedowns_before_any_order_and_after_one(fast_item, queue_item, reviewer, store):
    unsold, sold = factories.ListingFactory(store=store), factories.ListingFactory(store=store)
    factories.OrderFactory(listing=sold, ordered_at=T0 - H)
    fast_item(T0, listing=unsold)
    fast_item(T0, listing=sold)
    # An order after the takedown does not count against it.
    factories.OrderFactory(listing=unsold, ordered_at=T0 + H)

    # Standard track: the takedown is the uphold; a sale while the item waited counts.
    standard = queue_item(T0)
    factories.OrderFactory(listing=standard.listing, ordered_at=T0 + 2 * H)
    _accept(standard, reviewer, T0 + 3 * H)
    with time_machine.travel(T0 + 80 * H, tick=False):
        lifecycle.notice_item_uphold_by_default(item_id=standard.pk)
    # Rejected: never taken down, not counted.
    _reject(queue_item(T0), reviewer, T0 + H)

    report = service_level_report(days=7, now=T0 + 96 * H)

    assert report.before_sale.as_dict() == {"removals": 3, "before_any_order": 1, "percent": 33.33, "reinstated": 0}
    assert report.before_sale_by_track["fast"].as_dict() == {
        "removals": 2,
        "before_any_order": 1,
        "percent": 50.0,
        "reinstated": 0,
    }
    assert report.before_sale_by_track["standard"].removals == 1
    assert report.before_sale_by_track["standard"].before_any_order == 0


def test_a_number_of_days_out_of_range_is_refused():
    for days in (0, -1, 367, "7"):
        with pytest.raises(ValueError, match="1 to 366 days"):
            service_level_report(days=days)


# --- The command --------------------------------------------------------------------------


def _recent(queue_item, reviewer):
    now = datetime.now(UTC)
    _accept(queue_item(now - 30 * H), reviewer, now - 29 * H)
    _accept(queue_item(now - 30 * H), reviewer, now - 2 * H)


def test_command_prints_a_readable_table(queue_item, reviewer):
    _recent(queue_item, reviewer)
    out = StringIO()
    call_command("service_level_report", "--days", "3", stdout=out)
    text = out.getvalue()
    assert "Service level, last 3 days" in text
    assert "Handled within 24 hours: 1 of 2 (50.0%)" in text
    assert "target: above 99%" in text and "below target" in text
    assert "standard" in text and "Removed before a single sale" in text


def test_command_json_has_the_same_figures(queue_item, reviewer):
    _recent(queue_item, reviewer)
    out = StringIO()
    call_command("service_level_report", "--days", "3", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["days"] == 3
    assert data["handled_within_sla"] == {"counted": 2, "within": 1, "percent": 50.0}
    assert data["by_track"]["standard"]["counted"] == 2
    assert data["by_queue"]["review"]["within"] == 1
    assert data["target_percent"] == 99.0 and data["meets_target"] is False
    assert data["time_to_decision"]["decided"] == 2
    assert set(data["removed_before_a_sale"]) >= {"removals", "before_any_order", "percent", "by_track", "by_source"}


@pytest.mark.parametrize("days", ["0", "400", "-3"])
def test_command_refuses_a_bad_number_of_days(db, days):
    with pytest.raises(CommandError, match="1 to 366"):
        call_command("service_level_report", "--days", days, stdout=StringIO())


# --- The staff page -----------------------------------------------------------------------


def test_staff_page_shows_the_report_for_the_days_asked(client, queue_item, reviewer):
    _recent(queue_item, reviewer)
    client.force_login(reviewer)
    response = client.get(reverse("good_faith:service-level"), {"days": "3"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Last 3 days" in body and "50.0%" in body and "above 99%" in body


def test_staff_page_refuses_a_bad_number_of_days(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("good_faith:service-level"), {"days": "lots"})
    assert response.status_code == 400
    assert "1 to 366" in response.content.decode()


def test_staff_page_is_404_for_everyone_else(client, owner_a, merchant_user):
    for user in (owner_a, merchant_user):
        client.force_login(user)
        assert client.get(reverse("good_faith:service-level")).status_code == 404
    client.logout()
    assert client.get(reverse("good_faith:service-level")).status_code == 302


def test_any_platform_role_sees_the_page(client, db):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name="platform_admin"))
    client.force_login(user)
    assert client.get(reverse("good_faith:service-level")).status_code == 200


@pytest.mark.parametrize("days", ["\u00b2", "0", "-3", "7.5", "x"])
def test_the_page_answers_a_bad_number_of_days_with_a_message(client, db, days):
    """Issue 9: "²" passed str.isdigit() and crashed int(): a 500."""
    from tests import factories

    staff = factories.UserFactory()
    staff.groups.add(Group.objects.get(name="reviewer"))
    client.force_login(staff)
    response = client.get(reverse("good_faith:service-level"), {"days": days})
    assert response.status_code == 400
    assert "Days must be a whole number from 1 to" in response.content.decode()


# --- Removals by source ---------------------------------------------------------------------


def test_report_and_page_count_proactive_removals_apart(
    client, fast_item, partner, brand_a, asset_a, store, reviewer, django_assert_num_queries
):
    now = datetime.now(UTC)

    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Marketplace Operations")
    Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    RightsHolder.objects.filter(pk=brand_a.pk).update(proactive_enforcement=True)

    def proactive(at):
        """A notice the platform files from its own screening, through the engine's one path for them."""
        listing = factories.ListingFactory(store=store)
        finding = ProactiveFinding(
            listing_id=listing.pk, asset_id=asset_a.pk, score=0.97, evidence=["replica"], reference=f"scr_{listing.pk}"
        )
        (outcome,) = proactive_notices_file([finding], now=at)
        assert outcome.filed, outcome.refusal
        return NoticeItem.objects.get(pk=outcome.item_id)

    sold = proactive(now - 5 * H)
    factories.OrderFactory(listing=sold.listing, ordered_at=now - 6 * H)
    fast_item(now - 4 * H)  # a complaint (partner-vetted), fast track
    client.force_login(reviewer)
    # Session, user (with its roles and unread notifications: portal.authentication); the queue entries'
    # figures in one statement; what waits (3); the removals by source. SQLite reads the times to decision in
    # one more (it has no percentile_cont).
    # (+1: the session's second factor, django-otp's device.)
    page_queries = 8 if connection.vendor == "postgresql" else 9
    # Pinned once the figures have rows: adding more takedowns of either source adds no query.
    with django_assert_num_queries(page_queries):
        client.get(reverse("good_faith:service-level"), {"days": "3"})
    for hours in (3, 2):
        proactive(now - hours * H)

    with django_assert_num_queries(page_queries):
        response = client.get(reverse("good_faith:service-level"), {"days": "3"})

    report = service_level_report(days=3)
    assert report.removals.proactive.as_dict() == {
        "removals": 3,
        "before_any_order": 2,
        "percent": 66.67,
        "reinstated": 0,
    }
    assert report.removals.complaint.removals == 1 and report.removals.proactive_per_complaint == 3.0
    assert report.as_dict()["removed_before_a_sale"]["by_source"]["proactive"]["before_any_order"] == 2
    body = response.content.decode()
    assert "Removals by source" in body
    assert '<th scope="row">Proactive screening</th>' in body and "66.7%" in body
    assert "removed 3 listings for every listing removed on a complaint" in body
    out = StringIO()
    call_command("service_level_report", "--days", "3", stdout=out)
    assert "proactive screening 2 of 3 removals (66.7%)" in out.getvalue()
    assert "proactive per complaint removal: 3." in out.getvalue()
