"""Images are decoded with the upload validator's limits: bytes and pixels checked before anything is decoded."""

import pytest
from django.conf import settings
from PIL import Image

from screening.core.decoding import DEFAULT_DECODE_LIMITS, DecodeLimits, ImageUnreadable, content_hash, image_decode
from tests.screening.imaging import encoded, product_image


def test_the_default_limits_are_the_upload_settings_defaults():
    # The pipeline passes the settings' values; screen_file and the tests use these defaults: the same numbers.
    assert DEFAULT_DECODE_LIMITS.max_pixels == settings.UPLOAD_MAX_IMAGE_PIXELS
    assert DEFAULT_DECODE_LIMITS.max_bytes == settings.UPLOAD_MAX_BYTES["image"]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_listing_image_is_decoded_upright_in_rgb(fmt):
    image = image_decode(encoded(product_image(1, (120, 80)), fmt))
    assert image.size == (120, 80)
    assert image.mode == "RGB"


def test_an_image_over_the_pixel_limit_is_refused_before_it_is_decoded():
    data = encoded(Image.new("L", (1001, 1000)), "PNG")
    with pytest.raises(ImageUnreadable) as refused:
        image_decode(data, limits=DecodeLimits(max_pixels=1_000_000))
    assert refused.value.code == "too_many_pixels"
    assert "1001 x 1000" in str(refused.value)
    assert image_decode(data, limits=DecodeLimits(max_pixels=1_001_000)).size == (1001, 1000)


def test_a_decompression_bomb_is_refused():
    # 20,000 x 20,000 of one colour: a few hundred kilobytes that would decode to 400 megapixels.
    data = encoded(Image.new("1", (20_000, 20_000)), "PNG")
    assert len(data) < 1_000_000
    with pytest.raises(ImageUnreadable) as refused:
        image_decode(data, limits=DecodeLimits(max_pixels=10**12))  # Pillow's own bomb check still holds
    assert refused.value.code == "too_many_pixels"


def test_too_many_bytes_are_refused_unread():
    with pytest.raises(ImageUnreadable) as refused:
        image_decode(b"\x89PNG" + b"\0" * 2000, limits=DecodeLimits(max_bytes=1000))
    assert refused.value.code == "too_large"


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image", encoded(Image.new("RGB", (10, 10)), "GIF"), encoded(product_image(2, (64, 64)))[:200]],
    ids=["empty", "text", "gif", "truncated"],
)
def test_damaged_or_unsupported_images_are_refused_with_a_reason(data):
    with pytest.raises(ImageUnreadable) as refused:
        image_decode(data)
    assert refused.value.code == "damaged"


def test_transparency_is_laid_on_white():
    image = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    decoded = image_decode(encoded(image, "PNG"))
    assert decoded.mode == "RGB" and decoded.getpixel((0, 0)) == (255, 255, 255)


def test_the_content_hash_is_the_sha256_of_the_bytes():
    assert content_hash(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
