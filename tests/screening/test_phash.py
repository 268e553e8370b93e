"""Perceptual hashes: a copy stays within the threshold after the edits a copier makes; unrelated images do not;
a picture too plain to compare is not fingerprinted.

Every edit is tested on its own and together, on synthetic product images (tests/screening/imaging.py):
resizing, JPEG recompression at quality 60, crops of 5 % of the width and height (from a corner, the
centre or one side) and brightness +-20 %. A listing image is a copy of a reference image when one of
the reference's fingerprints (its own and its crops') is within the threshold of its 64-bit pHash and
the 256-bit hash of that crop confirms it (hash_index.ImageIndex, with the default thresholds).

Each image is made and hashed once (module fixtures); distances between many hashes are taken at once
with numpy, as the index takes them.
"""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from demo.files import logo_png
from screening.core.hash_index import ImageIndex
from screening.core.phash import (
    bytes_decode_for_hashing,
    confirm_distance,
    hamming,
    image_fingerprint,
    image_fingerprint_crops,
    image_phash,
    image_phash_crops,
    plain_share,
)
from screening.core.thresholds import DEFAULT_THRESHOLDS
from tests.screening.imaging import brightened, cropped, encoded, font, product_image, recompressed, resized

MAX_DISTANCE = DEFAULT_THRESHOLDS.image_max_distance
CONFIRM_MAX_DISTANCE = DEFAULT_THRESHOLDS.image_confirm_max_distance
PLAIN_SHARE = DEFAULT_THRESHOLDS.image_plain_share
SEEDS = range(40)
OTHER_SEEDS = range(1000, 1100)

EDITS = {
    "half size": lambda image: resized(image, 0.5),
    "quarter size": lambda image: resized(image, 0.25),
    "one and a half times": lambda image: resized(image, 1.5),
    "JPEG quality 60": lambda image: recompressed(image, 60),
    "5% cut from the top left": lambda image: cropped(image, left=0.05, top=0.05),
    "5% cut from the bottom right": lambda image: cropped(image, right=0.05, bottom=0.05),
    "5% cut from the top right": lambda image: cropped(image, right=0.05, top=0.05),
    "5% cut around": lambda image: cropped(image, left=0.025, top=0.025, right=0.025, bottom=0.025),
    "5% cut from the left": lambda image: cropped(image, left=0.05),
    "3% and 2% cut": lambda image: cropped(image, left=0.03, right=0.02, top=0.01, bottom=0.04),
    "20% brighter": lambda image: brightened(image, 1.2),
    "20% darker": lambda image: brightened(image, 0.8),
    "all at once": lambda image: recompressed(brightened(cropped(resized(image, 0.6), left=0.05, top=0.03), 1.2), 60),
}


@pytest.fixture(scope="module")
def images():
    """The 40 reference images (seed -> image), at the default 640 px."""
    return {seed: product_image(seed) for seed in SEEDS}


@pytest.fixture(scope="module")
def crops(images):
    """Their fingerprints as screening indexes them (the image and its 15 crops), by seed."""
    return {seed: image_fingerprint_crops(image) for seed, image in images.items()}


@pytest.fixture(scope="module")
def index(crops):
    """The 40 reference images (image number = seed), as screening indexes them."""
    return ImageIndex([crops[seed] for seed in SEEDS])


@pytest.fixture(scope="module")
def others():
    """100 unrelated product images (seed -> image), smaller: their size changes nothing the hash reads."""
    return {seed: product_image(seed, (320, 320)) for seed in OTHER_SEEDS}


def hashes(values):
    return np.array(values, dtype=np.uint64)


def least_distances(reference_crops, queries):
    """(references x queries) least 64-bit distance from each query hash to any of each reference's crops."""
    table = hashes([[crop.phash for crop in fingerprints] for fingerprints in reference_crops])
    return np.bitwise_count(table[:, :, None] ^ hashes(queries)[None, None, :]).min(axis=1)


def copies(index, fingerprint):
    images, distances = index.matches(fingerprint, max_distance=MAX_DISTANCE, confirm_max_distance=CONFIRM_MAX_DISTANCE)
    return dict(zip(images.tolist(), distances.tolist(), strict=True))


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edited_copy_is_found_within_the_threshold(images, crops, index, edit):
    edited = [image_fingerprint(EDITS[edit](images[seed])) for seed in SEEDS]
    distances = least_distances([crops[seed] for seed in SEEDS], [fingerprint.phash for fingerprint in edited])
    assert distances.diagonal().max() <= MAX_DISTANCE, distances.diagonal()
    found = {seed: copies(index, fingerprint) for seed, fingerprint in zip(SEEDS, edited, strict=True)}
    assert all(set(found[seed]) == {seed} for seed in SEEDS), found  # its own reference, and nothing else


def test_a_crop_is_found_only_through_the_reference_crops(images, crops):
    # Without the crops, a 5% cut from one corner is often over the threshold: the crops are what makes it robust.
    cut = [image_phash(cropped(images[seed], left=0.05, top=0.05)) for seed in SEEDS]
    plain = [hamming(query, crops[seed][0].phash) for seed, query in zip(SEEDS, cut, strict=True)]
    assert max(plain) > MAX_DISTANCE
    assert least_distances([crops[seed] for seed in SEEDS], cut).diagonal().max() <= 4


def test_unrelated_images_are_not_copies(crops, index, others):
    queries = {seed: image_fingerprint(image) for seed, image in others.items()}
    # One of them (seed 1067: its shapes about as light as its backdrop) is too plain to compare, in grey.
    queries = {seed: fingerprint for seed, fingerprint in queries.items() if fingerprint is not None}
    assert len(queries) >= 99
    assert not any(copies(index, fingerprint) for fingerprint in queries.values())
    # The 64-bit hashes alone keep them apart too, all but a near miss or two that the confirming hash rejects.
    references = [crops[seed] for seed in SEEDS]
    to_others = least_distances(references, [fingerprint.phash for fingerprint in queries.values()]).reshape(-1)
    between = least_distances(references, [crops[seed][0].phash for seed in SEEDS])
    distances = np.concatenate([to_others, between[~np.eye(len(SEEDS), dtype=bool)]])
    assert len(distances) == 40 * len(queries) + 40 * 39
    assert (distances <= MAX_DISTANCE).sum() <= len(distances) / 1000
    assert distances.mean() > 24  # about 32 of 64 bits for independent hashes


def test_a_near_miss_of_the_64_bit_hash_is_rejected_by_the_confirming_hash(crops):
    # Seed 5's crop and seed 1034 (a bottle in the middle of each) are 10 bits apart: within the threshold.
    query = image_fingerprint(product_image(1034))
    closest = min(crops[5], key=lambda crop: hamming(crop.phash, query.phash))
    assert hamming(closest.phash, query.phash) <= MAX_DISTANCE
    assert confirm_distance(closest.confirm, query.confirm) > CONFIRM_MAX_DISTANCE


def test_the_image_hash_is_the_first_of_its_crops_and_bytes_give_the_same_hashes(images, crops):
    image = images[7]
    hashes_ = image_phash_crops(image)
    assert hashes_ == [crop.phash for crop in crops[7]]
    assert len(hashes_) == 16 and hashes_[0] == image_phash(image) and len(set(hashes_)) > 1
    assert all(0 <= h < 2**64 for h in hashes_)
    fingerprint = image_fingerprint(image)
    assert fingerprint == crops[7][0] and len(fingerprint.confirm) == 4
    assert all(0 <= word < 2**64 for word in fingerprint.confirm)
    assert image_fingerprint_crops(bytes_decode_for_hashing(encoded(image))) == crops[7]


# --- Pictures too plain to compare ---------------------------------------------------------------------


def flat(colour, size=(400, 300)):
    return Image.new("RGB", size, colour)


def noisy(grey, sigma, size=(400, 400), seed=1):
    noise = np.random.default_rng(seed).normal(grey, sigma, (size[1], size[0], 3))
    return Image.fromarray(np.clip(noise, 0, 255).astype(np.uint8), "RGB")


def gradient(low, high, size=(400, 300)):
    return Image.fromarray(np.tile(np.linspace(low, high, size[0]), (size[1], 1)).astype(np.uint8)).convert("RGB")


def card(text, colour, size=(480, 360)):
    """The demo's pictures (demo/files.py): one colour, a thin white frame, the text small in the middle."""
    return Image.open(io.BytesIO(logo_png(text, colour, size))).convert("RGB")


def wordmark(text, px, size=(600, 300)):
    """Black letters on a white logo."""
    image = flat((255, 255, 255), size)
    ImageDraw.Draw(image).text((60, 80), text, font=font(text, px), fill=(0, 0, 0))
    return image


PLAIN = {
    "a plain colour square": flat((200, 30, 30)),
    "white": flat((255, 255, 255)),
    "a plain square saved as JPEG": recompressed(flat((40, 90, 160)), 60),
    "grey with sensor noise": noisy(128, 8),
    "a faint gradient": gradient(100, 110),
    "a demo card": card("Northwind Athletics", (20, 60, 120), (480, 240)),
    "a light demo card": card("NORTHWIND", (235, 195, 135), (480, 240)),
    "a demo listing photo": card("Leather handbag brown", (52, 73, 94)),
    "a small wordmark on white": wordmark("NIKE", 60),
}


@pytest.mark.parametrize("name", list(PLAIN))
def test_a_picture_mostly_one_shade_is_too_plain_to_compare(name):
    image = PLAIN[name]
    assert plain_share(image) >= PLAIN_SHARE
    assert image_fingerprint(image) is None and image_fingerprint_crops(image) is None
    # Its 64-bit hash alone is still there (image_phash hashes anything); screening never uses it.
    assert 0 <= image_phash(image) < 2**64


def test_plain_pictures_hash_alike_so_without_the_bar_they_would_be_copies_of_each_other():
    # Why the bar exists: the hash of a near-blank picture is its frame or its noise, the same for all of them.
    references = [PLAIN["a demo card"], PLAIN["a light demo card"], PLAIN["a plain colour square"]]
    crops = [image_fingerprint_crops(image, max_plain_share=1.01) for image in references]
    index = ImageIndex(crops)
    photo = image_fingerprint(PLAIN["a demo listing photo"], max_plain_share=1.01)
    square = image_fingerprint(flat((10, 200, 90), (300, 300)), max_plain_share=1.01)
    assert copies(index, photo) and copies(index, square)


def test_product_photos_and_bold_logos_are_not_plain(images, others):
    shares = {seed: plain_share(image) for seed, image in [*images.items(), *others.items()]}
    # Seed 1067 is what the hash sees as a blank backdrop: its shapes are about as light as it is, in grey.
    assert [seed for seed, share in shares.items() if share >= PLAIN_SHARE] == [1067]
    assert max(shares[seed] for seed in SEEDS) < PLAIN_SHARE - 0.01
    assert plain_share(wordmark("NIKE", 120)) < PLAIN_SHARE
    assert plain_share(gradient(60, 200)) < 0.5 and plain_share(noisy(128, 40)) < 0.5
