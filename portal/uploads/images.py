"""Images: the header is checked against the pixel limits before anything is decoded, then re-encoded clean.

``settings.UPLOAD_MAX_IMAGE_PIXELS`` bounds one image, the request's upload
budget (portal.uploads.budget) all the images of one request.
"""

import io
import warnings

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.uploads.budget import upload_budget_charge_pixels
from portal.uploads.errors import UploadRejected
from portal.uploads.types import TYPES

JPEG_QUALITY = 90


def image_reencode(data, detected, *, shown):
    """Decode and re-encode in the same format; returns (bytes, width, height) or raises UploadRejected."""
    fmt = TYPES[detected][2]  # Pillow format
    limit = settings.UPLOAD_MAX_IMAGE_PIXELS
    damaged = UploadRejected(
        _("%(name)s could not be read as a %(format)s image; it may be damaged. Save it again and re-upload it."),
        code="image_damaged",
        params={"name": shown, "format": "WebP" if fmt == "WEBP" else fmt},
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
                    raise UploadRejected(
                        _(
                            "%(name)s is too large in pixels (%(width)s x %(height)s); the limit is %(limit)s pixels. "
                            "Scale it down and upload it again."
                        ),
                        code="too_many_pixels",
                        params={"name": shown, "width": w, "height": h, "limit": f"{limit:,}"},
                    )
                upload_budget_charge_pixels(w * h, shown=shown)
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
            _(
                "%(name)s is too large in pixels (a decompression bomb); the limit is %(limit)s pixels. "
                "Scale it down and upload it again."
            ),
            code="too_many_pixels",
            params={"name": shown, "limit": f"{limit:,}"},
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
        # zlib level 3: about a third of the CPU of the default 6 for files within a few per cent of its size.
        options.update(optimize=False, compress_level=3)
        if transparency is not None and clean.mode == img.mode:
            options["transparency"] = transparency
    buf = io.BytesIO()
    clean.save(buf, format=fmt, **options)
    return buf.getvalue()
