"""Private downloads: the server names the file from the type of its bytes, whatever name it was stored under."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from portal.uploads.names import filename_for_display
from tests import factories


@pytest.fixture
def agent_member(db):
    return factories.member_of(factories.OrganisationFactory(kind="agent"))


def test_a_file_of_no_accepted_type_downloads_as_bytes_never_as_a_page(client, agent_member):
    # A letter stored by hand (the admin does not run the upload validator) under an HTML name, with HTML in it.
    organisation = agent_member.memberships.get().organisation
    letter = factories.LetterOfAuthorisationFactory(agent=organisation, document_name="letter.html")
    letter.document.save("letter.html", ContentFile(b"<html><script>alert(1)</script></html>"))
    client.force_login(agent_member)

    response = client.get(reverse("file-download", args=["letter", letter.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="letter-{letter.pk}.bin"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_proof_is_named_by_its_type_not_by_its_stored_name(client, owner_a, brand_a):
    proof = factories.IPAssetProofFactory(asset=factories.IPAssetFactory(rights_holder=brand_a))
    proof.file.save("certificate.html", ContentFile(b"%PDF-1.4\n%test\n%%EOF\n"))
    client.force_login(owner_a)
    response = client.get(reverse("file-download", args=["asset-proof", proof.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="asset-proof-{proof.pk}.pdf"'
    assert response["Content-Type"] == "application/pdf"

    page = client.get(reverse("rights:asset-detail", args=[proof.asset_id])).content.decode()
    assert f"asset-proof-{proof.pk}.pdf</a>" in page and "uploaded as \u201ccertificate.pdf\u201d" in page


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("a\u2066b\u2069c\u200bd\u200fe.pdf", "abcde.pdf"),
        ("bell\x07\x00tab\tnew\nline.png", "belltab new line.png"),
        ("para\u2029graph\u2028.pdf", "para graph .pdf"),
        ("private\ue000use.pdf", "privateuse.pdf"),
        ("  Résumé  final .pdf ", "Résumé final .pdf"),
        ("", ""),
    ],
)
def test_filename_for_display_removes_what_could_disguise_a_name(stored, shown):
    assert filename_for_display(stored) == shown
