"""A quality audit reversing a fast-track takedown; rejections marked manifestly unfounded."""

import pytest
from django.test import TestCase

from listings.models import ListingStatus
from portal.errors import TransitionError
from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind
from takedowns import lifecycle
from takedowns.models import ItemStatus
from tests import factories
from tests.takedowns.conftest import draft, file_notice, run_on_commit


@pytest.fixture
def fast_item(brand_a, asset_a, listing):
    org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    partner = Partner.objects.create(organisation=org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    (item,) = file_notice(factories.member_of(org), brand_a, [draft(listing, asset_a)], partner=partner).accepted
    return item


def test_audit_reversal_reinstates_and_counts_against_the_filer(fast_item, reviewer, listing):
    item = run_on_commit(lifecycle.notice_item_audit_reverse, item_id=fast_item.pk, actor=reviewer, reason="Genuine")
    assert item.status == ItemStatus.DISMISSED
    assert item.reversed_against_filer
    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE
    assert item.statements.filter(restriction="listing_restored").exists()


def test_audit_reversal_of_an_upheld_item_removes_the_penalty(fast_item, reviewer):
    later = fast_item.counter_notice_deadline
    run_on_commit(lifecycle.notice_item_uphold_by_default, item_id=fast_item.pk, now=later)
    assert fast_item.penalties.filter(reversed_at=None).count() == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        lifecycle.notice_item_audit_reverse(item_id=fast_item.pk, actor=reviewer, reason="Licensed stock")
    assert fast_item.penalties.filter(reversed_at=None).count() == 0


def test_standard_track_items_are_not_audit_reversible(owner_a, brand_a, asset_a, listing, reviewer):
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    with pytest.raises(TransitionError):
        lifecycle.notice_item_audit_reverse(item_id=item.pk, actor=reviewer, reason="x")


def test_rejection_marked_manifestly_unfounded(owner_a, brand_a, asset_a, listing, reviewer):
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    item = lifecycle.notice_item_reject(
        item_id=item.pk, actor=reviewer, reason="The listing sells a different brand.", manifestly_unfounded=True
    )
    assert item.manifestly_unfounded
    assert item.events.order_by("id").last().data == {"manifestly_unfounded": True}
