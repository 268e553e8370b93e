"""Alerts for the inbox's tests: a screening result with evidence as the pipeline writes it, and its open alert.

Made as rows (the pipeline itself is tested in test_pipeline.py, and one webhook test runs it): a brand
with a verified asset, its staff, an agent firm with a letter in force, and listings in a store.
"""

from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from portal.models import OrganisationKind
from screening.models import ScreeningAlert, ScreeningOutcome, ScreeningResult, ScreeningTrigger
from tests import factories

SIGNALS = [
    {
        "kind": "keyword",
        "evidence": 'title: "N0rthw1nd" (keyword "NORTHWIND", disguised)',
        "points": 1.5,
        "keyword": "NORTHWIND",
        "field": "title",
        "quote": "N0rthw1nd",
        "disguised": True,
        "accessory": False,
        "ordinary_word": False,
    },
    {
        "kind": "ocr",
        "evidence": 'image text: "NORTHWIND" (keyword "NORTHWIND")',
        "points": 0.0,
        "keyword": "NORTHWIND",
        "field": "ocr",
        "quote": "NORTHWIND",
        "ocr_text": "NORTHWIND ORIGINAL QUALITY",
    },
    {
        "kind": "image",
        "evidence": 'image 1 ("shoe.png") is 4 bits of 64 from reference image "northwind-runner.png"',
        "points": 1.0,
        "image_position": 1,
        "image": "listing-images/shoe.png",
        "reference_kind": "reference",
        "reference_image": "references/northwind-runner.png",
        "distance": 4,
    },
    {
        "kind": "price",
        "evidence": "15.00 EUR is 12% of the reference price 120.00 EUR",
        "points": 1.0,
        "price": "15.00",
        "currency": "EUR",
        "ratio": 0.125,
        "reference_price": "120.00",
        "reference_currency": "EUR",
    },
    {"kind": "merchant", "evidence": "the store opened 3 days ago", "points": 0.5},
]


def alert_made(holder, asset, listing, *, score="0.7200", signals=None, created_at=None):
    """An open alert on ``listing`` for ``asset`` (and its screening result), as the pipeline leaves them."""
    now = created_at or timezone.now()
    result = ScreeningResult.objects.create(
        listing=listing,
        asset=asset,
        rights_holder=holder,
        outcome=ScreeningOutcome.ALERT,
        score=Decimal(score),
        signals=SIGNALS if signals is None else signals,
        snapshot_version=1,
        trigger=ScreeningTrigger.CREATED,
        listing_updated_at=listing.updated_at,
        created_at=now,
    )
    return ScreeningAlert.objects.create(
        result=result, listing=listing, rights_holder=holder, asset=asset, created_at=now
    )


def alert_world():
    holder = factories.RightsHolderFactory(legal_name="Northwind Athletics")
    asset = factories.IPAssetFactory(rights_holder=holder, name="NORTHWIND")
    staff = factories.member_of(holder.organisation, role="staff")
    agent = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Law Firm")
    factories.LetterOfAuthorisationFactory(agent=agent, rights_holder=holder)
    lawyer = factories.member_of(agent, role="staff")
    store = factories.StoreFactory(name="Cheap Kicks")
    listings = [
        factories.ListingFactory(store=store, title=f"N0rthw1nd runners replica {n}", price=Decimal("15.00"))
        for n in range(3)
    ]
    other = factories.RightsHolderFactory(legal_name="Other Brand")
    other_asset = factories.IPAssetFactory(rights_holder=other, name="OTHER")
    return SimpleNamespace(
        holder=holder,
        asset=asset,
        staff=staff,
        agent=agent,
        lawyer=lawyer,
        store=store,
        listings=listings,
        other=other,
        other_asset=other_asset,
        other_staff=factories.member_of(other.organisation, role="staff"),
        alert=alert_made(holder, asset, listings[0]),
    )
