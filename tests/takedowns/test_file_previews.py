"""Inline previews of private files: images in the page through the access-checked download view, the rest as links."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.uploads import validate_upload
from takedowns.models import Evidence
from tests import factories
from tests.takedowns.conftest import draft, file_notice

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


def _image(fmt="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format=fmt)
    return buffer.getvalue()


def _evidence(owner, holder, listing, asset, name, data):
    validated = validate_upload(SimpleUploadedFile(name, data), kind="document")
    (item,) = file_notice(owner, holder, [draft(listing, asset, evidence=[validated])]).accepted
    return item, Evidence.objects.get(item=item)


def _download(client, evidence, **params):
    return client.get(reverse("file-download", args=["evidence", evidence.pk]), params)


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_an_image_is_previewed_in_the_page_and_served_inline_when_asked(
    client, owner_a, brand_a, listing, asset_a, fmt, content_type
):
    item, evidence = _evidence(owner_a, brand_a, listing, asset_a, "shoe photo.img", _image(fmt))
    client.force_login(owner_a)

    page = client.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
    inline_url = f"/files/evidence/{evidence.pk}/?inline=1"
    assert f'<img src="{inline_url}" alt="Notice evidence: evidence-{evidence.pk}.' in page
    assert f'<a href="/files/evidence/{evidence.pk}/">evidence-{evidence.pk}.' in page

    shown = _download(client, evidence, inline="1")
    assert shown.status_code == 200
    assert shown["Content-Disposition"].startswith("inline;")
    assert shown["Content-Type"] == content_type
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert shown["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "sandbox" in shown["Content-Security-Policy"]

    # Without the inline mode the same file is still a download.
    assert _download(client, evidence)["Content-Disposition"].startswith("attachment;")


def test_a_pdf_is_a_link_and_never_served_inline(client, owner_a, brand_a, listing, asset_a):
    item, evidence = _evidence(owner_a, brand_a, listing, asset_a, "invoice.pdf", PDF)
    client.force_login(owner_a)

    page = client.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
    assert f'<a href="/files/evidence/{evidence.pk}/">evidence-{evidence.pk}.pdf</a> <span class="muted">(PDF, ' in page
    assert "?inline=1" not in page

    response = _download(client, evidence, inline="1")
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{evidence.pk}.pdf"'
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(("data", "recorded"), [(SVG, "image/png"), (HTML, "image/jpeg"), (SVG, "image/svg+xml")])
def test_markup_is_never_served_inline_whatever_its_record_says(
    client, owner_a, brand_a, listing, asset_a, data, recorded
):
    # Bytes swapped behind the validator's back (a restore, the admin): the download view sniffs again.
    item, evidence = _evidence(owner_a, brand_a, listing, asset_a, "photo.png", _image())
    evidence.file.save("swapped.svg", ContentFile(data))
    Evidence.objects.filter(pk=evidence.pk).update(content_type=recorded)
    client.force_login(owner_a)

    response = _download(client, evidence, inline="1")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{evidence.pk}.bin"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]

    page = client.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
    if recorded == "image/svg+xml":
        assert "?inline=1" not in page  # only accepted raster types are previewed


def test_an_outsider_gets_404_for_the_inline_mode_as_for_the_download(
    client, owner_a, brand_a, user_b, listing, asset_a
):
    _, evidence = _evidence(owner_a, brand_a, listing, asset_a, "photo.png", _image())
    client.force_login(user_b)
    assert _download(client, evidence, inline="1").status_code == 404
    assert _download(client, evidence).status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in_for_the_inline_mode(client, owner_a, brand_a, listing, asset_a):
    _, evidence = _evidence(owner_a, brand_a, listing, asset_a, "photo.png", _image())
    response = _download(client, evidence, inline="1")
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_merchant_named_sees_the_brands_image_inline(client, owner_a, brand_a, merchant_user, listing, asset_a):
    item, evidence = _evidence(owner_a, brand_a, listing, asset_a, "photo.png", _image())
    client.force_login(merchant_user)
    page = client.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
    assert f'src="/files/evidence/{evidence.pk}/?inline=1"' in page
    assert _download(client, evidence, inline="1")["Content-Disposition"].startswith("inline;")


def test_reference_images_are_previewed_on_the_asset_page(client, owner_a, brand_a):
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    reference = asset.reference_images.create(
        original_name="logo.png", content_type="image/png", size=10, image=ContentFile(_image(), name="logo.png")
    )
    client.force_login(owner_a)

    page = client.get(reverse("rights:asset-detail", args=[asset.pk])).content.decode()
    assert (
        f'<img src="/files/reference-image/{reference.pk}/?inline=1" alt="Image reference-image-{reference.pk}.png"'
        in page
    )
    response = client.get(reverse("file-download", args=["reference-image", reference.pk]), {"inline": "1"})
    assert response["Content-Disposition"].startswith("inline;")
