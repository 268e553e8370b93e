"""A world of decided screening results for the report's tests: alerts confirmed or dismissed, proactive
notices upheld, dismissed, reversed, withdrawn or still open, for two brands, inside and outside a period.

Alerts and results are written as the pipeline and the inbox leave them; proactive notices are filed by the
engine's own path (``takedowns.proactive``) and their items then set to the status the lifecycle would have
moved them to (each move one the item status trigger allows; the lifecycle's own tests cover the moves).
"""

from datetime import timedelta
from decimal import Decimal

from django.test import TestCase
from django.utils import timezone

from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind, RightsHolder
from screening.models import AlertStatus, ScreeningAlert, ScreeningOutcome, ScreeningResult, ScreeningTrigger
from takedowns.models import ItemStatus, NoticeItem
from takedowns.proactive import ProactiveFinding, proactive_notices_file
from tests import factories

NOW = timezone.now()


def signal(kind, points=1.0):
    return {"kind": kind, "evidence": f"{kind} evidence", "points": points}


def result_write(listing, asset, *, score, kinds, outcome=ScreeningOutcome.ALERT):
    return ScreeningResult.objects.create(
        listing=listing,
        asset=asset,
        rights_holder=asset.rights_holder,
        outcome=outcome,
        score=Decimal(str(score)),
        # A kind carried twice counts once.
        signals=[signal(kind) for kind in kinds] + ([signal(kinds[0])] if kinds else []),
        snapshot_version=1,
        trigger=ScreeningTrigger.CREATED,
        listing_updated_at=listing.updated_at,
    )


def alert_decided(asset, *, score, kinds, status, reason="", decided_at=None, store=None):
    listing = factories.ListingFactory(store=store) if store else factories.ListingFactory()
    result = result_write(listing, asset, score=score, kinds=kinds)
    return ScreeningAlert.objects.create(
        result=result,
        listing=listing,
        rights_holder=asset.rights_holder,
        asset=asset,
        status=status,
        decided_at=None if status == AlertStatus.OPEN else (decided_at or NOW - timedelta(days=1)),
        dismissal_reason=reason,
    )


def marketplace():
    organisation = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Marketplace Operations")
    Partner.objects.create(organisation=organisation, kind=PartnerKind.MARKETPLACE)
    return organisation


def proactive_item(asset, *, score, kinds, moves, decided_at=None, reversed_against_filer=False, reference=None):
    """A proactive notice's item filed for a new listing and moved through ``moves`` (statuses, in order)."""
    RightsHolder.objects.filter(pk=asset.rights_holder_id).update(proactive_enforcement=True)
    listing = factories.ListingFactory(title=f"{asset.name} sneakers replica")
    result = result_write(listing, asset, score=score, kinds=kinds, outcome=ScreeningOutcome.NOTICE)
    finding = ProactiveFinding(
        listing_id=listing.pk,
        asset_id=asset.pk,
        score=score,
        evidence=["keyword in the title"],
        reference=reference or str(result.public_id),
    )
    with TestCase.captureOnCommitCallbacks(execute=False):
        (outcome,) = proactive_notices_file([finding])
    assert outcome.filed, outcome
    for status in moves:
        fields = {"status": status}
        if status in (ItemStatus.UPHELD, ItemStatus.DISMISSED, ItemStatus.WITHDRAWN):
            fields["decided_at"] = decided_at or NOW - timedelta(days=1)
        if status == ItemStatus.DISMISSED and reversed_against_filer:
            fields["reversed_against_filer"] = True
        NoticeItem.objects.filter(pk=outcome.item_id).update(**fields)
    return NoticeItem.objects.get(pk=outcome.item_id)
