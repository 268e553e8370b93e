import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from portal.models import AuditLogEntry
from rights_holders.models import IPAsset, VerificationStatus
from rights_holders.verification import (
    VerificationError,
    ip_asset_reject,
    ip_asset_resubmit,
    ip_asset_verify,
    ip_assets_expire,
)
from tests import factories


@pytest.fixture
def pending(brand_a):
    return factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)


def test_reviewer_verifies_pending_asset_with_audit_entry(pending, reviewer):
    ip_asset_verify(asset_id=pending.pk, actor=reviewer)
    pending.refresh_from_db()
    assert pending.verification_status == VerificationStatus.VERIFIED
    assert pending.verified_by == reviewer
    entry = AuditLogEntry.objects.get(action="rights_holders.asset.verified")
    assert entry.data == {"before": "pending", "after": "verified", "reason": ""}
    assert entry.object_id == str(pending.pk)


def test_brand_user_cannot_verify_own_asset(pending, owner_a):
    with pytest.raises(PermissionDenied):
        ip_asset_verify(asset_id=pending.pk, actor=owner_a)
    pending.refresh_from_db()
    assert pending.verification_status == VerificationStatus.PENDING


def test_rejection_needs_a_reason_and_is_shown_to_holder(pending, reviewer, client, owner_a):
    with pytest.raises(VerificationError, match="reason"):
        ip_asset_reject(asset_id=pending.pk, actor=reviewer, reason="  ")
    ip_asset_reject(asset_id=pending.pk, actor=reviewer, reason="Certificate names another owner.")
    client.force_login(owner_a)
    page = client.get(f"/rights/assets/{pending.pk}/")
    assert b"Certificate names another owner." in page.content


def test_illegal_move_is_refused_and_changes_nothing(pending, reviewer):
    ip_asset_reject(asset_id=pending.pk, actor=reviewer, reason="Blurry scan")
    with pytest.raises(VerificationError, match="rejected; it cannot become verified"):
        ip_asset_verify(asset_id=pending.pk, actor=reviewer)
    assert AuditLogEntry.objects.filter(action="rights_holders.asset.verified").count() == 0


def test_holder_resubmits_rejected_asset(pending, reviewer, owner_a, user_b):
    ip_asset_reject(asset_id=pending.pk, actor=reviewer, reason="Blurry scan")
    with pytest.raises(PermissionDenied):
        ip_asset_resubmit(asset_id=pending.pk, actor=user_b)
    ip_asset_resubmit(asset_id=pending.pk, actor=owner_a)
    pending.refresh_from_db()
    assert pending.verification_status == VerificationStatus.PENDING


def test_expired_asset_cannot_back_a_notice(brand_a):
    today = timezone.now().date()
    asset = factories.IPAssetFactory(rights_holder=brand_a, expires_on=today - datetime.timedelta(days=1))
    live = factories.IPAssetFactory(rights_holder=brand_a)
    assert list(IPAsset.objects.usable()) == [live]
    assert ip_assets_expire() == 1
    asset.refresh_from_db()
    assert asset.verification_status == VerificationStatus.EXPIRED
    assert ip_assets_expire() == 0


def test_expired_registration_cannot_be_verified(brand_a, reviewer):
    asset = factories.IPAssetFactory(
        rights_holder=brand_a,
        verification_status=VerificationStatus.PENDING,
        expires_on=timezone.now().date() - datetime.timedelta(days=3),
    )
    with pytest.raises(VerificationError, match="expired"):
        ip_asset_verify(asset_id=asset.pk, actor=reviewer)
