"""Who sees which rights holder's assets: rights_holders.scoping and the querysets built on it (404 like a missing id)."""

import pytest
from django.urls import reverse

from portal.models import OrganisationKind
from rights_holders.models import IPAsset, Partner, PartnerKind, VerificationStatus
from tests import factories


@pytest.fixture
def asset_b(brand_b):
    return factories.IPAssetFactory(rights_holder=brand_b)


def test_user_of_brand_a_cannot_load_brand_b_asset_page(client, owner_a, asset_b):
    client.force_login(owner_a)
    response = client.get(reverse("rights:asset-detail", args=[asset_b.pk]))
    assert response.status_code == 404
    missing = client.get(reverse("rights:asset-detail", args=[asset_b.pk + 10_000]))
    assert missing.status_code == 404
    assert response.content == missing.content


def test_user_of_brand_a_cannot_download_brand_b_proof(client, owner_a, asset_b):
    proof = factories.IPAssetProofFactory(asset=asset_b)
    client.force_login(owner_a)
    assert client.get(reverse("file-download", args=["asset-proof", proof.pk])).status_code == 404


def test_owner_downloads_own_proof_as_private_attachment(client, owner_a, brand_a):
    proof = factories.IPAssetProofFactory(asset=factories.IPAssetFactory(rights_holder=brand_a))
    client.force_login(owner_a)
    response = client.get(reverse("file-download", args=["asset-proof", proof.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_queryset_scoping_excludes_other_brand(owner_a, brand_a, asset_b):
    own = factories.IPAssetFactory(rights_holder=brand_a)
    assert list(IPAsset.objects.visible_to(owner_a)) == [own]


def test_agent_sees_brand_only_while_letter_is_valid(db, brand_b, asset_b):
    letter = factories.LetterOfAuthorisationFactory(rights_holder=brand_b)
    agent_user = factories.member_of(letter.agent)
    assert list(IPAsset.objects.visible_to(agent_user)) == [asset_b]

    letter.valid_until = letter.valid_from
    letter.save()
    fresh = type(agent_user).objects.get(pk=agent_user.pk)
    assert list(IPAsset.objects.visible_to(fresh)) == []


def test_reviewer_sees_every_asset(reviewer, asset_b):
    assert asset_b in IPAsset.objects.visible_to(reviewer)


def test_anonymous_user_is_sent_to_login(client, asset_b):
    response = client.get(reverse("rights:asset-detail", args=[asset_b.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.fixture
def vetting_partner_user(brand_b):
    organisation = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    Partner.objects.create(organisation=organisation, kind=PartnerKind.ASSOCIATION).vetted_rights_holders.add(brand_b)
    return factories.member_of(organisation)


def test_a_vetting_partner_sees_the_brands_verified_assets_on_the_pages_but_not_their_files(
    client, vetting_partner_user, brand_b, asset_b
):
    proof = factories.IPAssetProofFactory(asset=asset_b)
    pending = factories.IPAssetFactory(rights_holder=brand_b, verification_status=VerificationStatus.PENDING)
    client.force_login(vetting_partner_user)
    listed = client.get(reverse("rights:asset-list"))
    assert asset_b.name in listed.content.decode() and pending.name not in listed.content.decode()
    assert reverse("rights:asset-create") not in listed.content.decode()  # filing for a brand registers nothing
    page = client.get(reverse("rights:asset-detail", args=[asset_b.pk]))
    assert page.status_code == 200
    assert proof.original_name not in page.content.decode()
    assert "shown to the rights holder and its agents only" in page.content.decode()
    assert client.get(reverse("file-download", args=["asset-proof", proof.pk])).status_code == 404
    assert client.get(reverse("rights:asset-detail", args=[pending.pk])).status_code == 404


def test_the_brands_own_staff_see_the_proofs_on_the_page(client, user_b, asset_b):
    proof = factories.IPAssetProofFactory(asset=asset_b)
    client.force_login(user_b)
    page = client.get(reverse("rights:asset-detail", args=[asset_b.pk]))
    assert proof.original_name in page.content.decode()
    assert "shown to the rights holder and its agents only" not in page.content.decode()


def test_a_partner_organisation_that_vets_no_brand_sees_no_asset(db, asset_b):
    organisation = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    Partner.objects.create(organisation=organisation, kind=PartnerKind.VENDOR)
    assert list(IPAsset.objects.visible_to(factories.member_of(organisation))) == []
