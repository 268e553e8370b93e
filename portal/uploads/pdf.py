"""PDF checks: complete, no active content, not also an image (see the package docstring)."""

import io
import re
import warnings

from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from portal.uploads.errors import UploadRejected

PDF_EOF_WINDOW = 1024
# PDF names that start active content. Compared after decoding #xx escapes.
PDF_ACTIVE_NAMES = {
    b"JavaScript": "JavaScript",
    b"JS": "JavaScript",
    b"Launch": _("a Launch action (it can start programs)"),
    b"EmbeddedFile": "an embedded file",
    b"EmbeddedFiles": "embedded files",
}
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]+)")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")


def pdf_check(data, *, shown):
    if b"%%EOF" not in data[-PDF_EOF_WINDOW:]:
        raise UploadRejected(
            _(
                "%(name)s is not a complete PDF (its end marker is missing; it may be truncated or damaged). "
                "Export the PDF again and re-upload it."
            ),
            code="pdf_incomplete",
            params={"name": shown},
        )
    for match in _PDF_NAME.finditer(data):
        raw = match.group(1)
        name = _PDF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw) if b"#" in raw else raw
        if name in PDF_ACTIVE_NAMES:
            raise UploadRejected(
                _(
                    "%(name)s contains active content (%(content)s), which we do not accept in PDFs. "
                    "Print it to a new PDF (“Save as PDF”) and upload that."
                ),
                code="pdf_active_content",
                params={"name": shown, "content": PDF_ACTIVE_NAMES[name]},
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
        _(
            "%(name)s is both a PDF and an image (a polyglot file), which we do not accept. "
            "Export it again as a plain PDF and upload that."
        ),
        code="polyglot",
        params={"name": shown},
    )
