from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.utils import timezone

from listings.models import ListingStatus
from portal.errors import TransitionError
from takedowns import appeals, lifecycle
from takedowns.models import Appeal, AppealSide, AppealStatus, Effect, ItemStatus
from tests.takedowns.conftest import draft, file_notice, run_on_commit


@pytest.fixture
def upheld_item(owner_a, brand_a, asset_a, listing, reviewer):
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer)
    with time_machine.travel(timezone.now() + timedelta(hours=73)), TestCase.captureOnCommitCallbacks(execute=True):
        lifecycle.notice_item_uphold_by_default(item_id=item.pk)
    item.refresh_from_db()
    assert item.status == ItemStatus.UPHELD
    return item


def test_merchant_appeal_reversed_reinstates_listing_and_removes_penalty(upheld_item, merchant_user, senior_reviewer):
    appeal = appeals.appeal_file(
        item_id=upheld_item.pk, actor=merchant_user, statement="Genuine stock, invoice attached."
    )
    assert appeal.side == "merchant"
    with TestCase.captureOnCommitCallbacks(execute=True):
        appeals.appeal_decide(appeal_id=appeal.pk, actor=senior_reviewer, reverse=True, reason="Invoice checks out.")
    upheld_item.refresh_from_db()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REVERSED
    assert upheld_item.status == ItemStatus.DISMISSED
    assert Effect.objects.filter(item=upheld_item, kind="reverse_penalty", key="gen-1").exists()
    upheld_item.listing.refresh_from_db()
    assert upheld_item.listing.status == ListingStatus.LIVE
    assert upheld_item.events.order_by("id").last().action == "reversed_to_dismissed"


def test_appeal_after_six_months_is_refused_with_the_date(upheld_item, merchant_user):
    with time_machine.travel(timezone.now() + timedelta(days=200)), pytest.raises(TransitionError) as exc:
        appeals.appeal_file(item_id=upheld_item.pk, actor=merchant_user, statement="Late")
    assert "appeal period ended on" in str(exc.value)


def test_outsider_cannot_appeal(upheld_item, user_b):
    with pytest.raises(PermissionDenied):
        appeals.appeal_file(item_id=upheld_item.pk, actor=user_b, statement="Not mine")


def test_first_decider_cannot_decide_the_appeal(owner_a, brand_a, asset_a, listing, reviewer, merchant_user):
    from django.contrib.auth.models import Group

    reviewer.groups.add(Group.objects.get(name="senior_reviewer"))
    reviewer._platform_group_names = None
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    run_on_commit(lifecycle.notice_item_reject, item_id=item.pk, actor=reviewer, reason="Not substantiated.")
    appeal = appeals.appeal_file(item_id=item.pk, actor=owner_a, statement="Here is the test-buy report.")
    with pytest.raises(PermissionDenied):
        appeals.appeal_decide(appeal_id=appeal.pk, actor=reviewer, reverse=True, reason="x")


def test_reversal_closes_the_other_sides_appeal_as_moot(upheld_item, merchant_user, owner_a, senior_reviewer):
    merchant_appeal = appeals.appeal_file(item_id=upheld_item.pk, actor=merchant_user, statement="Genuine goods.")
    # The winner can no longer appeal its own win; an appeal recorded before that rule still goes moot.
    holder_appeal = Appeal.objects.create(
        item=upheld_item,
        decision_generation=upheld_item.decision_generation,
        side=AppealSide.RIGHTS_HOLDER,
        filed_by=owner_a,
        statement="Ban the store too.",
        filed_at=timezone.now(),
        due_at=timezone.now() + timedelta(hours=24),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        appeals.appeal_decide(appeal_id=merchant_appeal.pk, actor=senior_reviewer, reverse=True, reason="Invoice ok.")
    holder_appeal.refresh_from_db()
    assert holder_appeal.status == AppealStatus.MOOT
    assert "reversed on the other side's appeal" in holder_appeal.decision_reason


def test_the_winning_side_cannot_appeal_its_own_win(upheld_item, owner_a, merchant_user):
    # Upheld: the complainant won; the merchant lost and may appeal.
    item_appeals = list(upheld_item.appeals.all())
    assert not appeals.appeal_possible(upheld_item, AppealSide.RIGHTS_HOLDER, item_appeals, timezone.now())
    assert appeals.appeal_possible(upheld_item, AppealSide.MERCHANT, item_appeals, timezone.now())
    with pytest.raises(TransitionError) as refused:
        appeals.appeal_file(item_id=upheld_item.pk, actor=owner_a, statement="Ban the store too.")
    assert refused.value.code == "decision_in_your_favour"
    assert "went your way" in str(refused.value)
    assert not Appeal.objects.filter(item=upheld_item).exists()


def test_a_rejected_notice_is_appealed_by_the_complainant_only(owner_a, brand_a, asset_a, listing, reviewer):
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    run_on_commit(lifecycle.notice_item_reject, item_id=item.pk, actor=reviewer, reason="Not substantiated.")
    item.refresh_from_db()
    assert appeals.appeal_side_won(item, AppealSide.MERCHANT)
    assert appeals.appeal_possible(item, AppealSide.RIGHTS_HOLDER, [], timezone.now())
