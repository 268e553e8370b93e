import uuid
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from api.keys import api_key_create, scopes_offered_to
from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind
from tests import factories

_NEW = object()


class PartnerClient(APIClient):
    """An APIClient whose POSTs each carry a new ``Idempotency-Key``, as a careful partner's do.

    Pass ``HTTP_IDEMPOTENCY_KEY="..."`` to send a chosen key (a retry sends the same one),
    or ``HTTP_IDEMPOTENCY_KEY=None`` to send none.
    """

    def post(self, path, data=None, format=None, content_type=None, follow=False, **extra):
        key = extra.pop("HTTP_IDEMPOTENCY_KEY", _NEW)
        named = any(name.lower() == "idempotency-key" for name in extra.get("headers") or {})
        if key is _NEW and not named:
            key = str(uuid.uuid4())
        if key not in (None, _NEW):
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        return super().post(path, data, format, content_type, follow, **extra)


@pytest.fixture
def make_key(db):
    """make_key(organisation, scopes=every scope the organisation may have) -> (ApiKey, secret)."""

    def make(organisation, scopes=None, **kwargs):
        kwargs.setdefault("name", "test key")
        scopes = scopes_offered_to(organisation) if scopes is None else scopes
        return api_key_create(organisation=organisation, scopes=scopes, **kwargs)

    return make


@pytest.fixture
def key_client(make_key):
    """key_client(organisation, scopes=every scope it may have) -> a PartnerClient sending that organisation's new key."""

    def make(organisation, scopes=None, **kwargs):
        _, secret = make_key(organisation, scopes, **kwargs)
        client = PartnerClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


@pytest.fixture
def world(db):
    """A brand (and another), a merchant with a store and four listings, an agent firm with a letter for the
    brand and one without, a partner that vets the brand (tests/api/test_notices.py, test_items.py)."""
    brand = factories.RightsHolderFactory(legal_name="Brand A")
    other_brand = factories.RightsHolderFactory(legal_name="Brand B")
    merchant_org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Shady Goods")
    store = factories.StoreFactory(merchant=factories.MerchantFactory(organisation=merchant_org))
    other_store = factories.StoreFactory()
    agent = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Law Firm")
    factories.LetterOfAuthorisationFactory(agent=agent, rights_holder=brand)
    partner_org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Small Brands Association")
    partner = Partner.objects.create(organisation=partner_org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand)
    return SimpleNamespace(
        brand=brand,
        other_brand=other_brand,
        asset=factories.IPAssetFactory(rights_holder=brand, name="ACME"),
        other_asset=factories.IPAssetFactory(rights_holder=other_brand, name="OTHER"),
        merchant_org=merchant_org,
        store=store,
        listings=[factories.ListingFactory(store=store) for _ in range(4)],
        other_listing=factories.ListingFactory(store=other_store),
        agent=agent,
        agent_without_letter=factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Other Firm"),
        partner=partner,
    )
