"""Membership: eligibility at every threshold, the nightly rules, overrides, changes and notifications.

Most tests build decided items with ``decided_items`` (final states written
directly; a fixture shortcut for record arithmetic only, see
``test_records.py``). ``test_items_decided_through_the_lifecycle_enrol_the_holder``
produces them through the real lifecycle verbs.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone

from good_faith.membership import (
    membership_eligibility,
    membership_grant,
    membership_override_lift,
    membership_revoke,
    memberships_evaluate,
)
from good_faith.models import ManualOverride, Membership, MembershipChange, MembershipStatus
from good_faith.records import TrackRecord
from good_faith.selectors import membership_active_for, partner_privilege_active
from portal.models import AuditLogEntry, OrganisationKind
from rights_holders.models import Partner, VerificationStatus
from takedowns.models import Notification
from tests import factories
from tests.good_faith.test_records import decided_items

pytestmark = pytest.mark.django_db


def record(decided, upheld, counter_notices=0):
    return TrackRecord(decided=decided, upheld=upheld, dismissed_after_counter_notice=counter_notices)


def eligible(rec, *, asset=True, strikes=0):
    return membership_eligibility(rec, has_verified_asset=asset, misuse_strikes=strikes)


# --- Eligibility at each threshold ------------------------------------------


def test_exactly_twenty_decided_items_qualify():
    assert eligible(record(20, 20)) == (True, [])


def test_nineteen_decided_items_are_one_short():
    assert eligible(record(19, 19)) == (False, ["1 more decided item needed (19 of 20)"])


def test_exactly_95_percent_upheld_qualifies():
    assert eligible(record(20, 19)) == (True, [])


def test_just_below_95_percent_upheld_does_not_and_says_by_how_much():
    ok, shortfalls = eligible(record(2000, 1899))  # 94.95%
    assert not ok
    assert shortfalls == ["upheld 94.9% of 95% needed"]


def test_exactly_5_percent_successful_counter_notices_qualifies(settings):
    # With the default 95% upheld bar a 5%+ counter-notice share already fails the upheld bar;
    # lower it to see the counter-notice bar on its own.
    settings.GOOD_FAITH_MIN_UPHELD_PERCENT = 90
    assert eligible(record(100, 95, counter_notices=5)) == (True, [])


def test_just_above_5_percent_successful_counter_notices_does_not(settings):
    settings.GOOD_FAITH_MIN_UPHELD_PERCENT = 90
    ok, shortfalls = eligible(record(1999, 1899, counter_notices=100))  # 5.003%
    assert not ok
    assert shortfalls == ["successful counter-notices 5.1%, at most 5% allowed"]


def test_a_misuse_strike_disqualifies():
    assert eligible(record(50, 50), strikes=1) == (
        False,
        ["1 misuse strike (manifestly unfounded notices and misuse measures) in the last 180 days; none allowed"],
    )


def test_no_verified_asset_disqualifies():
    assert eligible(record(50, 50), asset=False) == (False, ["no verified IP asset"])


def test_an_empty_record_lists_what_is_missing():
    assert eligible(None) == (False, ["20 more decided items needed (0 of 20)"])


# --- The nightly evaluation -------------------------------------------------


@pytest.fixture
def asset_a(brand_a):
    return factories.IPAssetFactory(rights_holder=brand_a)


def evaluate(now=None):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return memberships_evaluate(now=now)


def row(holder, scope=""):
    return Membership.objects.get(rights_holder=holder, infringement_type=scope)


def test_a_qualifying_holder_is_enrolled_with_the_figures_and_told(brand_a, asset_a, owner_a):
    decided_items(brand_a, 20)
    principal = factories.api_principal_of(brand_a.organisation)  # told nothing: no person

    summary = evaluate()

    membership = row(brand_a)
    assert membership.status == MembershipStatus.MEMBER
    assert membership.is_active
    change = MembershipChange.objects.get(membership=membership)
    assert (change.cause, change.from_status, change.to_status) == ("nightly", "", "member")
    assert change.figures["decided"] == 20
    assert change.figures["upheld"] == 20
    assert change.figures["qualifies"] is True
    assert summary["enrolled"] >= 1
    note = Notification.objects.get(recipient=owner_a)
    assert "now a member" in note.body
    assert note.url == f"/good-faith/holders/{brand_a.pk}/"
    assert not Notification.objects.filter(recipient=principal).exists()
    assert [m.to for m in mail.outbox] == [[owner_a.email]]
    assert AuditLogEntry.objects.filter(action="good_faith.membership.member", object_id=str(membership.pk)).exists()


def test_running_the_night_twice_changes_nothing_the_second_time(brand_a, asset_a, owner_a):
    decided_items(brand_a, 20)
    evaluate()
    evaluate()

    assert MembershipChange.objects.count() == 2  # overall and counterfeit, once each
    assert Notification.objects.filter(recipient=owner_a).count() == 1


def test_member_for_counterfeits_not_for_patents(brand_a, asset_a):
    decided_items(brand_a, 20, infringement_type="counterfeit")
    decided_items(brand_a, 10, infringement_type="patent")
    decided_items(brand_a, 10, infringement_type="patent", status="rejected")

    evaluate()

    assert row(brand_a, "counterfeit").status == MembershipStatus.MEMBER
    assert row(brand_a, "patent").status == MembershipStatus.NOT_MEMBER
    assert row(brand_a).status == MembershipStatus.NOT_MEMBER  # 30 of 40 overall
    assert membership_active_for(rights_holder_id=brand_a.pk, infringement_type="counterfeit") == row(
        brand_a, "counterfeit"
    )
    assert membership_active_for(rights_holder_id=brand_a.pk, infringement_type="patent") is None


def test_a_type_judged_on_its_own_items_is_not_covered_by_the_overall_membership(brand_a, asset_a):
    decided_items(brand_a, 200, infringement_type="counterfeit")
    decided_items(brand_a, 10, infringement_type="patent")
    decided_items(brand_a, 10, infringement_type="patent", status="rejected")

    evaluate()

    assert row(brand_a).status == MembershipStatus.MEMBER  # 210 of 220 = 95.5%
    assert membership_active_for(rights_holder_id=brand_a.pk, infringement_type="patent") is None
    # Too few copyright items to judge: the overall record decides.
    assert membership_active_for(rights_holder_id=brand_a.pk, infringement_type="copyright") == row(brand_a)


def test_items_decided_before_the_window_do_not_count(brand_a, asset_a, settings):
    now = timezone.now()
    decided_items(brand_a, 19, decided_at=now - timedelta(days=10))
    decided_items(brand_a, 5, decided_at=now - timedelta(days=settings.GOOD_FAITH_WINDOW_DAYS + 1))

    evaluate(now)

    assert not Membership.objects.filter(rights_holder=brand_a).exists()


def test_a_holder_without_a_verified_asset_is_not_enrolled(brand_a):
    asset = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    decided_items(brand_a, 20, asset=asset)

    evaluate()

    assert row(brand_a).status == MembershipStatus.NOT_MEMBER
    assert "no verified IP asset" in row(brand_a).last_figures["shortfalls"]


def test_a_manifestly_unfounded_rejection_of_any_type_blocks_every_scope(brand_a, asset_a):
    decided_items(brand_a, 40, infringement_type="counterfeit")
    decided_items(brand_a, 1, infringement_type="patent", status="rejected", manifestly_unfounded=True)

    evaluate()

    assert row(brand_a).status == MembershipStatus.NOT_MEMBER
    assert row(brand_a, "counterfeit").status == MembershipStatus.NOT_MEMBER


def test_a_member_that_falls_out_waits_the_cooling_off_period(brand_a, asset_a, owner_a, settings):
    now = timezone.now()
    decided_items(brand_a, 20, decided_at=now - timedelta(days=1))
    evaluate(now)
    # The record turns bad: 20 of 24 upheld.
    decided_items(brand_a, 4, status="rejected", decided_at=now)
    later = now + timedelta(days=1)

    evaluate(later)

    membership = row(brand_a)
    assert membership.status == MembershipStatus.SUSPENDED
    assert membership.cooling_off_until == later + timedelta(days=settings.GOOD_FAITH_COOLING_OFF_DAYS)
    change = membership.changes.last()
    assert (change.from_status, change.to_status) == ("member", "suspended")
    assert change.figures["upheld"] == 20 and change.figures["decided"] == 24
    assert "upheld 83.3% of 95% needed" in change.reason
    assert "suspended" in Notification.objects.filter(recipient=owner_a).order_by("-id")[0].body

    # The record recovers at once (80 more upheld: 100 of 104 = 96%), but the cooling-off holds.
    decided_items(brand_a, 80, decided_at=later)
    evaluate(later + timedelta(days=settings.GOOD_FAITH_COOLING_OFF_DAYS - 1))
    assert row(brand_a).status == MembershipStatus.SUSPENDED
    assert row(brand_a).last_figures["qualifies"] is True

    evaluate(later + timedelta(days=settings.GOOD_FAITH_COOLING_OFF_DAYS))
    assert row(brand_a).status == MembershipStatus.MEMBER
    assert row(brand_a).cooling_off_until is None


# --- Staff overrides --------------------------------------------------------


@pytest.fixture
def staff(reviewer):
    return reviewer


def test_a_revocation_holds_across_runs_until_lifted(brand_a, asset_a, owner_a, staff):
    decided_items(brand_a, 20)
    evaluate()
    with TestCase.captureOnCommitCallbacks(execute=True):
        membership_revoke(rights_holder_id=brand_a.pk, actor=staff, reason="Complaint pattern under review.")

    evaluate()
    evaluate()

    membership = row(brand_a)
    assert membership.override == ManualOverride.REVOKED
    assert not membership.is_active
    assert membership.status == MembershipStatus.SUSPENDED
    assert membership.last_figures["qualifies"] is True  # the figures are still recorded
    assert membership_active_for(rights_holder_id=brand_a.pk, infringement_type="patent") is None
    assert [c.cause for c in membership.changes.all()] == ["nightly", "revoked"]
    assert "revoked by platform staff" in Notification.objects.filter(recipient=owner_a).order_by("-id")[0].body
    assert AuditLogEntry.objects.filter(action="good_faith.membership.revoked", actor=staff).exists()

    with TestCase.captureOnCommitCallbacks(execute=True):
        membership_override_lift(membership_id=membership.pk, actor=staff, reason="Review closed.")
    evaluate()

    membership = row(brand_a)
    assert membership.override == ManualOverride.NONE
    assert membership.status == MembershipStatus.MEMBER
    assert [c.cause for c in membership.changes.all()] == ["nightly", "revoked", "override_lifted", "nightly"]


def test_a_grant_holds_for_a_holder_that_does_not_qualify_until_lifted(brand_a, asset_a, staff):
    decided_items(brand_a, 3)
    membership_grant(rights_holder_id=brand_a.pk, infringement_type="counterfeit", actor=staff, reason="Pilot brand.")

    evaluate()

    membership = row(brand_a, "counterfeit")
    assert membership.is_active and membership.status == MembershipStatus.MEMBER
    assert membership.last_figures["shortfalls"] == ["17 more decided items needed (3 of 20)"]

    membership_override_lift(membership_id=membership.pk, actor=staff, reason="Pilot over.")
    evaluate()
    membership = row(brand_a, "counterfeit")
    assert membership.status == MembershipStatus.SUSPENDED
    assert membership.cooling_off_until is not None


def test_overrides_need_staff_and_a_reason(brand_a, owner_a, staff):
    with pytest.raises(PermissionDenied):
        membership_grant(rights_holder_id=brand_a.pk, actor=owner_a, reason="Me, please.")
    with pytest.raises(ValidationError):
        membership_grant(rights_holder_id=brand_a.pk, actor=staff, reason="  ")
    assert not Membership.objects.exists()


# --- Partners ---------------------------------------------------------------


@pytest.fixture
def partner(db):
    org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Small Brands Association")
    return Partner.objects.create(organisation=org, kind="association", approved_for_vetting=True)


def test_a_partner_keeps_the_privilege_until_its_record_is_judged_and_loses_it_below_the_bar(brand_a, asset_a, partner):
    decided_items(brand_a, 10, partner=partner)
    evaluate()
    assert partner_privilege_active(partner)  # approved, not judged yet

    decided_items(brand_a, 10, status="dismissed", counter_notice=True, partner=partner)
    evaluate()

    assert not partner_privilege_active(partner)
    assert Membership.objects.get(partner=partner, infringement_type="").last_figures["decided"] == 20


def test_a_partner_member_that_falls_out_is_suspended_and_its_members_told(brand_a, asset_a, partner):
    member = factories.member_of(partner.organisation, role="staff")
    decided_items(brand_a, 20, partner=partner)
    evaluate()
    assert partner_privilege_active(partner)
    decided_items(brand_a, 5, status="rejected", partner=partner)

    evaluate()

    assert Membership.objects.get(partner=partner, infringement_type="").status == MembershipStatus.SUSPENDED
    assert not partner_privilege_active(partner)
    assert "suspended" in Notification.objects.filter(recipient=member).order_by("-id")[0].body


def test_a_partner_not_approved_has_no_privilege(partner):
    partner.approved_for_vetting = False
    assert not partner_privilege_active(partner)


# --- Through the lifecycle --------------------------------------------------


def test_items_decided_through_the_lifecycle_enrol_the_holder(brand_a, owner_a, reviewer, settings):
    """No shortcut: filed with notice_submit, accepted by a reviewer, upheld when the window closes."""
    from takedowns import lifecycle
    from takedowns.models import ItemStatus
    from tests.takedowns.conftest import draft, file_notice

    settings.GOOD_FAITH_MIN_DECIDED = 3
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    listings = [factories.ListingFactory() for _ in range(3)]
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset) for listing in listings])
    items = list(receipt.notice.items.all())
    for item in items:
        if item.status == ItemStatus.PENDING_REVIEW:
            lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    after_window = timezone.now() + timedelta(hours=settings.TAKEDOWN_COUNTER_NOTICE_HOURS + 1)
    for item in items:
        lifecycle.notice_item_uphold_by_default(item_id=item.pk, now=after_window)

    evaluate(after_window)

    assert row(brand_a).status == MembershipStatus.MEMBER
    assert row(brand_a).last_figures["upheld"] == 3
