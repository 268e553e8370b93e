"""Quality audits of fast-track takedowns: the random draw, and a reviewer confirming or reversing."""

import decimal
import random
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from good_faith.audits import quality_audit_decide, quality_audit_drawn, quality_audit_maybe_select
from good_faith.models import Membership, MembershipStatus, QualityAudit, QualityAuditStatus
from good_faith.records import track_records
from listings.models import Listing, ListingStatus
from portal.errors import InvalidInput, TransitionError
from portal.models import AuditLogEntry, OrganisationKind
from takedowns import lifecycle
from takedowns.models import ItemStatus, Notice, NoticeItem, Track
from tests import factories
from tests.takedowns.conftest import draft, file_notice, run_on_commit

SAMPLE = 10_000


@pytest.fixture
def asset(brand_a):
    return factories.IPAssetFactory(rights_holder=brand_a, name="ACME")


@pytest.fixture
def store(db):
    org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Shady Goods Ltd")
    return factories.StoreFactory(merchant=factories.MerchantFactory(organisation=org))


@pytest.fixture
def listing(store):
    return factories.ListingFactory(store=store, title="ACME sneakers")


@pytest.fixture
def membership(brand_a):
    return Membership.objects.create(
        rights_holder=brand_a, status=MembershipStatus.MEMBER, member_since=timezone.now() - timedelta(days=9)
    )


@pytest.fixture
def audited(settings, membership, owner_a, brand_a, asset, listing):
    """A member's fast-track takedown, drawn for audit (every draw selects at 100%)."""
    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset)]).accepted
    return item.quality_audit


# --- The draw ------------------------------------------------------------------------


def test_fast_track_filing_draws_the_audit_in_the_same_transaction(audited, listing, settings):
    item = audited.item
    assert item.track == Track.FAST
    assert audited.status == QualityAuditStatus.OPEN
    assert audited.due_at == audited.selected_at + timedelta(hours=settings.TAKEDOWN_REVIEW_SLA_HOURS)
    assert audited.selected_at == item.opened_at
    assert AuditLogEntry.objects.filter(action="good_faith.quality_audit.selected", object_id=str(audited.pk)).exists()


class FilingFailed(Exception):
    pass


def test_a_rolled_back_routing_leaves_no_audit(settings, membership, owner_a, brand_a, asset, listing, store):
    # The filing commits on its own (durable), so the failure comes inside its steps: the item is
    # created and fast-tracked (the draw happens), then the filing fails before it commits.
    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    notice = file_notice(owner_a, brand_a, [draft(listing, asset)]).notice
    other = factories.ListingFactory(store=store)
    with pytest.raises(FilingFailed), transaction.atomic():
        item = lifecycle.notice_item_create(
            notice=notice,
            fields={"listing": other, "ip_asset": asset, "infringement_type": "counterfeit", "explanation": "Fake."},
            actor=owner_a,
        )
        lifecycle.notice_item_route(item_id=item.pk, track=Track.FAST)
        assert QualityAudit.objects.filter(item=item).exists()
        raise FilingFailed("the filing failed after the draw")
    assert not NoticeItem.objects.filter(listing=other).exists()
    assert QualityAudit.objects.count() == 1  # the first filing's, committed on its own


def test_standard_track_items_are_never_drawn(settings, owner_a, brand_a, asset, listing):
    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset)]).accepted
    assert item.track == Track.STANDARD
    assert quality_audit_maybe_select(item) is None
    assert not QualityAudit.objects.exists()


def test_zero_percent_draws_nothing_and_hundred_draws_everything(settings):
    rng = random.Random(1)
    settings.GOOD_FAITH_AUDIT_PERCENT = 0
    assert not any(quality_audit_drawn(rng) for _ in range(1000))
    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    assert all(quality_audit_drawn(rng) for _ in range(1000))


def _fast_track_takedowns(brand, asset, store, count):
    """``count`` items as the fast track leaves them (fixture rows, not moves: the draw is under test)."""
    now = timezone.now()
    listings = Listing.objects.bulk_create(
        Listing(
            store=store,
            external_id=f"AUDIT-{n}",
            title=f"Sneaker {n}",
            category="shoes",
            price=decimal.Decimal("19.00"),
            status=ListingStatus.TAKEN_DOWN,
        )
        for n in range(count)
    )
    notice = Notice.objects.create(
        rights_holder=brand,
        filer_name="Filer",
        filer_address="1 Street",
        filer_phone="+33 1 00 00 00 00",
        filer_email="filer@example.test",
        signature="Filer",
        signed_at=now,
        submitted_at=now,
        good_faith_statement=True,
        accuracy_statement=True,
        authority_statement=True,
    )
    return NoticeItem.objects.bulk_create(
        NoticeItem(
            notice=notice,
            listing=listing,
            ip_asset=asset,
            infringement_type="counterfeit",
            explanation="Fake logo.",
            status=ItemStatus.AWAITING_COUNTER_NOTICE,
            status_changed_at=now,
            version=2,
            track=Track.FAST,
            took_down_listing=True,
            opened_at=now,
            counter_notice_deadline=now + timedelta(hours=72),
        )
        for listing in listings
    )


def test_the_audit_share_holds_over_ten_thousand_fast_track_takedowns(settings, brand_a, asset, store):
    """5% of 10,000 is 500; the binomial standard deviation is sqrt(10,000 x 0.05 x 0.95) = 21.8.

    Tolerance: 4 standard deviations (500 +- 88, i.e. 4.12% to 5.88%). With a fixed seed the count is
    reproducible; a seed outside that band would happen about once in 16,000.
    """
    assert settings.GOOD_FAITH_AUDIT_PERCENT == 5
    items = _fast_track_takedowns(brand_a, asset, store, SAMPLE)
    rng = random.Random(20250505)
    for item in items:
        quality_audit_maybe_select(item, rng=rng)
    selected = QualityAudit.objects.filter(item__in=items).count()
    assert abs(selected - 500) <= 88, f"{selected} of {SAMPLE} drawn"
    assert selected == QualityAudit.objects.count()


def test_the_share_follows_the_setting(settings):
    settings.GOOD_FAITH_AUDIT_PERCENT = 20  # 2,000 +- 4 x 40
    rng = random.Random(7)
    drawn = sum(quality_audit_drawn(rng) for _ in range(SAMPLE))
    assert abs(drawn - 2000) <= 160


# --- The decision ---------------------------------------------------------------------


def test_reviewer_confirms_the_takedown(audited, reviewer, listing):
    audit = run_on_commit(quality_audit_decide, audit_id=audited.pk, actor=reviewer, reverse=False, reason="Fake.")
    assert (audit.status, audit.decided_by, audit.reason) == (QualityAuditStatus.CONFIRMED, reviewer, "Fake.")
    audited.item.refresh_from_db()
    listing.refresh_from_db()
    assert audited.item.status == ItemStatus.AWAITING_COUNTER_NOTICE
    assert not audited.item.reversed_against_filer
    assert listing.status == ListingStatus.TAKEN_DOWN
    entry = AuditLogEntry.objects.get(action="good_faith.quality_audit.confirmed")
    assert entry.actor == reviewer and entry.data["reason"] == "Fake."


def test_reversal_reinstates_the_listing_and_counts_against_the_holder(audited, reviewer, listing):
    audit = run_on_commit(
        quality_audit_decide, audit_id=audited.pk, actor=reviewer, reverse=True, reason="Genuine, licensed stock."
    )
    assert audit.status == QualityAuditStatus.REVERSED
    item = NoticeItem.objects.get(pk=audited.item_id)
    listing.refresh_from_db()
    assert item.status == ItemStatus.DISMISSED
    assert item.reversed_against_filer
    assert listing.status == ListingStatus.LIVE
    assert item.events.filter(action="audit_reversed", actor=reviewer).exists()
    assert AuditLogEntry.objects.filter(action="good_faith.quality_audit.reversed", actor=reviewer).exists()


def test_reversal_after_the_window_removes_the_penalty(audited, reviewer, listing):
    item = audited.item
    run_on_commit(lifecycle.notice_item_uphold_by_default, item_id=item.pk, now=item.counter_notice_deadline)
    assert item.penalties.filter(reversed_at=None).count() == 1
    run_on_commit(quality_audit_decide, audit_id=audited.pk, actor=reviewer, reverse=True, reason="Genuine.")
    item.refresh_from_db()
    listing.refresh_from_db()
    assert item.penalties.filter(reversed_at=None).count() == 0
    assert item.reversed_against_filer
    assert listing.status == ListingStatus.LIVE


def test_the_reversal_counts_against_the_holders_accuracy(audited, reviewer, brand_a):
    run_on_commit(quality_audit_decide, audit_id=audited.pk, actor=reviewer, reverse=True, reason="Genuine.")
    record = track_records(subject="rights_holder", subject_ids=[brand_a.pk])[(brand_a.pk, "")]
    assert record.reversed == 1
    assert record.accuracy_percent == 0.0


def test_a_non_reviewer_cannot_decide(audited, owner_a):
    with pytest.raises(PermissionDenied):
        quality_audit_decide(audit_id=audited.pk, actor=owner_a, reverse=True, reason="Mine.")
    audited.refresh_from_db()
    assert audited.status == QualityAuditStatus.OPEN


def test_a_reason_is_required_and_its_absence_is_bad_input_not_a_conflict(audited, reviewer):
    with pytest.raises(InvalidInput, match="reasons") as exc:
        quality_audit_decide(audit_id=audited.pk, actor=reviewer, reverse=False, reason="  ")
    assert not isinstance(exc.value, TransitionError)
    assert exc.value.code == "reason_required"


@pytest.mark.parametrize("reverse", [False, True])
def test_deciding_twice_is_refused(audited, reviewer, reverse):
    run_on_commit(quality_audit_decide, audit_id=audited.pk, actor=reviewer, reverse=reverse, reason="Checked.")
    events = audited.item.events.count()
    with pytest.raises(TransitionError, match="already decided"):
        quality_audit_decide(audit_id=audited.pk, actor=reviewer, reverse=True, reason="Checked again.")
    assert audited.item.events.count() == events
    assert AuditLogEntry.objects.filter(action__startswith="good_faith.quality_audit.", actor=reviewer).count() == 1


def test_withdrawn_item_can_only_be_confirmed(audited, reviewer, owner_a):
    run_on_commit(lifecycle.notice_item_withdraw, item_id=audited.item_id, actor=owner_a, reason="Settled.")
    with pytest.raises(TransitionError, match="no longer standing"):
        quality_audit_decide(audit_id=audited.pk, actor=reviewer, reverse=True, reason="Genuine.")
    audit = quality_audit_decide(audit_id=audited.pk, actor=reviewer, reverse=False, reason="Was right anyway.")
    assert audit.status == QualityAuditStatus.CONFIRMED
    item = NoticeItem.objects.get(pk=audited.item_id)
    assert item.status == ItemStatus.WITHDRAWN and not item.reversed_against_filer
    entry = AuditLogEntry.objects.get(action="good_faith.quality_audit.confirmed")
    assert entry.data["takedown_standing"] is False


def test_a_takedown_reversed_elsewhere_cannot_be_reversed_again(audited, reviewer):
    with TestCase.captureOnCommitCallbacks(execute=True):
        lifecycle.notice_item_audit_reverse(item_id=audited.item_id, actor=reviewer, reason="Directly.")
    with pytest.raises(TransitionError):
        quality_audit_decide(audit_id=audited.pk, actor=reviewer, reverse=True, reason="Again.")
    audited.refresh_from_db()
    assert audited.status == QualityAuditStatus.OPEN
