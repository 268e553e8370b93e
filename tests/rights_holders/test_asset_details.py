"""An IP asset's page for its brand: verification status and the reviewer's reason, more proof documents,
reference images (previews), the reference price, keywords (linked to screening intelligence) and the brand's
authorised stores; bad input comes back by its field with nothing written; other brands and staff cannot change."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from portal.models import AuditLogEntry
from rights_holders.models import AuthorisedStore, IPAssetProof, ReferenceImage, VerificationStatus
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "navy").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def asset(brand_a):
    return factories.IPAssetFactory(
        rights_holder=brand_a, name="NORTHWIND", reference_price=None, reference_currency=""
    )


@pytest.fixture
def owner_client(client, owner_a):
    client.force_login(owner_a)
    return client


def test_the_brand_sees_the_reviewers_reason_and_the_forms_to_add(owner_client, brand_a):
    rejected = factories.IPAssetFactory(
        rights_holder=brand_a,
        verification_status=VerificationStatus.REJECTED,
        verification_reason="The certificate names another company.",
    )
    page = owner_client.get(reverse("rights:asset-detail", args=[rejected.pk])).content.decode()
    assert "The certificate names another company." in page and "Rejected" in page
    for field in ('name="proof"', 'name="image"', 'name="reference_price"'):
        assert field in page
    assert reverse("screening_intel:holder", args=[brand_a.pk]) in page
    assert reverse("rights:authorised-stores", args=[brand_a.pk]) in page


def test_a_reviewer_reads_the_asset_without_the_brands_forms(client, reviewer, asset):
    client.force_login(reviewer)
    page = client.get(reverse("rights:asset-detail", args=[asset.pk])).content.decode()
    assert 'name="proof"' not in page and 'name="reference_price"' not in page
    response = client.post(reverse("rights:asset-reference-price", args=[asset.pk]), {"reference_price": "10"})
    assert response.status_code == 403


def test_a_proof_document_is_added_and_a_bad_one_refused_by_its_field(owner_client, asset):
    url = reverse("rights:asset-proof-add", args=[asset.pk])
    response = owner_client.post(url, {"proof": SimpleUploadedFile("renewal.pdf", PDF)})
    assert response.status_code == 302
    assert IPAssetProof.objects.get(asset=asset).original_name == "renewal.pdf"
    response = owner_client.post(url, {"proof": SimpleUploadedFile("notes.txt", b"just some words")})
    assert response.status_code == 400
    assert response.context["proof_form"].errors["proof"]
    assert IPAssetProof.objects.filter(asset=asset).count() == 1


def test_a_reference_image_is_added_shown_as_a_preview_and_audited(owner_client, asset):
    url = reverse("rights:asset-reference-image-add", args=[asset.pk])
    response = owner_client.post(url, {"image": SimpleUploadedFile("shoe.png", png())})
    assert response.status_code == 302
    image = ReferenceImage.objects.get(asset=asset)
    assert (image.width, image.height, image.content_type) == (60, 40, "image/png")
    assert AuditLogEntry.objects.filter(action="rights_holders.asset.reference_image_added").exists()
    page = owner_client.get(reverse("rights:asset-detail", args=[asset.pk])).content.decode()
    assert "<img" in page and "shoe.png" in page


def test_a_file_that_is_not_an_image_is_refused_as_a_reference_image(owner_client, asset):
    response = owner_client.post(
        reverse("rights:asset-reference-image-add", args=[asset.pk]), {"image": SimpleUploadedFile("x.pdf", PDF)}
    )
    assert response.status_code == 400
    assert response.context["image_form"].errors["image"]
    assert not ReferenceImage.objects.exists()


def test_the_reference_price_is_set_cleared_and_refused_by_field(owner_client, asset):
    url = reverse("rights:asset-reference-price", args=[asset.pk])
    assert owner_client.post(url, {"reference_price": "129.90", "reference_currency": "eur"}).status_code == 302
    asset.refresh_from_db()
    assert (str(asset.reference_price), asset.reference_currency) == ("129.90", "EUR")
    for data, field in (
        ({"reference_price": "-3", "reference_currency": "EUR"}, "reference_price"),
        ({"reference_price": "12", "reference_currency": ""}, "reference_currency"),
        ({"reference_price": "12", "reference_currency": "E1"}, "reference_currency"),
        ({"reference_price": "twelve", "reference_currency": "EUR"}, "reference_price"),
    ):
        response = owner_client.post(url, data)
        assert response.status_code == 400, data
        assert field in response.context["price_form"].errors, data
    asset.refresh_from_db()
    assert str(asset.reference_price) == "129.90"
    assert owner_client.post(url, {"reference_price": "", "reference_currency": ""}).status_code == 302
    asset.refresh_from_db()
    assert asset.reference_price is None and asset.reference_currency == ""
    assert AuditLogEntry.objects.filter(action="rights_holders.asset.reference_price_set").count() == 2


def test_another_brand_cannot_change_or_see_the_asset(client, user_b, asset):
    client.force_login(user_b)
    assert client.get(reverse("rights:asset-detail", args=[asset.pk])).status_code == 404
    response = client.post(reverse("rights:asset-reference-price", args=[asset.pk]), {"reference_price": "1"})
    assert response.status_code == 404


def test_authorised_stores_added_by_listing_id_or_store_id_refused_by_field_and_removed(owner_client, brand_a):
    from portal import public_ids

    listing = factories.ListingFactory()
    other_store = factories.StoreFactory()
    url = reverse("rights:authorised-stores", args=[brand_a.pk])
    response = owner_client.post(url, {"store": listing.external_id, "kind": "reseller", "note": "EU reseller"})
    assert response.status_code == 302
    sto = public_ids.encode("sto", other_store.public_id)
    until = (timezone.now().date() + timedelta(days=30)).isoformat()
    assert owner_client.post(url, {"store": sto, "kind": "licensee", "valid_until": until}).status_code == 302
    assert set(AuthorisedStore.objects.values_list("store", flat=True)) == {listing.store_id, other_store.pk}
    page = owner_client.get(url).content.decode()
    assert listing.store.name in page and other_store.name in page
    for data, field in (
        ({"store": "NOPE-1", "kind": "reseller"}, "store"),
        ({"store": listing.external_id, "kind": "reseller"}, "store"),  # already on the list
        (
            {"store": factories.ListingFactory().external_id, "kind": "reseller", "valid_until": "2001-01-01"},
            "valid_until",
        ),
        ({"store": factories.ListingFactory().external_id, "kind": "owner"}, "kind"),
    ):
        response = owner_client.post(url, data)
        assert response.status_code == 400, data
        assert field in response.context["form"].errors, (data, response.context["form"].errors)
    assert AuthorisedStore.objects.count() == 2
    authorisation = AuthorisedStore.objects.get(store=other_store)
    owner_client.post(reverse("rights:authorised-store-remove", args=[brand_a.pk, authorisation.pk]))
    assert list(AuthorisedStore.objects.values_list("store", flat=True)) == [listing.store_id]
    assert AuditLogEntry.objects.filter(action="rights_holders.authorised_store.removed").exists()


def test_staff_read_authorised_stores_but_cannot_change_them(client, reviewer, brand_a):
    client.force_login(reviewer)
    url = reverse("rights:authorised-stores", args=[brand_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="store"' not in page.content.decode()
    assert client.post(url, {"store": "x", "kind": "reseller"}).status_code == 403


def test_another_brands_authorised_stores_are_not_found(client, user_b, brand_a):
    client.force_login(user_b)
    assert client.get(reverse("rights:authorised-stores", args=[brand_a.pk])).status_code == 404
