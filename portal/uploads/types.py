"""File types by content (magic bytes): what we accept, and how to describe what we do not."""

import filetype
from django.utils.translation import gettext_lazy as _

from portal.i18n import text_later

JPEG, PNG, WEBP, PDF = "jpeg", "png", "webp", "pdf"
IMAGE_TYPES = (JPEG, PNG, WEBP)

# type -> (content type, canonical extension, Pillow format)
TYPES = {
    JPEG: ("image/jpeg", ".jpg", "JPEG"),
    PNG: ("image/png", ".png", "PNG"),
    WEBP: ("image/webp", ".webp", "WEBP"),
    PDF: ("application/pdf", ".pdf", None),
}
# What a file of no accepted type is served as: bytes to save, never to open in the browser.
UNKNOWN = ("application/octet-stream", ".bin")

_DESCRIPTIONS = {
    "zip": _("a ZIP archive"),
    "rar": _("a RAR archive"),
    "7z": _("a 7-Zip archive"),
    "gz": _("a gzip archive"),
    "tar": _("a TAR archive"),
    "exe": _("a Windows program"),
    "elf": _("a Linux program"),
    "gif": _("a GIF image"),
    "bmp": _("a BMP image"),
    "tif": _("a TIFF image"),
    "heic": _("a HEIC image"),
    "avif": _("an AVIF image"),
    "ico": _("an icon file"),
    "psd": _("a Photoshop file"),
    "docx": _("a Word document"),
    "doc": _("a Word document"),
    "xlsx": _("an Excel spreadsheet"),
    "xls": _("an Excel spreadsheet"),
    "pptx": _("a PowerPoint presentation"),
    "odt": _("an OpenDocument file"),
    "rtf": _("an RTF document"),
    "mp4": _("a video"),
    "mov": _("a video"),
    "mp3": _("an audio file"),
}

SNIFF_BYTES = 16  # enough of the start of a file for `sniff`


def sniff(data):
    """The accepted type the bytes start as (JPEG, PNG, WEBP, PDF), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def markup_kind(data):
    """ "svg" or "html" when the bytes are markup that can carry scripts, else None."""
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


def describe(data):
    """What the bytes look like, in words, for a refusal message."""
    guess = filetype.guess(data[:8192])
    if guess is not None:
        return _DESCRIPTIONS.get(guess.extension) or text_later(_("a %(type)s file"), type=guess.extension.upper())
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _DESCRIPTIONS["zip"]
    if data.startswith(b"MZ"):
        return _DESCRIPTIONS["exe"]
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return _("a file of an unrecognised type")
    return _("a plain text file")
