import io

import pytest
from django.urls import reverse
from PIL import Image

from portal.models import AuditLogEntry
from rights_holders.models import IPAsset, IPAssetProof, VerificationStatus
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _form(brand, proof_bytes=PDF, name="certificate.pdf", **overrides):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "rights_holder": brand.pk,
        "kind": "trademark",
        "name": "NORTHWIND",
        "trademark_type": "word",
        "registration_number": "018000001",
        "office": "EUIPO",
        "nice_classes_text": "25, 18",
        "keywords_text": "Northwind, n0rthwind",
        "proof": SimpleUploadedFile(name, proof_bytes),
    }
    data.update(overrides)
    return data


def test_brand_registers_asset_pending_verification(client, owner_a, brand_a, _private_media):
    client.force_login(owner_a)
    response = client.post(reverse("rights:asset-create"), _form(brand_a))
    asset = IPAsset.objects.get()
    assert response.status_code == 302
    assert asset.verification_status == VerificationStatus.PENDING
    assert asset.nice_classes == [18, 25]
    assert asset.keywords == ["northwind", "n0rthwind"]
    assert asset.proofs.get().content_type == "application/pdf"
    assert AuditLogEntry.objects.filter(action="rights_holders.asset.registered").count() == 1


def test_bad_proof_gets_a_message_and_leaves_nothing(client, owner_a, brand_a, _private_media):
    client.force_login(owner_a)
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.txt", "hello")
    response = client.post(reverse("rights:asset-create"), _form(brand_a, buffer.getvalue(), "certificate.jpg"))
    assert response.status_code == 200
    assert "ZIP" in response.content.decode()
    assert IPAsset.objects.count() == 0 and IPAssetProof.objects.count() == 0
    assert [p for p in _private_media.rglob("*") if p.is_file()] == []


def test_cannot_register_for_another_brand(client, owner_a, brand_b):
    client.force_login(owner_a)
    response = client.post(reverse("rights:asset-create"), _form(brand_b))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert IPAsset.objects.count() == 0


def test_bad_nice_class_is_explained(client, owner_a, brand_a):
    client.force_login(owner_a)
    response = client.post(reverse("rights:asset-create"), _form(brand_a, nice_classes_text="25, 99"))
    assert "&#x27;99&#x27; is not a Nice class" in response.content.decode()


def test_reviewer_verifies_from_the_page(client, reviewer, brand_a):
    asset = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    client.force_login(reviewer)
    client.post(reverse("rights:asset-decide", args=[asset.pk]), {"decision": "verify"})
    asset.refresh_from_db()
    assert asset.verification_status == VerificationStatus.VERIFIED


def test_brand_user_cannot_use_the_decision_url(client, owner_a, brand_a):
    asset = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    client.force_login(owner_a)
    assert client.post(reverse("rights:asset-decide", args=[asset.pk]), {"decision": "verify"}).status_code == 404
    asset.refresh_from_db()
    assert asset.verification_status == VerificationStatus.PENDING


def test_reviewer_rejection_without_reason_is_refused_with_message(client, reviewer, brand_a):
    asset = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    client.force_login(reviewer)
    response = client.post(reverse("rights:asset-decide", args=[asset.pk]), {"decision": "reject"}, follow=True)
    assert "Give the rights holder a reason" in response.content.decode()


def test_png_proof_is_accepted(client, owner_a, brand_a):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    client.force_login(owner_a)
    client.post(reverse("rights:asset-create"), _form(brand_a, buffer.getvalue(), "scan.png"))
    assert IPAsset.objects.get().proofs.get().content_type == "image/png"


@pytest.mark.parametrize("status", ["pending", "verified"])
def test_asset_list_filters_by_status(client, reviewer, brand_a, status):
    factories.IPAssetFactory(rights_holder=brand_a, name="ALPHA", verification_status="pending")
    factories.IPAssetFactory(rights_holder=brand_a, name="BETA", verification_status="verified")
    client.force_login(reviewer)
    body = client.get(reverse("rights:asset-list"), {"status": status}).content.decode()
    assert ("ALPHA" in body) == (status == "pending")
    assert ("BETA" in body) == (status == "verified")


# --- Red-team findings (issue 9): bad input is a message, never a 500 -------------------------------


def test_a_nul_character_in_a_rejection_reason_is_a_message_not_a_500(client, reviewer, brand_a):
    asset = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    client.force_login(reviewer)
    response = client.post(
        reverse("rights:asset-decide", args=[asset.pk]),
        {"decision": "reject", "reason": "Blurry\x00scan"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Remove the invisible character U+0000" in response.content.decode()
    asset.refresh_from_db()
    assert (asset.verification_status, asset.verification_reason) == (VerificationStatus.PENDING, "")


def test_an_unknown_decision_is_a_message(client, reviewer, brand_a):
    asset = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    client.force_login(reviewer)
    response = client.post(reverse("rights:asset-decide", args=[asset.pk]), {"decision": "approve"}, follow=True)
    assert "Choose verify or reject." in response.content.decode()
    asset.refresh_from_db()
    assert asset.verification_status == VerificationStatus.PENDING


def test_a_superscript_digit_as_a_nice_class_is_explained(client, owner_a, brand_a):
    client.force_login(owner_a)
    response = client.post(reverse("rights:asset-create"), _form(brand_a, nice_classes_text="25, \u00b2"))
    assert response.status_code == 200
    assert "&#x27;\u00b2&#x27; is not a Nice class" in response.content.decode()
    assert IPAsset.objects.count() == 0


def test_a_negative_reference_price_is_refused(client, owner_a, brand_a):
    client.force_login(owner_a)
    response = client.post(
        reverse("rights:asset-create"), _form(brand_a, reference_price="-5.00", reference_currency="EUR")
    )
    assert response.status_code == 200
    assert "greater than or equal to 0.01" in response.content.decode()
    assert IPAsset.objects.count() == 0


def test_the_database_refuses_a_negative_reference_price(brand_a):
    from decimal import Decimal

    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.IPAssetFactory(rights_holder=brand_a, reference_price=Decimal("-1.00"))


def test_an_over_long_description_and_control_characters_are_refused(client, owner_a, brand_a):
    client.force_login(owner_a)
    response = client.post(reverse("rights:asset-create"), _form(brand_a, description="x" * 10_001, office="EU\x1bIPO"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "at most 10000 characters" in body and "Remove the invisible character U+001B" in body
    assert IPAsset.objects.count() == 0
