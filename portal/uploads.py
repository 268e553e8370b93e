"""The one upload validator: every uploaded file goes through `validate_upload`.

What it guarantees for the bytes it returns:

* The type is decided by CONTENT (magic bytes), never by the file name or the
  content type the browser sent. ``kind="image"`` allows JPEG, PNG and WebP;
  ``kind="document"`` allows PDF plus the same images.
* Images are decoded and RE-ENCODED with Pillow in their own format (JPEG at
  quality 90, PNG, WebP). Orientation is applied first (``exif_transpose``) and
  the output carries no EXIF, GPS, XMP, ICC profile or text chunks. Only the
  first frame of an animated image is kept. Whatever was appended to or hidden
  in the original (a PDF, a ZIP, a script) does not survive re-encoding.
* Decompression bombs are refused: the header's width x height is checked
  against ``settings.UPLOAD_MAX_IMAGE_PIXELS`` before anything is decoded, and
  Pillow's ``DecompressionBombWarning`` is turned into an error while decoding
  (``Image.MAX_IMAGE_PIXELS`` is process-global, so we do not rely on it alone).
* Size: at most ``settings.UPLOAD_MAX_BYTES[kind]``; at most limit + 1 bytes
  are read, so a huge file is refused without reading all of it.
* PDFs must start with ``%PDF-`` and have ``%%EOF`` near the end. A PDF naming
  active content (``/JavaScript``, ``/JS``, ``/Launch``, ``/EmbeddedFile(s)``,
  also when hex-escaped like ``/J#61vaScript``) is refused. This is a screen of
  the uncompressed bytes, not a PDF parser: names inside compressed object
  streams are not seen, which is why proofs are only ever served as downloads.
* Polyglots (decided here):
    - bytes that start like an image but contain ``%PDF-`` (an image with a PDF
      appended, or a "PDF with a JPEG prefix", which PDF readers accept): as
      ``kind="image"`` they are re-encoded, which drops the PDF; as
      ``kind="document"`` they are REFUSED, because the uploader evidently
      meant a PDF and we will not keep either half.
    - bytes that start with ``%PDF-`` but that Pillow also recognises as an
      image are REFUSED.
* SVG and HTML are refused with the reason (they can carry scripts); anything
  else (ZIP, EXE, GIF, ...) is refused naming the allowed types and what the
  file looks like. Empty files are refused.
* Nothing is written to storage: the caller stores ``ValidatedUpload.content``
  under ``ValidatedUpload.name`` (a server-generated name, never the user's).
"""

import contextlib
import io
import re
import unicodedata
import uuid
import warnings
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

KINDS = ("image", "document")

JPEG, PNG, WEBP, PDF = "jpeg", "png", "webp", "pdf"
IMAGE_TYPES = (JPEG, PNG, WEBP)

# type -> (content type, canonical extension, Pillow format)
_TYPES = {
    JPEG: ("image/jpeg", ".jpg", "JPEG"),
    PNG: ("image/png", ".png", "PNG"),
    WEBP: ("image/webp", ".webp", "WEBP"),
    PDF: ("application/pdf", ".pdf", None),
}
_ALLOWED = {"image": set(IMAGE_TYPES), "document": {PDF, *IMAGE_TYPES}}
_ALLOWED_TEXT = {
    "image": "a JPEG, PNG or WebP image",
    "document": "a PDF or a JPEG, PNG or WebP image",
}

JPEG_QUALITY = 90
PDF_EOF_WINDOW = 1024
# PDF names that start active content. Compared after decoding #xx escapes.
PDF_ACTIVE_NAMES = {
    b"JavaScript": "JavaScript",
    b"JS": "JavaScript",
    b"Launch": "a Launch action (it can start programs)",
    b"EmbeddedFile": "an embedded file",
    b"EmbeddedFiles": "embedded files",
}
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]+)")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")

_DESCRIPTIONS = {
    "zip": "a ZIP archive",
    "rar": "a RAR archive",
    "7z": "a 7-Zip archive",
    "gz": "a gzip archive",
    "tar": "a TAR archive",
    "exe": "a Windows program",
    "elf": "a Linux program",
    "gif": "a GIF image",
    "bmp": "a BMP image",
    "tif": "a TIFF image",
    "heic": "a HEIC image",
    "avif": "an AVIF image",
    "ico": "an icon file",
    "psd": "a Photoshop file",
    "docx": "a Word document",
    "doc": "a Word document",
    "xlsx": "an Excel spreadsheet",
    "xls": "an Excel spreadsheet",
    "pptx": "a PowerPoint presentation",
    "odt": "an OpenDocument file",
    "rtf": "an RTF document",
    "mp4": "a video",
    "mov": "a video",
    "mp3": "an audio file",
}


class UploadRejected(ValidationError):
    """A refused upload; the message tells the person what to do instead."""

    def __init__(self, message, code="upload_rejected"):
        super().__init__(message, code=code)

    def __str__(self):
        return self.messages[0]


@dataclass(frozen=True)
class ValidatedUpload:
    content: ContentFile  # the bytes to store; .name is the server name
    name: str  # uuid4 hex + canonical extension, never the user's name
    original_name: str  # the user's basename, sanitised, for display only
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None


def validate_upload(uploaded_file, *, kind: str) -> ValidatedUpload:
    """Check `uploaded_file` and return clean bytes to store; raise UploadRejected."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    original_name = sanitise_filename(getattr(uploaded_file, "name", "") or "")
    data = _read_limited(uploaded_file, kind=kind, shown=original_name)
    if not data:
        raise UploadRejected(f"{original_name} is empty. Choose the file again and re-upload it.", code="empty")

    detected = _sniff(data)
    if detected not in _ALLOWED[kind]:
        raise _not_allowed(data, kind=kind, shown=original_name)

    width = height = None
    if detected == PDF:
        _check_pdf(data, shown=original_name)
        out = data
    else:
        if kind == "document" and b"%PDF-" in data:
            raise UploadRejected(
                f"{original_name} is both an image and a PDF (a polyglot file), which we do not accept. "
                "Save it again as a plain PDF and upload that.",
                code="polyglot",
            )
        out, width, height = _reencode_image(data, detected, shown=original_name)

    content_type, extension, _ = _TYPES[detected]
    name = uuid.uuid4().hex + extension
    return ValidatedUpload(
        content=ContentFile(out, name=name),
        name=name,
        original_name=original_name,
        content_type=content_type,
        size=len(out),
        width=width,
        height=height,
    )


def store_upload(validated: ValidatedUpload, *, prefix: str = "", storage=None) -> str:
    """Save validated bytes under `prefix`/server name; return the stored name."""
    from django.core.files.storage import default_storage

    storage = storage or default_storage
    path = f"{prefix.strip('/')}/{validated.name}" if prefix.strip("/") else validated.name
    validated.content.seek(0)
    return storage.save(path, ContentFile(validated.content.read()))


# --- names -------------------------------------------------------------------

_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]')


def sanitise_filename(name: str) -> str:
    """The user's basename, safe to show and to put in Content-Disposition."""
    name = unicodedata.normalize("NFC", str(name))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"})
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        return "upload"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        keep_ext = dot and 0 < len(ext) <= 16
        name = stem[: 255 - len(ext) - 1] + "." + ext if keep_ext else name[:255]
    return name


# --- reading and sniffing ----------------------------------------------------


def _limit_text(limit):
    mb = limit / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 1 and mb == int(mb) else f"{mb:.1f} MB"


def _read_limited(uploaded_file, *, kind, shown):
    limit = settings.UPLOAD_MAX_BYTES[kind]
    too_big = UploadRejected(
        f"{shown} is larger than the {_limit_text(limit)} limit for {'images' if kind == 'image' else 'documents'}. "
        "Upload a smaller file.",
        code="too_large",
    )
    declared = getattr(uploaded_file, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise too_big
    if hasattr(uploaded_file, "seek"):
        with contextlib.suppress(OSError, ValueError):
            uploaded_file.seek(0)
    chunks, remaining = [], limit + 1
    while remaining > 0:
        chunk = uploaded_file.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        if isinstance(chunk, str):
            chunk = chunk.encode()
        chunks.append(chunk)
        remaining -= len(chunk)
    data = b"".join(chunks)
    if len(data) > limit:
        raise too_big
    return data


def _sniff(data):
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def _markup_kind(data):
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"\x00" in head[:64]:  # UTF-16 text: drop the NULs for this check only
        head = head.replace(b"\x00", b"").lstrip(b"\xff\xfe \t\r\n")
    if b"<svg" in head and (head.startswith(b"<svg") or head.startswith(b"<?xml") or head.startswith(b"<!doctype svg")):
        return "svg"
    if head.startswith(b"<?xml") and b"<svg" in data[:65536].lower():
        return "svg"
    html_starts = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<meta", b"<!--")
    if head.startswith(html_starts) or b"<script" in head or b"<html" in head:
        return "html"
    return None


def _describe(data):
    guess = filetype.guess(data[:8192])
    if guess is not None:
        return _DESCRIPTIONS.get(guess.extension, f"a {guess.extension.upper()} file")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "a ZIP archive"
    if data.startswith(b"MZ"):
        return "a Windows program"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "a file of an unrecognised type"
    return "a plain text file"


def _not_allowed(data, *, kind, shown):
    markup = _markup_kind(data)
    if markup == "svg":
        return UploadRejected(
            f"{shown} is an SVG image. SVG images can carry scripts; upload PNG or JPEG instead.", code="svg"
        )
    if markup == "html":
        return UploadRejected(
            f"{shown} is an HTML page. HTML can carry scripts; upload {_ALLOWED_TEXT[kind]} instead.", code="html"
        )
    detected = _sniff(data)
    looks = "a PDF document" if detected == PDF else _describe(data)
    return UploadRejected(
        f"{shown} is not {_ALLOWED_TEXT[kind]} (it looks like {looks}).",
        code="type_not_allowed",
    )


# --- PDF ---------------------------------------------------------------------


def _check_pdf(data, *, shown):
    if b"%%EOF" not in data[-PDF_EOF_WINDOW:]:
        raise UploadRejected(
            f"{shown} is not a complete PDF (its end marker is missing; it may be truncated or damaged). "
            "Export the PDF again and re-upload it.",
            code="pdf_incomplete",
        )
    for match in _PDF_NAME.finditer(data):
        raw = match.group(1)
        name = _PDF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw) if b"#" in raw else raw
        if name in PDF_ACTIVE_NAMES:
            raise UploadRejected(
                f"{shown} contains active content ({PDF_ACTIVE_NAMES[name]}), which we do not accept in PDFs. "
                "Print it to a new PDF (\u201cSave as PDF\u201d) and upload that.",
                code="pdf_active_content",
            )
    # A PDF that an image decoder also accepts is a polyglot: refuse it.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)):
                pass
    except UnidentifiedImageError:
        return
    except Exception:  # noqa: BLE001, S110 - any other outcome means a decoder took it for an image
        pass
    raise UploadRejected(
        f"{shown} is both a PDF and an image (a polyglot file), which we do not accept. "
        "Export it again as a plain PDF and upload that.",
        code="polyglot",
    )


# --- images ------------------------------------------------------------------

_BOMB = "is too large in pixels ({w} x {h}); the limit is {limit:,} pixels. Scale it down and upload it again."


def _reencode_image(data, detected, *, shown):
    _, _, fmt = _TYPES[detected]
    limit = settings.UPLOAD_MAX_IMAGE_PIXELS
    damaged = UploadRejected(
        f"{shown} could not be read as {'a ' + fmt if fmt != 'WEBP' else 'a WebP'} image; it may be damaged. "
        "Save it again and re-upload it.",
        code="image_damaged",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # 1. Header only: nothing is decoded yet.
            with Image.open(io.BytesIO(data), formats=[fmt]) as probe:
                w, h = probe.size
                if w <= 0 or h <= 0:
                    raise damaged
                if w * h > limit:
                    raise UploadRejected(f"{shown} {_BOMB.format(w=w, h=h, limit=limit)}", code="too_many_pixels")
                probe.verify()
            # 2. Verified: reopen (verify leaves the image unusable) and decode.
            with Image.open(io.BytesIO(data), formats=[fmt]) as img:
                img.seek(0)
                img.load()
                img = ImageOps.exif_transpose(img)
                out = _encode(img, fmt)
                size = img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(
            f"{shown} {_BOMB.format(w='?', h='?', limit=limit)}".replace("(? x ?)", "(a decompression bomb)"),
            code="too_many_pixels",
        ) from None
    except UploadRejected:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, TypeError, IndexError):
        raise damaged from None
    return out, size[0], size[1]


def _encode(img, fmt):
    # Build a clean image so no metadata (EXIF, XMP, ICC, text chunks) is carried over.
    transparency = img.info.get("transparency") if img.mode in {"P", "L", "RGB"} else None
    if fmt == "JPEG":
        if img.mode not in {"RGB", "L"}:
            img = img.convert("RGBA").convert("RGB") if "A" in img.mode or img.mode == "P" else img.convert("RGB")
    elif fmt == "WEBP":
        if img.mode not in {"RGB", "RGBA"}:
            img = img.convert("RGBA" if ("A" in img.mode or "transparency" in img.info) else "RGB")
    elif img.mode not in {"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"}:
        img = img.convert("RGBA")
    clean = img.copy()
    clean.info = {}
    options = {"exif": b""}
    if fmt == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=JPEG_QUALITY)
    elif fmt == "PNG":
        options.update(optimize=False)
        if transparency is not None and clean.mode == img.mode:
            options["transparency"] = transparency
    buf = io.BytesIO()
    clean.save(buf, format=fmt, **options)
    return buf.getvalue()


class StoredFilesGuard:
    """Delete files stored inside a block if the block fails, so no orphan survives a rollback.

    with StoredFilesGuard() as guard, transaction.atomic():
        row.file.save(validated.name, validated.content, save=False); guard.add(row.file)
    """

    def __init__(self):
        self._files = []

    def add(self, field_file):
        self._files.append((field_file.storage, field_file.name))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for storage, name in self._files:
                storage.delete(name)
        return False
