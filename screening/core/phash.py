"""Perceptual hashes of images: a 64-bit pHash (the ``imagehash`` package), and the crops a copy may be.

A pHash is the sign of the 8 x 8 lowest frequencies of the image's DCT (32 x 32 grey) against their
median: resizing, recompression and brightness change it by a few bits, unrelated images differ in
about 32 of 64. A crop moves every frequency, though: 5 % cut from one corner changes 10 to 26 bits,
over the threshold. So a reference image is hashed as itself and as the 15 crops of a grid that
covers "up to 5 % of the width and of the height cut, split any way between the sides" to within
1.25 % per side: per axis the cuts (0, 0), (5 %, 0), (0, 5 %) and (2.5 %, 2.5 %). A listing image is
hashed once; its distance to a reference image is the least over the 16 hashes. Measured on 300
synthetic product images (tests/screening/imaging.py): every crop within the grid's reach lands within
4 bits, a crop with recompression, brightness and resizing within 10.

The crops make near misses likelier too: two unrelated images of a similar layout (a bottle in the middle)
may come within 10 bits through one crop (1 pair in 4,000 of the synthetic set). So a match is
*confirmed* by a finer hash of the same crop: the 256-bit pHash (16 x 16 frequencies). Edited copies
stay within 62 of its 256 bits (99 % within 40); the unrelated pairs that came within 10 of 64 bits
were 94 or more apart in it (``Thresholds.image_confirm_max_distance``: 80).

Every hash is taken of the image first brought to at most 256 px (bilinear, from a JPEG decoded at a
reduced scale when it is large): the 32 x 32 the DCT reads hardly changes, and a 12-megapixel photo
costs milliseconds, not a second.

A picture that is mostly one shade carries no image signal: a plain colour square, a rendered card
(one colour, a thin frame, a line of small text), a photo of a blank wall. Its low frequencies are
nearly all zero, so its bits are the signs of noise or of the one feature it has (a frame, a band),
and any two such pictures come out a few bits apart (the demo's cards: 0 to 10 bits, confirmed).
Variance does not tell them apart (a white frame on a dark card gives the 32 x 32 grey a spread of
16 to 25 levels, as much as a product photo's); the share of the picture in its commonest shade
does: ``plain_share``, the share of the grey pixels (at 256 px) within ``PLAIN_TOLERANCE`` levels of
one shade, which absorbs sensor noise, JPEG and a faint gradient. At or above
``Thresholds.image_plain_share`` the picture is not fingerprinted: it is neither indexed (a
reference or counterfeit image) nor looked up (a listing image).
"""

from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image

from screening.core.decoding import DEFAULT_DECODE_LIMITS, image_decode
from screening.core.thresholds import DEFAULT_THRESHOLDS

HASH_BITS = 64
CONFIRM_BITS = 256
PREPARED_SIDE = 256
# (start, end) cuts of one axis, as fractions of its length; the crops are their products over both axes.
CROP_CUTS = ((0.0, 0.0), (0.05, 0.0), (0.0, 0.05), (0.025, 0.025))
# Grey levels either side of a shade that still count as that shade (plain_share): 11 levels in all.
PLAIN_TOLERANCE = 5
_PLAIN_WINDOW = np.ones(2 * PLAIN_TOLERANCE + 1, dtype=np.int64)
# The bit weights of imagehash's 8 x 8 boolean array, row-major, most significant first.
_BIT_WEIGHTS = np.left_shift(np.uint64(1), np.arange(HASH_BITS - 1, -1, -1, dtype=np.uint64))


def _prepared(image):
    image = image.convert("L")
    longest = max(image.size)
    if longest > PREPARED_SIDE:
        scale = PREPARED_SIDE / longest
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return image


@dataclass(frozen=True, slots=True)
class Fingerprint:
    phash: int  # 64 bits: what the index searches
    confirm: tuple  # the 256-bit pHash, as 4 words of 64 bits (most significant first): what confirms a match


def _words(bits):
    """A boolean array of 64 x n bits as n ints of 64 bits, most significant first."""
    return tuple(int(np.bitwise_or.reduce(_BIT_WEIGHTS[row])) for row in bits.reshape(-1, HASH_BITS))


def _phash64(image):
    return _words(imagehash.phash(image, hash_size=8).hash)[0]


def _fingerprint(image):
    return Fingerprint(_phash64(image), _words(imagehash.phash(image, hash_size=16).hash))


def _plain_share(prepared):
    counts = np.bincount(np.asarray(prepared, dtype=np.uint8).reshape(-1), minlength=256)
    return float(np.convolve(counts, _PLAIN_WINDOW, mode="same").max()) / max(1, prepared.width * prepared.height)


def _crop_fingerprints(prepared):
    width, height = prepared.size
    fingerprints = []
    for left, right in CROP_CUTS:
        for top, bottom in CROP_CUTS:
            box = (
                round(left * width),
                round(top * height),
                width - round(right * width),
                height - round(bottom * height),
            )
            fingerprints.append(_fingerprint(prepared if box == (0, 0, width, height) else prepared.crop(box)))
    return fingerprints


def plain_share(image):
    """The share 0-1 of the image (grey, as hashed) within ``PLAIN_TOLERANCE`` levels of its commonest shade."""
    return _plain_share(_prepared(image))


def image_phash(image):
    """The 64-bit pHash of a decoded image, as an int (of any image, however plain)."""
    return _phash64(_prepared(image))


def image_phash_crops(image):
    """The 64-bit pHashes of the image and of its 15 grid crops; the first is the image's (of any image)."""
    return [fingerprint.phash for fingerprint in _crop_fingerprints(_prepared(image))]


def image_fingerprint(image, *, max_plain_share=DEFAULT_THRESHOLDS.image_plain_share):
    """The image's fingerprint, or None when it is too plain to compare (``plain_share`` at or above the bar)."""
    prepared = _prepared(image)
    return None if _plain_share(prepared) >= max_plain_share else _fingerprint(prepared)


def image_fingerprint_crops(image, *, max_plain_share=DEFAULT_THRESHOLDS.image_plain_share):
    """The fingerprints of the image and of its 15 grid crops (see the module's docstring), the image's first;
    None when the image is too plain to compare."""
    prepared = _prepared(image)
    return None if _plain_share(prepared) >= max_plain_share else _crop_fingerprints(prepared)


def bytes_decode_for_hashing(data, *, limits=DEFAULT_DECODE_LIMITS):
    """An encoded image decoded safely (``decoding.image_decode``), a large JPEG at a reduced scale."""
    return image_decode(data, limits=limits, draft_size=(PREPARED_SIDE, PREPARED_SIDE))


def hamming(a, b):
    """Bits that differ between two 64-bit hashes (for evidence and tests; searches use hash_index)."""
    return (a ^ b).bit_count()


def confirm_distance(a, b):
    """Bits that differ between two 256-bit confirming hashes (tuples of 4 words)."""
    return sum((x ^ y).bit_count() for x, y in zip(a, b, strict=True))
