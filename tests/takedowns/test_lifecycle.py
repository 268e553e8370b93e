"""Each move: new status, its event, its audit entry, its effects; illegal moves refused."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from listings.models import ListingStatus
from portal.errors import InvalidInput, TransitionError
from portal.models import AuditLogEntry
from takedowns import lifecycle
from takedowns.lifecycle import ALLOWED_MOVES
from takedowns.models import Effect, ItemStatus, StatementOfReasons
from tests import factories
from tests.takedowns.conftest import draft, file_notice, run_on_commit

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
def item(owner_a, brand_a, asset_a, listing):
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    return item


@pytest.fixture
def awaiting(item, reviewer):
    return run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer)


def _last_event(item):
    return item.events.order_by("id").last()


def test_allowed_moves_cover_every_status_and_finals_move_only_on_appeal():
    assert set(ALLOWED_MOVES) == set(ItemStatus)
    assert ALLOWED_MOVES[ItemStatus.WITHDRAWN] == set()
    assert ALLOWED_MOVES[ItemStatus.INVALID] == set()


def test_accept_opens_a_72_hour_window_and_marks_the_listing(awaiting, reviewer, listing):
    assert awaiting.status == ItemStatus.AWAITING_COUNTER_NOTICE
    assert awaiting.counter_notice_deadline == awaiting.opened_at + timedelta(hours=72)
    event = _last_event(awaiting)
    assert (event.from_status, event.to_status, event.actor) == ("pending_review", "awaiting_counter_notice", reviewer)
    assert AuditLogEntry.objects.filter(action="takedowns.item.accepted", object_id=str(awaiting.pk)).exists()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.UNDER_COMPLAINT


def test_only_reviewers_accept(item, owner_a):
    with pytest.raises(PermissionDenied):
        lifecycle.notice_item_accept(item_id=item.pk, actor=owner_a)


def test_illegal_move_raises_and_writes_nothing(awaiting, reviewer):
    events = awaiting.events.count()
    with pytest.raises(TransitionError) as exc:
        lifecycle.notice_item_uphold(item_id=awaiting.pk, actor=reviewer, reason="Clear fake")
    assert "awaiting counter-notice" in str(exc.value)
    awaiting.refresh_from_db()
    assert awaiting.status == ItemStatus.AWAITING_COUNTER_NOTICE
    assert awaiting.events.count() == events


def test_counter_notice_in_time_then_reply_then_dismissed_reinstates(awaiting, merchant_user, owner_a, reviewer):
    item = run_on_commit(
        lifecycle.notice_item_counter_notice,
        item_id=awaiting.pk,
        actor=merchant_user,
        counter_notice_fields=dict(COUNTER_NOTICE),
    )
    assert item.status == ItemStatus.COUNTER_NOTICED
    assert item.reply_deadline > timezone.now() + timedelta(hours=71)
    item = run_on_commit(
        lifecycle.notice_item_reply, item_id=item.pk, actor=owner_a, statement="The invoice is forged."
    )
    assert item.status == ItemStatus.PENDING_ADJUDICATION
    assert item.review_due_at == item.queued_at + timedelta(hours=24)
    item = run_on_commit(lifecycle.notice_item_dismiss, item_id=item.pk, actor=reviewer, reason="Invoice verified.")
    assert item.status == ItemStatus.DISMISSED
    assert item.decided_by == reviewer
    item.listing.refresh_from_db()
    assert item.listing.status == ListingStatus.LIVE
    assert not Effect.objects.filter(item=item, kind="penalise").exists()


def test_counter_notice_after_deadline_is_refused_with_the_deadline(awaiting, merchant_user):
    with (
        time_machine.travel(awaiting.counter_notice_deadline + timedelta(seconds=1)),
        pytest.raises(TransitionError) as exc,
    ):
        lifecycle.notice_item_counter_notice(
            item_id=awaiting.pk, actor=merchant_user, counter_notice_fields=dict(COUNTER_NOTICE)
        )
    assert f"{awaiting.counter_notice_deadline:%Y-%m-%d %H:%M} UTC" in str(exc.value)
    assert exc.value.code == "deadline_passed"


def test_copyright_counter_notice_needs_the_512g_declarations(owner_a, brand_a, listing, reviewer, merchant_user):
    work = factories.IPAssetFactory(rights_holder=brand_a, kind="copyright", trademark_type="")
    (item,) = file_notice(owner_a, brand_a, [draft(listing, work, infringement_type="copyright")]).accepted
    run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer)
    with pytest.raises(ValidationError) as exc:
        lifecycle.notice_item_counter_notice(
            item_id=item.pk, actor=merchant_user, counter_notice_fields=dict(COUNTER_NOTICE)
        )
    assert {"good_faith_mistake_statement", "consent_to_jurisdiction", "consent_to_service"} <= set(
        exc.value.message_dict
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.AWAITING_COUNTER_NOTICE


def test_another_merchant_cannot_counter_notice(awaiting):
    stranger = factories.member_of(factories.MerchantFactory().organisation)
    with pytest.raises(PermissionDenied):
        lifecycle.notice_item_counter_notice(
            item_id=awaiting.pk, actor=stranger, counter_notice_fields=dict(COUNTER_NOTICE)
        )


def test_uphold_by_default_writes_effects_and_a_statement_once(awaiting):
    later = awaiting.counter_notice_deadline + timedelta(minutes=1)
    assert run_on_commit(lifecycle.notice_item_uphold_by_default, item_id=awaiting.pk, now=later)
    assert run_on_commit(lifecycle.notice_item_uphold_by_default, item_id=awaiting.pk, now=later) is None
    awaiting.refresh_from_db()
    assert awaiting.status == ItemStatus.UPHELD
    assert awaiting.decision_generation == 1
    kinds = sorted(Effect.objects.filter(item=awaiting).exclude(kind="notify").values_list("kind", flat=True))
    assert kinds == ["delist", "mark_under_complaint", "penalise", "reimburse"]
    sor = StatementOfReasons.objects.get(item=awaiting, restriction="listing_removed")
    assert sor.automated_decision is True
    assert "appeal" in sor.redress
    assert awaiting.events.filter(to_status="upheld").count() == 1


def test_uphold_before_the_deadline_does_nothing(awaiting):
    assert lifecycle.notice_item_uphold_by_default(item_id=awaiting.pk) is None


def test_withdraw_reinstates_a_fast_tracked_listing(brand_a, asset_a, listing):
    from portal.models import OrganisationKind
    from rights_holders.models import Partner, PartnerKind

    org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    partner = Partner.objects.create(organisation=org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    filer = factories.member_of(org)
    (item,) = file_notice(filer, brand_a, [draft(listing, asset_a)], partner=partner).accepted
    listing.refresh_from_db()
    assert listing.status == ListingStatus.TAKEN_DOWN
    run_on_commit(lifecycle.notice_item_withdraw, item_id=item.pk, actor=filer, reason="Settled with the seller")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE
    with pytest.raises(TransitionError):
        lifecycle.notice_item_withdraw(item_id=item.pk, actor=filer)


def test_reject_without_a_reason_is_bad_input_not_a_conflict(item, reviewer):
    with pytest.raises(InvalidInput) as exc:
        lifecycle.notice_item_reject(item_id=item.pk, actor=reviewer, reason="  ")
    assert exc.value.code == "reason_required"
    assert not isinstance(exc.value, TransitionError)
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_REVIEW


def test_counter_notice_at_the_deadline_instant_is_refused_and_the_sweep_takes_the_item(awaiting, merchant_user):
    # One boundary: the window is open while now < deadline; at the deadline the sweep upholds.
    at = awaiting.counter_notice_deadline
    with pytest.raises(TransitionError) as exc:
        lifecycle.notice_item_counter_notice(
            item_id=awaiting.pk, actor=merchant_user, counter_notice_fields=dict(COUNTER_NOTICE), now=at
        )
    assert exc.value.code == "deadline_passed"
    assert run_on_commit(lifecycle.notice_item_uphold_by_default, item_id=awaiting.pk, now=at)


@pytest.mark.django_db(transaction=True)
def test_a_verb_called_inside_another_transaction_is_refused_and_writes_nothing():
    """Verbs commit on their own (durable): a caller's transaction cannot swallow one by mistake.

    A TestCase-style test would not show it: Django lets durable blocks nest in the test's own
    transaction, so this test runs with real transactions.
    """
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    brand = factories.RightsHolderFactory()
    owner = factories.member_of(brand.organisation, role="owner")
    asset = factories.IPAssetFactory(rights_holder=brand)
    listing = factories.ListingFactory()
    reviewer = factories.UserFactory()
    reviewer.groups.add(*ensure_platform_groups().values())
    (item,) = file_notice(owner, brand, [draft(listing, asset)]).accepted
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_REVIEW
    assert not item.events.filter(action="accepted").exists()
    # Outside any transaction the same call commits.
    assert lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer).status == ItemStatus.AWAITING_COUNTER_NOTICE
