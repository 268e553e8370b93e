"""One request's uploads share a budget of files and pixels; an image past it is refused before it is decoded."""

import time

import pytest

from portal.uploads import UploadRejected, upload_budget, validate_upload
from tests.portal.test_uploads import image_bytes, png_bomb, upload


def test_the_default_pixel_limit_is_what_a_page_can_show(settings):
    assert settings.UPLOAD_MAX_IMAGE_PIXELS == 4096 * 4096
    phone_photo = png_bomb(4032, 3024)
    assert validate_upload(upload("phone.png", phone_photo), kind="image").width == 4032
    with pytest.raises(UploadRejected, match=r"\(6300 x 6300\).*16,777,216 pixels"):
        validate_upload(upload("huge.png", png_bomb(6300, 6300)), kind="image")


def test_images_past_the_requests_pixel_budget_are_refused_with_a_clear_message():
    image = png_bomb(2000, 2000)  # 4 megapixels each
    with upload_budget(max_pixels=10_000_000) as budget:
        validate_upload(upload("one.png", image), kind="image")
        validate_upload(upload("two.png", image), kind="image")
        with pytest.raises(UploadRejected) as refused:
            validate_upload(upload("three.png", image), kind="image")
    assert str(refused.value) == (
        "three.png takes the images sent together past 10,000,000 pixels in all. "
        "Send fewer or smaller images at a time."
    )
    assert budget.pixels == 8_000_000


def test_files_past_the_requests_file_budget_are_refused_before_they_are_read():
    with upload_budget(max_files=2) as budget:
        validate_upload(upload("a.png", image_bytes()), kind="image")
        validate_upload(upload("b.png", image_bytes()), kind="image")
        with pytest.raises(UploadRejected, match="c.png is one file too many: send at most 2 files at a time"):
            validate_upload(upload("c.png", b"not even read"), kind="image")
    assert budget.files == 2


def test_the_budget_comes_from_settings_and_ends_with_its_block(settings):
    settings.UPLOAD_MAX_PIXELS_PER_REQUEST = 50_000
    with upload_budget() as budget, pytest.raises(UploadRejected, match="past 50,000 pixels"):
        validate_upload(upload("big.png", image_bytes("PNG", size=(300, 200))), kind="image")
    assert budget.max_files == settings.UPLOAD_MAX_FILES_PER_REQUEST
    # Outside a request's budget only the per-image limit applies.
    assert validate_upload(upload("big.png", image_bytes("PNG", size=(300, 200))), kind="image").width == 300


def test_ten_large_images_in_one_request_cost_almost_no_cpu():
    """The red-team request: ten 39.7-megapixel PNGs took 20 s of CPU to decode and re-encode."""
    bomb = png_bomb(6300, 6300, rgb=True)
    assert 6300 * 6300 > 39_600_000 and len(bomb) < 200_000
    started = time.process_time()
    refused = []
    with upload_budget():
        for n in range(10):
            with pytest.raises(UploadRejected) as exc:
                validate_upload(upload(f"shot{n}.png", bomb), kind="image")
            refused.append(exc.value.code)
    assert refused == ["too_many_pixels"] * 10
    assert time.process_time() - started < 2.0
