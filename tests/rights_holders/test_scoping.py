"""Who sees which rights holder's assets: rights_holders.scoping and the querysets built on it (404 like a missing id)."""

import pytest
from django.urls import reverse

from rights_holders.models import IPAsset
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
