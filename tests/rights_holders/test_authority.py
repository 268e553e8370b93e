"""Who acts for a rights holder: one rule (``acting_authority``) behind both the scoping and the acting roles."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import Membership, OrganisationKind
from rights_holders.authority import acting_roles_of
from rights_holders.models import IPAsset, Partner, PartnerKind, VerificationStatus
from rights_holders.scoping import rights_holder_ids_vetted_by, rights_holder_ids_visible_to
from tests import factories


def _fresh(user):
    # Both answers are cached on the user object: a new one reads the database again.
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def world(db):
    brand, other, third = (factories.RightsHolderFactory() for _ in range(3))
    firm = factories.OrganisationFactory(kind=OrganisationKind.AGENT)
    today = timezone.now().date()
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand)
    factories.LetterOfAuthorisationFactory(
        agent=firm, rights_holder=other, valid_from=today - timedelta(days=60), valid_until=today - timedelta(days=1)
    )
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=third, revoked_at=timezone.now())
    # A letter naming a brand's own organisation as "agent" grants nothing: only agent firms act by letter.
    factories.LetterOfAuthorisationFactory(agent=other.organisation, rights_holder=third)
    return {"brand": brand, "other": other, "third": third, "firm": firm}


def test_scoping_and_acting_roles_give_the_same_rights_holders(world):
    brand, other, firm = world["brand"], world["other"], world["firm"]
    cases = {
        "brand staff": (factories.member_of(brand.organisation), {brand.pk}),
        "agent with one valid, one expired, one revoked letter": (factories.member_of(firm), {brand.pk}),
        "brand staff named agent on a letter": (factories.member_of(other.organisation), {other.pk}),
        "outsider": (factories.UserFactory(), set()),
    }
    both = factories.member_of(firm)
    Membership.objects.create(user=both, organisation=other.organisation)
    cases["in the firm and in another brand"] = (both, {brand.pk, other.pk})
    for name, (user, expected) in cases.items():
        visible = rights_holder_ids_visible_to(_fresh(user))
        acting = {role.rights_holder.pk for role in acting_roles_of(_fresh(user))}
        assert visible == acting == expected, name


def test_a_revoked_letter_ends_both_answers_at_once(world):
    agent = factories.member_of(world["firm"])
    letter = world["brand"].letters_of_authorisation.get(agent=world["firm"])
    letter.revoked_at = timezone.now()
    letter.save(update_fields=["revoked_at"])
    assert rights_holder_ids_visible_to(_fresh(agent)) == frozenset()
    assert acting_roles_of(_fresh(agent)) == []


def test_whoever_may_file_for_a_brand_reads_its_verified_assets(world):
    """Acting roles (own staff, agents by letter) and vetting partners: each reads the verified assets of every
    brand it files for, and nothing of a brand it may not file for."""
    brand, other, third, firm = world["brand"], world["other"], world["third"], world["firm"]
    assets = {holder.pk: factories.IPAssetFactory(rights_holder=holder) for holder in (brand, other, third)}
    partner_org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    Partner.objects.create(organisation=partner_org, kind=PartnerKind.ASSOCIATION).vetted_rights_holders.add(other)
    # A partner record on an organisation that is no partner vets nothing (the API files as a partner only then).
    Partner.objects.create(organisation=firm, kind=PartnerKind.VENDOR).vetted_rights_holders.add(third)
    cases = {
        "brand staff": (factories.member_of(brand.organisation), {brand.pk}),
        "agent with one valid, one expired, one revoked letter": (factories.member_of(firm), {brand.pk}),
        "vetting partner": (factories.member_of(partner_org), {other.pk}),
        "outsider": (factories.UserFactory(), set()),
    }
    for name, (user, expected) in cases.items():
        files_for = {role.rights_holder.pk for role in acting_roles_of(_fresh(user))} | rights_holder_ids_vetted_by(
            _fresh(user)
        )
        visible = {asset.rights_holder_id for asset in IPAsset.objects.visible_to(_fresh(user))}
        assert visible == files_for == expected, name
        assert all(assets[pk] in IPAsset.objects.visible_to(_fresh(user)) for pk in expected), name


def test_a_vetting_partner_does_not_act_for_the_brand_nor_read_its_unverified_assets(world):
    other = world["other"]
    pending = factories.IPAssetFactory(rights_holder=other, verification_status=VerificationStatus.PENDING)
    partner_org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    Partner.objects.create(organisation=partner_org, kind=PartnerKind.ASSOCIATION).vetted_rights_holders.add(other)
    user = factories.member_of(partner_org)
    assert rights_holder_ids_vetted_by(_fresh(user)) == {other.pk}
    assert rights_holder_ids_visible_to(_fresh(user)) == frozenset()  # it registers nothing, sees no proofs
    assert pending not in IPAsset.objects.visible_to(_fresh(user))
