"""Perceptual hashes: a copy stays within the threshold after the edits a copier makes; unrelated images do not.

Every edit is tested on its own and together, on synthetic product images (tests/screening/imaging.py):
resizing, JPEG recompression at quality 60, crops of 5 % of the width and height (from a corner, the
centre or one side) and brightness +-20 %. A listing image is a copy of a reference image when one of
the reference's fingerprints (its own and its crops') is within the threshold of its 64-bit pHash and
the 256-bit hash of that crop confirms it (hash_index.ImageIndex, with the default thresholds).
"""

import itertools

import pytest

from screening.core.hash_index import ImageIndex
from screening.core.phash import (
    bytes_phash,
    bytes_phash_crops,
    confirm_distance,
    hamming,
    image_fingerprint,
    image_fingerprint_crops,
    image_phash,
    image_phash_crops,
)
from screening.core.thresholds import DEFAULT_THRESHOLDS
from tests.screening.imaging import brightened, cropped, encoded, product_image, recompressed, resized

MAX_DISTANCE = DEFAULT_THRESHOLDS.image_max_distance
CONFIRM_MAX_DISTANCE = DEFAULT_THRESHOLDS.image_confirm_max_distance
SEEDS = range(40)

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
def references():
    images = {seed: product_image(seed) for seed in SEEDS}
    return images, {seed: image_phash_crops(image) for seed, image in images.items()}


@pytest.fixture(scope="module")
def index():
    """The 40 reference images (image number = seed), as screening indexes them."""
    return ImageIndex([image_fingerprint_crops(product_image(seed)) for seed in SEEDS])


def distance_to(reference_hashes, image):
    """The least 64-bit distance to any of a reference's crops (unconfirmed)."""
    query = image_phash(image)
    return min(hamming(query, h) for h in reference_hashes)


def copies(index, image):
    images, distances = index.matches(
        image_fingerprint(image), max_distance=MAX_DISTANCE, confirm_max_distance=CONFIRM_MAX_DISTANCE
    )
    return dict(zip(images.tolist(), distances.tolist(), strict=True))


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edited_copy_is_found_within_the_threshold(references, index, edit):
    images, hashes = references
    distances = [distance_to(hashes[seed], EDITS[edit](images[seed])) for seed in SEEDS]
    assert max(distances) <= MAX_DISTANCE, distances
    found = {seed: copies(index, EDITS[edit](images[seed])) for seed in SEEDS}
    assert all(seed in found[seed] for seed in SEEDS), found
    assert all(set(found[seed]) == {seed} for seed in SEEDS), found  # and nothing else


def test_a_crop_is_found_only_through_the_reference_crops(references):
    # Without the crops, a 5% cut from one corner is often over the threshold: the crops are what makes it robust.
    images, hashes = references
    plain = [hamming(image_phash(cropped(images[s], left=0.05, top=0.05)), hashes[s][0]) for s in SEEDS]
    assert max(plain) > MAX_DISTANCE
    assert max(distance_to(hashes[s], cropped(images[s], left=0.05, top=0.05)) for s in SEEDS) <= 4


def test_unrelated_images_are_not_copies(references, index):
    images, hashes = references
    others = {seed: product_image(seed) for seed in range(1000, 1100)}
    assert not any(copies(index, image) for image in others.values())
    # The 64-bit hashes alone keep them apart too, all but a near miss or two that the confirming hash rejects.
    distances = [distance_to(hashes[a], others[b]) for a, b in itertools.product(SEEDS, others)]
    distances += [distance_to(hashes[a], images[b]) for a, b in itertools.permutations(SEEDS, 2)]
    assert sum(d <= MAX_DISTANCE for d in distances) <= len(distances) / 1000
    assert sum(distances) / len(distances) > 24  # about 32 of 64 bits for independent hashes


def test_a_near_miss_of_the_64_bit_hash_is_rejected_by_the_confirming_hash(references):
    # Seed 5's crop and seed 1034 (a bottle in the middle of each) are 10 bits apart: within the threshold.
    _, hashes = references
    near = product_image(1034)
    assert distance_to(hashes[5], near) <= MAX_DISTANCE
    crops = image_fingerprint_crops(product_image(5))
    query = image_fingerprint(near)
    closest = min(crops, key=lambda crop: hamming(crop.phash, query.phash))
    assert confirm_distance(closest.confirm, query.confirm) > CONFIRM_MAX_DISTANCE


def test_the_image_hash_is_the_first_of_its_crops_and_bytes_give_the_same_hashes():
    image = product_image(7)
    crops = image_phash_crops(image)
    assert len(crops) == 16 and crops[0] == image_phash(image) and len(set(crops)) > 1
    assert all(0 <= h < 2**64 for h in crops)
    fingerprint = image_fingerprint(image)
    assert fingerprint.phash == crops[0] and len(fingerprint.confirm) == 4
    assert all(0 <= word < 2**64 for word in fingerprint.confirm)
    data = encoded(image)
    assert bytes_phash(data) == crops[0]
    assert bytes_phash_crops(data) == crops
