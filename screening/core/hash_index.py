"""Nearest neighbours of 64-bit perceptual hashes within a Hamming distance, without a Python loop over hashes.

Hashes sit in one ``uint64`` array; each row belongs to an *owner* (a reference or counterfeit image,
which has several rows: its crops, see ``phash``). ``within(query, max_distance)`` answers the owners
within the distance, each with its least distance, nearest first. Two exact searches:

- **scan** (small indexes): XOR of the query with every row and a popcount (``np.bitwise_count``),
  all in numpy.
- **multi-index hashing** (from ``MULTI_INDEX_MIN_ROWS`` rows; Norouzi, Punjani and Fleet, 2012): the
  64 bits are 4 bands of 16. Two hashes within distance r agree to within ``r // 4`` bits in at
  least one band (pigeonhole), so the candidates are the rows whose band value is one of the
  query's band values with at most ``r // 4`` bits flipped: 137 values per band for r = 10. Each
  band's rows are sorted by band value with an offset table of 65,537 entries, so every candidate
  range is found at once; the candidates are then checked by XOR and popcount as in the scan.
  Nothing is missed: the result is the scan's, at a few thousand candidates instead of a million.
"""

from itertools import combinations

import numpy as np

BANDS = 4
BAND_BITS = 16
BAND_VALUES = 1 << BAND_BITS
MULTI_INDEX_MIN_ROWS = 50_000
# Above this radius per band the candidate lists approach the whole index: scan instead.
MULTI_INDEX_MAX_BAND_RADIUS = 2

_FLIP_MASKS = {}


def _flip_masks(radius):
    """The 16-bit masks of at most ``radius`` set bits (1 + 16 + 120 for radius 2)."""
    if radius not in _FLIP_MASKS:
        masks = [0]
        for bits in range(1, radius + 1):
            masks.extend(sum(1 << b for b in chosen) for chosen in combinations(range(BAND_BITS), bits))
        _FLIP_MASKS[radius] = np.array(masks, dtype=np.int64)
    return _FLIP_MASKS[radius]


class HashIndex:
    def __init__(self, hashes, owners=None, *, multi_index=None):
        """``hashes``: 64-bit hashes (ints or a uint64 array); ``owners``: for each, the number of its owner
        (by default each hash its own). ``multi_index`` forces (True) or forbids (False) the banded index."""
        self.hashes = np.ascontiguousarray(np.asarray(hashes, dtype=np.uint64).reshape(-1))
        count = len(self.hashes)
        self.owners = (
            np.arange(count, dtype=np.int64)
            if owners is None
            else np.ascontiguousarray(np.asarray(owners, dtype=np.int64).reshape(-1))
        )
        if len(self.owners) != count:
            raise ValueError("one owner for each hash")
        use_bands = count >= MULTI_INDEX_MIN_ROWS if multi_index is None else multi_index
        self._band_rows = None
        self._band_starts = None
        if use_bands and count:
            self._bands_build()

    def __len__(self):
        return len(self.hashes)

    @property
    def multi_index(self):
        return self._band_rows is not None

    def _bands_build(self):
        count = len(self.hashes)
        rows = np.empty(BANDS * count, dtype=np.int64)
        starts = np.empty((BANDS, BAND_VALUES + 1), dtype=np.int64)
        for band in range(BANDS):  # four bands, not the hashes
            keys = ((self.hashes >> np.uint64(band * BAND_BITS)) & np.uint64(BAND_VALUES - 1)).astype(np.int64)
            rows[band * count : (band + 1) * count] = np.argsort(keys, kind="stable")
            starts[band, 0] = band * count
            np.cumsum(np.bincount(keys, minlength=BAND_VALUES), out=starts[band, 1:])
            starts[band, 1:] += band * count
        self._band_rows = rows
        self._band_starts = starts

    def _candidates(self, query, max_distance):
        """Rows that may be within ``max_distance`` (the banded index), or None to scan them all."""
        if self._band_rows is None:
            return None
        radius = max_distance // BANDS
        if radius > MULTI_INDEX_MAX_BAND_RADIUS:
            return None
        shifts = np.arange(BANDS, dtype=np.uint64) * np.uint64(BAND_BITS)
        query_bands = ((np.uint64(query) >> shifts) & np.uint64(BAND_VALUES - 1)).astype(np.int64)
        values = query_bands[:, None] ^ _flip_masks(radius)[None, :]  # (bands, masks)
        band_numbers = np.arange(BANDS)[:, None]
        first = self._band_starts[band_numbers, values].reshape(-1)
        last = self._band_starts[band_numbers, values + 1].reshape(-1)
        lengths = last - first
        total = int(lengths.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        # The concatenated ranges [first, last) without a loop: each range's start repeated over its length,
        # plus the position inside it.
        ends = np.cumsum(lengths)
        positions = np.repeat(first - (ends - lengths), lengths) + np.arange(total)
        return self._band_rows[positions]

    def within_rows(self, query, max_distance):
        """(rows, distances) of every hash within ``max_distance`` bits of ``query``, in no particular order."""
        if not len(self.hashes):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        query = np.uint64(query)
        rows = self._candidates(query, max_distance)
        if rows is None:
            distances = np.bitwise_count(self.hashes ^ query)
            rows = np.flatnonzero(distances <= max_distance)
            return rows, distances[rows].astype(np.int64)
        distances = np.bitwise_count(self.hashes[rows] ^ query)
        keep = distances <= max_distance
        # A row found through two bands appears twice.
        rows, first = np.unique(rows[keep], return_index=True)
        return rows, distances[keep][first].astype(np.int64)

    def nearest_owners(self, rows, distances):
        """(owners, distances): the owners of ``rows``, each once at its least distance, nearest first (ties by owner)."""
        if not len(rows):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        owners = self.owners[rows]
        order = np.lexsort((distances, owners))  # by owner, nearest first within an owner
        owners, distances = owners[order], distances[order]
        firsts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        owners, distances = owners[firsts], distances[firsts]
        nearest = np.lexsort((owners, distances))
        return owners[nearest], distances[nearest]

    def within(self, query, max_distance):
        """(owners, distances) within ``max_distance`` bits of ``query``: each owner once, at its least
        distance, nearest first (ties by owner number)."""
        return self.nearest_owners(*self.within_rows(query, max_distance))


class ImageIndex:
    """Images (each with several fingerprints: its crops) searched by 64-bit pHash, matches confirmed by the
    256-bit hash of the same crop (phash.Fingerprint; core/phash.py says why)."""

    def __init__(self, fingerprints_per_image):
        hashes, owners, confirms = [], [], []
        for owner, fingerprints in enumerate(fingerprints_per_image):
            for fingerprint in fingerprints:
                hashes.append(fingerprint.phash)
                owners.append(owner)
                confirms.append(fingerprint.confirm)
        self.hashes = HashIndex(hashes, owners)
        self.confirms = np.array(confirms, dtype=np.uint64).reshape(-1, 4)
        self.images = len(fingerprints_per_image)

    def matches(self, fingerprint, *, max_distance, confirm_max_distance):
        """(image numbers, 64-bit distances) of the images the fingerprint is a copy of, nearest first."""
        rows, distances = self.hashes.within_rows(fingerprint.phash, max_distance)
        if len(rows):
            confirm = np.array(fingerprint.confirm, dtype=np.uint64)
            confirmed = np.bitwise_count(self.confirms[rows] ^ confirm).sum(axis=1) <= confirm_max_distance
            rows, distances = rows[confirmed], distances[confirmed]
        return self.hashes.nearest_owners(rows, distances)
