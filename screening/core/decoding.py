"""Listing images decoded safely: bytes and pixels bounded before anything is decoded.

Screening reads images nobody has vetted (a listing's, a rights holder's), so they are opened the way
the upload validator opens them (portal/uploads/images.py): the size in bytes is checked, then the
header's width x height against a pixel limit before a single pixel is decoded, and Pillow's
``DecompressionBombWarning`` is an error while decoding (``Image.MAX_IMAGE_PIXELS`` is process-wide,
so it is not relied on alone). The limits are passed in: the pipeline passes the upload settings'
values (``UPLOAD_MAX_IMAGE_PIXELS``, ``UPLOAD_MAX_BYTES["image"]``); the defaults below are those
settings' defaults, so ``screen_file`` and the tests decode exactly as the pipeline does by default.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# The formats the upload validator accepts for images.
FORMATS = ("JPEG", "PNG", "WEBP")


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    max_pixels: int = 4096 * 4096
    max_bytes: int = 10 * 1024 * 1024

    def __post_init__(self):
        if self.max_pixels < 1 or self.max_bytes < 1:
            raise ValueError("the image decoding limits are positive numbers")


DEFAULT_DECODE_LIMITS = DecodeLimits()


class ImageUnreadable(ValueError):
    """An image screening will not decode; ``code`` says why (too_large, too_many_pixels, damaged)."""

    def __init__(self, message, *, code):
        super().__init__(message)
        self.code = code


def content_hash(data):
    """The key of an image's content (OCR cache, evidence): SHA-256 of its bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def image_decode(data, *, limits=DEFAULT_DECODE_LIMITS, draft_size=None):
    """The first frame of ``data`` as an RGB or L image, upright; ImageUnreadable when it is refused.

    ``draft_size`` (w, h) lets a JPEG decode at a reduced scale (Pillow's draft mode: 1/2, 1/4 or 1/8
    of the pixels, never less than the size asked), for readers that downscale anyway.
    """
    if len(data) > limits.max_bytes:
        raise ImageUnreadable(f"the image has {len(data):,} bytes; the limit is {limits.max_bytes:,}", code="too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
                if width <= 0 or height <= 0:
                    raise ImageUnreadable("the image has no pixels", code="damaged")
                if width * height > limits.max_pixels:
                    raise ImageUnreadable(
                        f"the image is {width} x {height} pixels; the limit is {limits.max_pixels:,} pixels",
                        code="too_many_pixels",
                    )
                image.seek(0)
                if draft_size is not None and image.format == "JPEG":
                    image.draft("RGB" if image.mode != "L" else "L", draft_size)
                image.load()
                image = ImageOps.exif_transpose(image)
                return _flattened(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageUnreadable("the image is a decompression bomb", code="too_many_pixels") from None
    except ImageUnreadable:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, TypeError, IndexError):
        raise ImageUnreadable("the image could not be read as a JPEG, PNG or WebP image", code="damaged") from None


def _flattened(image):
    """RGB or L; transparency laid on white (what a shopper sees on a white page)."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I;16", "I", "F", "1"):
        return image.convert("L")
    return image.convert("RGB")
