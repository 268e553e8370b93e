"""The upload validator, fed real bad files built here (no mocks)."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.uploads import UploadRejected, ValidatedUpload, sanitise_filename, store_upload, validate_upload

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n"
    b"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n0\n%%EOF\n"
)


def image_bytes(fmt="PNG", size=(40, 30), mode="RGB", color=(200, 30, 30), **save):
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, format=fmt, **save)
    return buf.getvalue()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_bomb(width, height, *, rgb=False):
    """A real PNG of `width` x `height` black pixels, built by hand so we never hold it decoded.

    1-bit grey by default; ``rgb=True`` makes it 8-bit RGB, which costs far more to decode and re-encode.
    """

    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    row = b"\x00" * (1 + (width * 3 if rgb else (width + 7) // 8))
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8 if rgb else 1, 2 if rgb else 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def media_files(media_dir):
    return [p for p in media_dir.rglob("*") if p.is_file()] if media_dir.exists() else []


# --- type by content -----------------------------------------------------------


def test_zip_renamed_jpg_is_refused_by_content(_private_media):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("payload.exe", b"MZ" + b"\x00" * 100)
    with pytest.raises(UploadRejected) as exc:
        validate_upload(upload("certificate.jpg", buf.getvalue(), "image/jpeg"), kind="image")
    message = str(exc.value)
    assert "certificate.jpg is not a JPEG, PNG or WebP image" in message
    assert "ZIP archive" in message
    assert media_files(_private_media) == []


def test_zip_refused_as_document_names_allowed_types():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "hello")
    with pytest.raises(UploadRejected, match=r"not a PDF or a JPEG, PNG or WebP image \(it looks like a ZIP"):
        validate_upload(upload("proof.pdf", buf.getvalue(), "application/pdf"), kind="document")


def test_exe_refused():
    with pytest.raises(UploadRejected, match="not a JPEG, PNG or WebP image"):
        validate_upload(upload("photo.png", b"MZ\x90\x00" + b"\x00" * 200), kind="image")


def test_gif_refused_even_though_it_is_an_image():
    with pytest.raises(UploadRejected, match="GIF image"):
        validate_upload(upload("logo.gif", image_bytes("GIF", mode="P", color=1)), kind="image")


def test_pdf_refused_as_image():
    with pytest.raises(UploadRejected, match="looks like a PDF document"):
        validate_upload(upload("logo.png", MINIMAL_PDF), kind="image")


def test_svg_with_script_refused():
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(UploadRejected) as exc:
        validate_upload(upload("logo.png", svg, "image/png"), kind="image")
    assert "SVG images can carry scripts; upload PNG or JPEG" in str(exc.value)
    assert exc.value.code == "svg"


def test_html_refused():
    html = b"<!DOCTYPE html><html><body><script>document.location='//evil'</script></body></html>"
    with pytest.raises(UploadRejected, match="HTML") as exc:
        validate_upload(upload("certificate.pdf", html, "application/pdf"), kind="document")
    assert exc.value.code == "html"


def test_empty_file_refused():
    with pytest.raises(UploadRejected, match="empty"):
        validate_upload(upload("empty.png", b""), kind="image")


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        validate_upload(upload("a.png", image_bytes()), kind="video")


# --- size ----------------------------------------------------------------------


def test_oversized_file_refused_with_limit_in_mb(settings, _private_media):
    settings.UPLOAD_MAX_BYTES = {"image": 1024 * 1024, "document": 2 * 1024 * 1024}
    data = image_bytes() + b"\x00" * (1024 * 1024)
    with pytest.raises(UploadRejected, match="1 MB limit"):
        validate_upload(upload("big.png", data), kind="image")
    assert media_files(_private_media) == []


@pytest.mark.parametrize(
    ("limit", "said"),
    [(500 * 1024, "500 KB"), (40 * 1024, "40 KB"), (1536 * 1024, "1.5 MB"), (10 * 1024 * 1024, "10 MB")],
)
def test_a_limit_under_1_mb_is_said_in_kb_not_as_0_mb(settings, limit, said):
    """The limit once read "0.0 MB" below 50 KB and "0.5 MB" for 500 KB."""
    settings.UPLOAD_MAX_BYTES = {"image": limit, "document": limit}
    data = image_bytes() + b"\x00" * limit
    with pytest.raises(UploadRejected) as refused:
        validate_upload(upload("big.png", data), kind="image")
    assert str(refused.value) == f"big.png is larger than the {said} limit for images. Upload a smaller file."


def test_size_text_reads_like_filesizeformat_without_a_zero_decimal():
    from portal.uploads.sizes import size_text

    assert [size_text(n) for n in (1, 900, 1024, 1536, 1024 * 1024, 3 * 1024**3)] == [
        "1 byte",
        "900 bytes",
        "1 KB",
        "1.5 KB",
        "1 MB",
        "3 GB",
    ]


class _CountingFile(io.BytesIO):
    """A file that lies about its size and counts what is read from it."""

    size = None
    name = "huge.pdf"

    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, n=-1):
        chunk = super().read(n)
        self.bytes_read += len(chunk)
        return chunk


def test_huge_file_refused_without_reading_all_of_it(settings):
    settings.UPLOAD_MAX_BYTES = {"image": 10_000, "document": 10_000}
    f = _CountingFile(b"%PDF-1.4\n" + b"0" * 1_000_000)
    with pytest.raises(UploadRejected, match="limit"):
        validate_upload(f, kind="document")
    assert f.bytes_read <= 10_001


# --- images --------------------------------------------------------------------


def test_good_png_accepted_with_dimensions():
    result = validate_upload(upload("My Logo.png", image_bytes("PNG", size=(64, 48))), kind="image")
    assert isinstance(result, ValidatedUpload)
    assert (result.width, result.height) == (64, 48)
    assert result.content_type == "image/png"
    assert result.original_name == "My Logo.png"
    assert result.size == len(result.content.read())
    with Image.open(io.BytesIO(result.content.open().read())) as img:
        assert img.format == "PNG"
        assert img.size == (64, 48)


def test_server_name_is_not_the_users_name():
    result = validate_upload(upload("../../etc/passwd.png", image_bytes("PNG")), kind="image")
    assert result.name != result.original_name
    assert "passwd" not in result.name
    assert result.content.name == result.name
    assert len(result.name) == 32 + len(".png")
    assert result.name.endswith(".png")
    assert result.original_name == "passwd.png"


def test_extension_follows_content_not_the_users_name():
    result = validate_upload(upload("photo.png", image_bytes("JPEG")), kind="image")
    assert result.content_type == "image/jpeg"
    assert result.name.endswith(".jpg")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_each_image_format_keeps_its_format(fmt):
    result = validate_upload(upload("x", image_bytes(fmt)), kind="document")
    with Image.open(io.BytesIO(result.content.read())) as img:
        assert img.format == fmt


def test_jpeg_with_gps_exif_comes_out_without_any_exif():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 22.0, 1.5)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 2.5)
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buf, "JPEG", exif=exif)
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as original:  # the input really carries GPS
        assert original.getexif().get_ifd(0x8825)[2] == (52.0, 22.0, 1.5)

    result = validate_upload(upload("IMG_0001.jpg", data), kind="image")
    out = result.content.read()
    assert b"Exif" not in out
    assert b"PhoneMaker" not in out
    with Image.open(io.BytesIO(out)) as clean:
        assert clean.format == "JPEG"
        assert "exif" not in clean.info
        assert dict(clean.getexif()) == {}
        assert dict(clean.getexif().get_ifd(0x8825)) == {}


def test_exif_orientation_is_applied_before_stripping():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 0, 0)).save(buf, "JPEG", exif=exif)
    result = validate_upload(upload("rotated.jpg", buf.getvalue()), kind="image")
    assert (result.width, result.height) == (20, 40)
    with Image.open(io.BytesIO(result.content.read())) as img:
        assert img.size == (20, 40)
        assert 0x0112 not in img.getexif()


def test_png_text_chunks_are_dropped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "secret-location")
    data = image_bytes("PNG", pnginfo=info)
    assert b"secret-location" in data
    out = validate_upload(upload("a.png", data), kind="image").content.read()
    assert b"secret-location" not in out


def test_png_transparency_survives():
    data = image_bytes("PNG", mode="RGBA", color=(255, 0, 0, 0))
    out = validate_upload(upload("a.png", data), kind="image").content.read()
    with Image.open(io.BytesIO(out)) as img:
        assert img.mode == "RGBA"
        assert img.getpixel((0, 0))[3] == 0


def test_truncated_image_refused():
    data = image_bytes("PNG", size=(300, 300))
    with pytest.raises(UploadRejected, match="damaged"):
        validate_upload(upload("cut.png", data[: len(data) // 2]), kind="image")


# --- decompression bombs -------------------------------------------------------


def test_decompression_bomb_refused(_private_media):
    bomb = png_bomb(20_000, 20_000)  # 400 megapixels in about 50 KB
    assert len(bomb) < 200_000
    with pytest.raises(UploadRejected, match="too large in pixels"):
        validate_upload(upload("logo.png", bomb), kind="image")
    assert media_files(_private_media) == []


def test_pixel_limit_from_settings_applies_below_pillows_global_limit(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 10_000
    with pytest.raises(UploadRejected, match=r"\(200 x 200\).*10,000 pixels"):
        validate_upload(upload("big.png", image_bytes("PNG", size=(200, 200))), kind="image")
    assert validate_upload(upload("ok.png", image_bytes("PNG", size=(100, 100))), kind="image").width == 100


def test_pillow_bomb_warning_is_an_error_even_when_our_limit_is_higher(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 10**12
    pixels = Image.MAX_IMAGE_PIXELS + 1_000_000  # past Pillow's warning, below its hard error
    side = int(pixels**0.5) + 1
    with pytest.raises(UploadRejected, match="too large in pixels"):
        validate_upload(upload("big.png", png_bomb(side, side)), kind="image")


# --- PDFs ----------------------------------------------------------------------


def test_good_pdf_accepted():
    result = validate_upload(upload("Certificate 2024.pdf", MINIMAL_PDF, "application/pdf"), kind="document")
    assert result.content_type == "application/pdf"
    assert result.content.read() == MINIMAL_PDF
    assert result.name.endswith(".pdf")
    assert result.original_name == "Certificate 2024.pdf"
    assert (result.width, result.height) == (None, None)
    assert result.size == len(MINIMAL_PDF)


def test_pdf_without_eof_refused():
    with pytest.raises(UploadRejected, match="not a complete PDF"):
        validate_upload(upload("cut.pdf", MINIMAL_PDF[:-8]), kind="document")


@pytest.mark.parametrize(
    "active",
    [
        b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
        b"/OpenAction << /S /JS (x) >>",
        b"/AA << /O << /S /Launch /F (cmd.exe) >> >>",
        b"/Names << /EmbeddedFiles 9 0 R >>",
        b"/Type /EmbeddedFile",
        b"/S /J#61vaScript",  # hex-escaped name
    ],
)
def test_pdf_with_active_content_refused(active):
    pdf = MINIMAL_PDF.replace(b"/Type /Catalog", b"/Type /Catalog " + active)
    with pytest.raises(UploadRejected, match="active content") as exc:
        validate_upload(upload("cert.pdf", pdf), kind="document")
    assert exc.value.code == "pdf_active_content"


def test_pdf_name_merely_starting_with_js_is_fine():
    pdf = MINIMAL_PDF.replace(b"/Type /Catalog", b"/Type /Catalog /JSONish 1")
    assert validate_upload(upload("cert.pdf", pdf), kind="document").content_type == "application/pdf"


# --- polyglots -----------------------------------------------------------------


def test_jpeg_with_appended_pdf_as_image_is_neutralised():
    polyglot = image_bytes("JPEG") + MINIMAL_PDF
    result = validate_upload(upload("photo.jpg", polyglot), kind="image")
    out = result.content.read()
    assert b"%PDF" not in out
    assert b"%%EOF" not in out
    assert result.content_type == "image/jpeg"


def test_jpeg_with_appended_pdf_as_document_refused(_private_media):
    polyglot = image_bytes("JPEG") + MINIMAL_PDF
    with pytest.raises(UploadRejected, match="polyglot"):
        validate_upload(upload("certificate.pdf", polyglot), kind="document")
    assert media_files(_private_media) == []


def test_pdf_with_jpeg_prefix_as_document_refused():
    # PDF readers look for %PDF- in the first 1024 bytes, so this opens as a PDF too.
    polyglot = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + MINIMAL_PDF
    with pytest.raises(UploadRejected):
        validate_upload(upload("certificate.pdf", polyglot), kind="document")


def test_pdf_with_jpeg_prefix_as_image_is_refused_or_clean():
    polyglot = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + MINIMAL_PDF
    try:
        result = validate_upload(upload("photo.jpg", polyglot), kind="image")
    except UploadRejected:
        return
    assert b"%PDF" not in result.content.read()


def test_png_with_pdf_inside_as_image_is_neutralised():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("x", MINIMAL_PDF.decode())
    result = validate_upload(upload("a.png", image_bytes("PNG", pnginfo=info)), kind="image")
    assert b"%PDF" not in result.content.read()


# --- names and storage ---------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("C:\\Users\\me\\scan.pdf", "scan.pdf"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ('x<y>"z".pdf', "x_y__z_.pdf"),
        ("", "upload"),
        ("...", "upload"),
        ("\u202egnp.exe", "gnp.exe"),
    ],
)
def test_sanitise_filename(given, expected):
    assert sanitise_filename(given) == expected


def test_sanitise_filename_caps_length_and_keeps_extension():
    name = sanitise_filename("a" * 400 + ".pdf")
    assert len(name) == 255
    assert name.endswith(".pdf")


def test_validate_writes_nothing_and_store_upload_writes_the_clean_bytes(_private_media):
    result = validate_upload(upload("a.png", image_bytes("PNG")), kind="image")
    assert media_files(_private_media) == []
    stored = store_upload(result, prefix="reference")
    assert stored == f"reference/{result.name}"
    assert (_private_media / stored).read_bytes() == result.content.open().read()


# --- a row that records an upload ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_upload_row_save_stores_the_clean_bytes_under_the_servers_name_with_the_row(_private_media):
    from portal.transactions import durable_atomic
    from portal.uploads import upload_row_save
    from rights_holders.models import IPAssetProof
    from tests import factories

    asset = factories.IPAssetFactory()
    validated = validate_upload(upload("../certificate <1>.png", image_bytes("PNG")), kind="document")
    with durable_atomic():
        proof = upload_row_save(IPAssetProof(asset=asset), validated)
    proof.refresh_from_db()
    assert proof.file.name == f"proofs/{validated.name}"
    assert (proof.original_name, proof.content_type, proof.size) == ("certificate _1_.png", "image/png", validated.size)
    assert (_private_media / proof.file.name).read_bytes() == validated.content.open().read()


@pytest.mark.django_db(transaction=True)
def test_upload_row_save_leaves_no_file_when_its_transaction_rolls_back(_private_media):
    from portal.transactions import durable_atomic
    from portal.uploads import upload_row_save
    from rights_holders.models import IPAssetProof
    from tests import factories

    asset = factories.IPAssetFactory()
    before = media_files(_private_media)
    validated = validate_upload(upload("certificate.pdf", MINIMAL_PDF), kind="document")
    with pytest.raises(RuntimeError), durable_atomic():
        upload_row_save(IPAssetProof(asset=asset), validated)
        raise RuntimeError("the verb fails after storing its file")
    assert not IPAssetProof.objects.exists()
    assert media_files(_private_media) == before


def test_upload_row_save_refuses_a_file_outside_a_transaction_that_records_it(_private_media):
    from portal.uploads import upload_row_save
    from rights_holders.models import IPAssetProof

    validated = validate_upload(upload("certificate.pdf", MINIMAL_PDF), kind="document")
    with pytest.raises(RuntimeError, match="durable_atomic"):
        upload_row_save(IPAssetProof(asset_id=1), validated)
    assert media_files(_private_media) == []  # refused before anything was written
