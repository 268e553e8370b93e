from datetime import timedelta

import time_machine
from django.utils import timezone

from listings.models import ListingStatus
from takedowns import lifecycle
from takedowns.models import Effect, EffectStatus, ItemStatus
from takedowns.sweep import deadlines_sweep
from tests.takedowns.conftest import draft, file_notice, run_on_commit


def test_standard_track_then_deadline(owner_a, brand_a, asset_a, listing, reviewer, settings):
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a)])
    (item,) = receipt.accepted
    assert item.status == ItemStatus.PENDING_REVIEW
    run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.UNDER_COMPLAINT
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            deadlines_sweep()
    item.refresh_from_db()
    assert item.status == ItemStatus.UPHELD
    listing.refresh_from_db()
    assert listing.status == ListingStatus.TAKEN_DOWN
    assert list(item.events.values_list("to_status", flat=True)) == [
        "submitted",
        "pending_review",
        "awaiting_counter_notice",
        "upheld",
    ]
    assert Effect.objects.filter(item=item, kind="delist", status=EffectStatus.DONE).exists()
