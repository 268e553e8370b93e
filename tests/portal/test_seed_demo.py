import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import RequestFactory

from listings.models import Listing, Merchant, Order, Store
from portal.management.commands.seed_demo import DEMO_PASSWORD
from portal.models import LetterOfAuthorisation, Organisation, User
from rights_holders.models import (
    AuthorisedStore,
    IPAsset,
    Partner,
    ReferenceImage,
    RightsHolder,
    VerificationStatus,
)

MODELS = [
    User,
    Organisation,
    RightsHolder,
    IPAsset,
    ReferenceImage,
    Listing,
    Order,
    Store,
    Merchant,
    LetterOfAuthorisation,
    AuthorisedStore,
    Partner,
]

DEMO_USERS = [
    "demo-brand-owner",
    "demo-brand-staff",
    "demo-agent",
    "demo-merchant",
    "demo-partner",
    "demo-reviewer",
    "demo-senior-reviewer",
    "demo-admin",
]


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_believable(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    assert all(count > 0 for count in first.values()), first
    assert first["Listing"] >= 3000
    assert DEMO_PASSWORD in out.getvalue()
    assert "demo-reviewer" in out.getvalue()

    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first

    # Some listings plainly infringe: a brand name at a fraction of the reference price.
    infringing = 0
    for asset in IPAsset.objects.filter(verification_status=VerificationStatus.VERIFIED, reference_price__isnull=False):
        word = asset.rights_holder.legal_name.split()[0]
        ceiling = asset.reference_price * Decimal("0.15")
        infringing += Listing.objects.filter(title__icontains=word, price__lte=ceiling).count()
    assert infringing > 0

    assert IPAsset.objects.filter(verification_status=VerificationStatus.PENDING).exists()
    assert (
        IPAsset.objects.filter(verification_status=VerificationStatus.REJECTED).exclude(verification_reason="").exists()
    )
    assert Partner.objects.filter(approved_for_vetting=True, vetted_rights_holders__isnull=False).exists()
    assert all(
        image.width > 0 and image.image.read(8) == b"\x89PNG\r\n\x1a\n" for image in ReferenceImage.objects.all()
    )

    request = RequestFactory().post("/accounts/login/")
    for username in DEMO_USERS:
        assert client.login(request=request, username=username, password=DEMO_PASSWORD), username
        client.logout()

    reviewer = User.objects.get(username="demo-reviewer")
    assert reviewer.groups.filter(name="reviewer").exists()
    assert reviewer.is_staff
    assert User.objects.get(username="demo-senior-reviewer").groups.filter(name="senior_reviewer").exists()
    admin = User.objects.get(username="demo-admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.groups.filter(name=Group.objects.get(name="platform_admin").name).exists()
