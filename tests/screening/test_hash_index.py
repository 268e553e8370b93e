"""The hash index finds exactly the hashes within the distance, by scan or by multi-index hashing."""

import numpy as np
import pytest

from screening.core.hash_index import HashIndex


def flipped(value, bits, rng):
    for bit in rng.choice(64, size=bits, replace=False):
        value ^= 1 << int(bit)
    return value


@pytest.fixture(scope="module")
def planted():
    """60,000 random hashes, and for each of 20 queries hashes planted 0 to 14 bits from it."""
    rng = np.random.default_rng(5)
    hashes = [int(h) for h in rng.integers(0, 2**64, size=60_000, dtype=np.uint64)]
    queries = [int(q) for q in rng.integers(0, 2**64, size=20, dtype=np.uint64)]
    for query in queries:
        for bits in range(15):
            hashes.append(flipped(query, bits, rng))
    # Every distance, by a plain Python loop, to check the index against.
    distances = {query: [(h ^ query).bit_count() for h in hashes] for query in queries}
    return hashes, queries, distances


def naive(distances, max_distance):
    return sorted((d, i) for i, d in enumerate(distances) if d <= max_distance)


@pytest.mark.parametrize("max_distance", [0, 3, 10, 11])
def test_the_multi_index_finds_what_the_scan_finds_and_only_that(planted, max_distance):
    hashes, queries, all_distances = planted
    banded, scanned = HashIndex(hashes), HashIndex(hashes, multi_index=False)
    assert banded.multi_index and not scanned.multi_index
    for query in queries:
        owners, distances = banded.within(query, max_distance)
        expected = naive(all_distances[query], max_distance)
        assert [(int(d), int(o)) for o, d in zip(owners, distances, strict=True)] == expected
        scan_owners, scan_distances = scanned.within(query, max_distance)
        assert owners.tolist() == scan_owners.tolist() and distances.tolist() == scan_distances.tolist()
        # The planted hashes 0..max_distance bits away are all there, none farther.
        assert sorted(set(distances.tolist())) == list(range(max_distance + 1))


def test_a_wide_search_on_the_multi_index_scans_instead(planted):
    hashes, queries, all_distances = planted
    owners, distances = HashIndex(hashes).within(queries[0], 14)
    assert sorted(distances.tolist()) == [d for d, _ in naive(all_distances[queries[0]], 14)]


def test_each_owner_is_answered_once_at_its_least_distance_nearest_first():
    base = 0xF0F0_F0F0_0000_FFFF
    hashes = [base ^ 0b111, base ^ 0b1, base ^ 0b11111, base ^ (2**40 - 1), base ^ 0b11]
    owners = [7, 7, 3, 9, 3]
    for index in (HashIndex(hashes, owners), HashIndex(hashes, owners, multi_index=True)):
        found, distances = index.within(base, 10)
        assert found.tolist() == [7, 3] and distances.tolist() == [1, 2]


def test_an_empty_index_finds_nothing():
    for index in (HashIndex([]), HashIndex([], multi_index=True)):
        owners, distances = index.within(123, 10)
        assert len(owners) == 0 and len(distances) == 0


def test_every_hash_needs_an_owner():
    with pytest.raises(ValueError):
        HashIndex([1, 2], owners=[1])
