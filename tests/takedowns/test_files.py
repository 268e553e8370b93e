"""Evidence downloads: named by the server from the detected type; the uploader's name is only text on the page."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.uploads import validate_upload
from takedowns.models import Evidence
from tests.takedowns.conftest import draft, file_notice

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
RLO = "\u202e"


def _jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _file_evidence(owner, holder, listing, asset, name, data):
    validated = validate_upload(SimpleUploadedFile(name, data), kind="document")
    (item,) = file_notice(owner, holder, [draft(listing, asset, evidence=[validated])]).accepted
    return item, Evidence.objects.get(item=item)


def _attributes(body):
    """Every attribute value in the page: where a file name would make a download carry it."""
    return " ".join(re.findall(r'\b[\w-]+="([^"]*)"', body))


@pytest.fixture
def as_owner(client, owner_a):
    client.force_login(owner_a)
    return client


def test_a_pdf_uploaded_as_html_downloads_as_a_pdf_named_by_the_server(as_owner, owner_a, brand_a, listing, asset_a):
    item, evidence = _file_evidence(owner_a, brand_a, listing, asset_a, "report.html", PDF)

    download = as_owner.get(reverse("file-download", args=["evidence", evidence.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="evidence-{evidence.pk}.pdf"'
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF

    page = as_owner.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
    assert f"evidence-{evidence.pk}.pdf</a>" in page
    assert "uploaded as \u201creport.html\u201d" in page
    assert "report.html" not in _attributes(page)


def test_a_right_to_left_override_in_the_name_neither_reaches_the_download_nor_the_page(
    as_owner, owner_a, brand_a, listing, asset_a
):
    # Shown as "photoexe.jpg" by a bidi-aware renderer; the file is a real JPEG.
    item, evidence = _file_evidence(owner_a, brand_a, listing, asset_a, f"photo{RLO}gpj.exe", _jpeg())

    download = as_owner.get(reverse("file-download", args=["evidence", evidence.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="evidence-{evidence.pk}.jpg"'
    assert download["Content-Type"] == "image/jpeg"

    page = as_owner.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
    assert RLO not in page
    assert "uploaded as \u201cphotogpj.exe\u201d" in page
    assert ".exe" not in _attributes(page)


def test_a_bidi_character_in_a_name_stored_before_cleaning_is_removed_on_the_page(
    as_owner, owner_a, brand_a, listing, asset_a
):
    item, evidence = _file_evidence(owner_a, brand_a, listing, asset_a, "photo.jpg", _jpeg())
    Evidence.objects.filter(pk=evidence.pk).update(original_name=f"invoice{RLO}fdp.exe\u2066\x07")

    page = as_owner.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
    assert RLO not in page and "\u2066" not in page and "\x07" not in page
    assert "uploaded as \u201cinvoicefdp.exe\u201d" in page
