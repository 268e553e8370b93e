"""factory_boy factories for the whole data model."""

import datetime
import decimal

import factory
from django.utils import timezone

from listings.models import Listing, Merchant, Order, Store
from portal.identity import identity_hash
from portal.models import LetterOfAuthorisation, Membership, Organisation, OrganisationKind, User
from rights_holders.models import IPAsset, IPAssetKind, IPAssetProof, RightsHolder, VerificationStatus

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password(PASSWORD)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.RIGHTS_HOLDER
    slug = factory.Sequence(lambda n: f"organisation-{n}")


def member_of(organisation, *, role="staff", **user_kwargs):
    user = UserFactory(**user_kwargs)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def api_principal_of(organisation, *, role=None):
    """The principal user of a new API key of ``organisation``, made by the service as in production.

    ``role="owner"`` then promotes its membership by hand, to show that even so it is no person.
    """
    from api.keys import api_key_create

    key, _ = api_key_create(organisation=organisation, name="Integration", scopes=["notices:read"])
    if role is not None:
        Membership.objects.filter(user=key.principal).update(role=role)
    return key.principal


class RightsHolderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RightsHolder

    legal_name = factory.Sequence(lambda n: f"Brand {n}")
    organisation = factory.SubFactory(
        OrganisationFactory, kind=OrganisationKind.RIGHTS_HOLDER, name=factory.SelfAttribute("..legal_name")
    )


class IPAssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IPAsset

    rights_holder = factory.SubFactory(RightsHolderFactory)
    kind = IPAssetKind.TRADEMARK
    trademark_type = "word"
    name = factory.Sequence(lambda n: f"MARK{n}")
    registration_number = factory.Sequence(lambda n: f"0{n:08d}")
    office = "EUIPO"
    nice_classes = [25]
    expires_on = factory.LazyFunction(lambda: timezone.now().date() + datetime.timedelta(days=3650))
    verification_status = VerificationStatus.VERIFIED
    keywords = factory.LazyAttribute(lambda a: [a.name.lower()])
    reference_price = decimal.Decimal("120.00")
    reference_currency = "EUR"


class IPAssetProofFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IPAssetProof

    asset = factory.SubFactory(IPAssetFactory)
    file = factory.django.FileField(filename="certificate.pdf", data=b"%PDF-1.4\n%test\n")
    original_name = "certificate.pdf"
    content_type = "application/pdf"
    size = 15


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    legal_name = factory.Sequence(lambda n: f"Merchant {n} Ltd")
    organisation = factory.SubFactory(
        OrganisationFactory, kind=OrganisationKind.MERCHANT, name=factory.SelfAttribute("..legal_name")
    )
    business_licence_number = factory.Sequence(lambda n: f"BL-{n:08d}")
    contact_phone = factory.Sequence(lambda n: f"+3120{n:07d}")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    payout_account_hash = factory.Sequence(lambda n: identity_hash(f"NL00BANK{n:010d}"))
    payout_account_last4 = "0000"
    region = "Zhejiang"
    city = "Yiwu"
    security_deposit = decimal.Decimal("5000.00")


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    store = factory.SubFactory(StoreFactory)
    external_id = factory.Sequence(lambda n: f"L{n:09d}")
    title = factory.Sequence(lambda n: f"Running shoe model {n}")
    category = "shoes"
    price = decimal.Decimal("89.00")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    listing = factory.SubFactory(ListingFactory)
    buyer_reference = factory.Sequence(lambda n: f"B{n:08d}")
    amount = decimal.Decimal("89.00")


class LetterOfAuthorisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LetterOfAuthorisation

    agent = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.AGENT)
    rights_holder = factory.SubFactory(RightsHolderFactory)
    valid_from = factory.LazyFunction(lambda: timezone.now().date() - datetime.timedelta(days=30))
    valid_until = factory.LazyFunction(lambda: timezone.now().date() + datetime.timedelta(days=335))
    document = factory.django.FileField(filename="letter.pdf", data=b"%PDF-1.4\n%letter\n")
    document_name = "letter.pdf"
