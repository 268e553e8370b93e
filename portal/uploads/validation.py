"""`validate_upload`: read at most the limit, decide the type by content, check or re-encode, write nothing."""

import contextlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from portal.uploads.budget import upload_budget_charge_file
from portal.uploads.errors import UploadRejected
from portal.uploads.images import image_reencode
from portal.uploads.names import sanitise_filename
from portal.uploads.pdf import pdf_check
from portal.uploads.sizes import size_text
from portal.uploads.types import IMAGE_TYPES, PDF, TYPES, describe, markup_kind, sniff

KINDS = ("image", "document")

_ALLOWED = {"image": set(IMAGE_TYPES), "document": {PDF, *IMAGE_TYPES}}
_ALLOWED_TEXT = {
    "image": _("a JPEG, PNG or WebP image"),
    "document": _("a PDF or a JPEG, PNG or WebP image"),
}


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
    upload_budget_charge_file(shown=original_name)
    data = _read_limited(uploaded_file, kind=kind, shown=original_name)
    if not data:
        raise UploadRejected(
            _("%(name)s is empty. Choose the file again and re-upload it."),
            code="empty",
            params={"name": original_name},
        )

    detected = sniff(data)
    if detected not in _ALLOWED[kind]:
        raise _not_allowed(data, kind=kind, shown=original_name)

    width = height = None
    if detected == PDF:
        pdf_check(data, shown=original_name)
        out = data
    else:
        if kind == "document" and b"%PDF-" in data:
            raise UploadRejected(
                _(
                    "%(name)s is both an image and a PDF (a polyglot file), which we do not accept. "
                    "Save it again as a plain PDF and upload that."
                ),
                code="polyglot",
                params={"name": original_name},
            )
        out, width, height = image_reencode(data, detected, shown=original_name)

    content_type, extension, _format = TYPES[detected]
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


def validate_uploads(files, *, kind: str):
    """Every one of ``files`` through ``validate_upload``, so that each refusal can be told: (the clean uploads,
    {index of a refused file: its UploadRejected}). The caller refuses all of them if any is refused."""
    validated, rejected = [], {}
    for index, uploaded in enumerate(files):
        try:
            validated.append(validate_upload(uploaded, kind=kind))
        except UploadRejected as exc:
            rejected[index] = exc
    return validated, rejected


def _read_limited(uploaded_file, *, kind, shown):
    limit = settings.UPLOAD_MAX_BYTES[kind]
    too_big = UploadRejected(
        _("%(name)s is larger than the %(limit)s limit for images. Upload a smaller file.")
        if kind == "image"
        else _("%(name)s is larger than the %(limit)s limit for documents. Upload a smaller file."),
        code="too_large",
        params={"name": shown, "limit": size_text(limit)},
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


def _not_allowed(data, *, kind, shown):
    markup = markup_kind(data)
    if markup == "svg":
        return UploadRejected(
            _("%(name)s is an SVG image. SVG images can carry scripts; upload PNG or JPEG instead."),
            code="svg",
            params={"name": shown},
        )
    if markup == "html":
        return UploadRejected(
            _("%(name)s is an HTML page. HTML can carry scripts; upload %(allowed)s instead."),
            code="html",
            params={"name": shown, "allowed": _ALLOWED_TEXT[kind]},
        )
    looks = _("a PDF document") if sniff(data) == PDF else describe(data)
    return UploadRejected(
        _("%(name)s is not %(allowed)s (it looks like %(looks)s)."),
        code="type_not_allowed",
        params={"name": shown, "allowed": _ALLOWED_TEXT[kind], "looks": looks},
    )
