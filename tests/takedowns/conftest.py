"""A small world for the lifecycle: a brand with a verified trademark, a merchant with a live listing."""

import pytest
from django.test import TestCase

from portal.models import OrganisationKind
from takedowns.notices import ItemDraft, notice_submit
from tests import factories

NOTICE_DATA = {
    "filer_name": "Ada Brand",
    "filer_address": "1 Brand Street, Paris",
    "filer_phone": "+33 1 23 45 67 89",
    "filer_email": "ada@brand-a.test",
    "signature": "Ada Brand",
    "good_faith_statement": True,
    "accuracy_statement": True,
    "authority_statement": True,
}


@pytest.fixture
def asset_a(brand_a):
    return factories.IPAssetFactory(rights_holder=brand_a, name="ACME")


@pytest.fixture
def merchant_org(db):
    return factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Shady Goods Ltd")


@pytest.fixture
def store(merchant_org):
    merchant = factories.MerchantFactory(organisation=merchant_org)
    return factories.StoreFactory(merchant=merchant)


@pytest.fixture
def merchant_user(merchant_org, store):
    return factories.member_of(merchant_org, role="owner")


@pytest.fixture
def listing(store):
    return factories.ListingFactory(store=store, title="ACME sneakers, cheap")


@pytest.fixture
def senior_reviewer(db):
    from django.contrib.auth.models import Group

    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name="senior_reviewer"))
    return user


def draft(listing, asset, **kwargs):
    return ItemDraft(
        listing_ref=kwargs.pop("listing_ref", listing.external_id),
        ip_asset_id=asset.pk,
        infringement_type=kwargs.pop("infringement_type", "counterfeit"),
        explanation=kwargs.pop("explanation", "Fake logo, wrong stitching, sold at a tenth of the price."),
        **kwargs,
    )


def file_notice(actor, rights_holder, drafts, **kwargs):
    """Submit a notice and run its after-commit callbacks (receipt, effects).

    The actor files as the brand's own staff unless ``acting_organisation`` (an agent firm) or
    ``partner`` says otherwise.
    """
    if "partner" not in kwargs:
        kwargs.setdefault("acting_organisation", rights_holder.organisation)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return notice_submit(actor=actor, rights_holder=rights_holder, data=dict(NOTICE_DATA), drafts=drafts, **kwargs)


def run_on_commit(func, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return func(**kwargs)
