"""Issue 11's floors on the labelled set (tests/screening/labelled.py): text, OCR and image cases.

- notice precision at least 0.97, and no clean listing ever given a notice;
- recall of infringing listings (alert or notice) at least 0.90;
- at most 5% of clean listings flagged (alert or notice);
- every banned-category listing blocked, and nothing else.

The confusion figures are printed (``pytest -s`` shows them). The set is written to files with its
images, as ``screen_file`` reads it, and screened with the image core: the real Tesseract reads the
captions, perceptual hashes find the copies.
"""

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from screening.core import ListingInput, Screener, Snapshot
from screening.core.files import screen_files
from screening.core.images import ListingImages, NoImageScreening, default_ocr_reader
from tests.screening import labelled
from tests.screening.labelled import OBFUSCATIONS, labelled_set

OUTCOMES = ("notice", "alert", "clear", "blocked")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    directory = tmp_path_factory.mktemp("labelled")
    labelled.write(directory)
    return directory


@pytest.fixture(scope="module")
def screened(written):
    assets, cases = labelled_set()
    snapshot = Snapshot.from_dict(assets, base_dir=written)
    listings = [ListingInput.from_dict(case.listing, base_dir=written) for case in cases]
    # Every listing image read first in batches (a few Tesseract processes, as the pipeline's batches are);
    # screening then finds the text in the process's cache, which screen_file's run below shares.
    reader = default_ocr_reader()
    reader.read_many([Path(path).read_bytes() for listing in listings for path in listing.images])
    screener = Screener(snapshot, images=ListingImages(snapshot, ocr=reader))
    return [(case, screener.screen(listing)) for case, listing in zip(cases, listings, strict=True)]


def text_only(screened):
    return [(case, result) for case, result in screened if case.needs == "text"]


def figures(pairs):
    notices = [(case, result) for case, result in pairs if result.outcome == "notice"]
    infringing = [(case, result) for case, result in pairs if case.infringing]
    clean = [(case, result) for case, result in pairs if case.infringing is False]
    flagged = ("alert", "notice")
    return {
        "cases": len(pairs),
        "notices": len(notices),
        "notice_precision": sum("notice" in case.acceptable for case, _ in notices) / max(1, len(notices)),
        "clean_notices": sum(case.infringing is False for case, _ in notices),
        "recall": sum(result.outcome in flagged for _, result in infringing) / max(1, len(infringing)),
        "clean_flagged": sum(result.outcome in flagged for _, result in clean) / max(1, len(clean)),
        "acceptable": sum(str(result.outcome) in case.acceptable for case, result in pairs) / len(pairs),
        "infringing": len(infringing),
        "clean": len(clean),
    }


def confusion(pairs):
    by_group = defaultdict(Counter)
    for case, result in pairs:
        by_group[case.group][str(result.outcome)] += 1
    lines = [f"{'group':<28}" + "".join(f"{o:>9}" for o in OUTCOMES) + "  wrong"]
    for group, counts in by_group.items():
        wrong = sum(str(r.outcome) not in c.acceptable for c, r in pairs if c.group == group)
        lines.append(f"{group:<28}" + "".join(f"{counts[o]:>9}" for o in OUTCOMES) + f"  {wrong:>5}")
    return "\n".join(lines)


def test_the_set_is_large_and_covers_every_kind_of_case():
    _, cases = labelled_set()
    text_cases = [case for case in cases if case.needs == "text"]
    assert len(text_cases) >= 300
    assert len({case.listing["id"] for case in cases}) == len(cases)
    groups = Counter(case.group for case in text_cases)
    for group in (
        "genuine_resale", "used_goods", "generic", "ordinary_word_unrelated", "accessory_for", "authorised_store",
        "banned_category", "replica_words", "obfuscated_name", "chinese", "price_only", "merchant_linked",
        "description_only", "ordinary_word_counterfeit", "not_opted_in", "genuine_warns_of_fakes", "lookalike",
        "own_misspelling_genuine", "own_misspelling_accessory", "own_misspelling_disguised",
        "own_registered_disguise",
    ):  # fmt: skip
        assert groups[group] >= 8, group
    obfuscations = Counter(case.extra.get("obfuscation") for case in text_cases)
    assert all(obfuscations[kind] >= 5 for kind in OBFUSCATIONS), obfuscations
    assert any(not case.listing["title"].isascii() and "正品" in case.listing["title"] for case in text_cases)
    assert any(case.needs == "ocr" for case in cases)
    assert any(case.needs == "ocr" and not case.image_text.isascii() for case in cases)
    ways = Counter(case.extra.get("ocr_way") for case in cases if case.group == "ocr_hard")
    assert all(ways[way] >= 1 for way in labelled.OCR_HARD_WAYS) and sum(ways.values()) >= 8, ways
    image_groups = Counter(case.group for case in cases if case.needs == "image")
    assert image_groups["image_copy"] >= 16 and image_groups["counterfeit_image"] >= 8
    assert image_groups["image_unrelated"] >= 20 and image_groups["image_authorised"] >= 4
    edits = Counter(case.extra.get("edit") for case in cases if case.group == "image_copy")
    assert all(edits[edit] >= 2 for edit in labelled.IMAGE_EDITS), edits


def test_the_same_seed_gives_the_same_set_and_another_seed_another():
    assert [c.listing for c in labelled_set(11)[1]] == [c.listing for c in labelled_set(11)[1]]
    assert [c.listing for c in labelled_set(11)[1]] != [c.listing for c in labelled_set(12)[1]]


def test_the_floors_of_issue_11_hold(screened):
    numbers = figures(screened)
    print("\n" + confusion(screened))
    print({key: round(value, 4) if isinstance(value, float) else value for key, value in numbers.items()})
    for needs in ("text", "ocr", "image"):
        part = figures([(c, r) for c, r in screened if c.needs == needs])
        print(needs, {key: round(value, 4) if isinstance(value, float) else value for key, value in part.items()})
    wrong = [(c.listing["id"], c.group, c.listing["title"], sorted(c.acceptable), str(r.outcome), r.score)
             for c, r in screened if str(r.outcome) not in c.acceptable]  # fmt: skip
    for line in wrong:
        print("outside its label:", line)
    assert numbers["clean_notices"] == 0
    assert numbers["notice_precision"] >= 0.97
    assert numbers["recall"] >= 0.90
    assert numbers["clean_flagged"] <= 0.05
    # The text cases alone hold them too: the image cases do not carry them.
    text = figures(text_only(screened))
    assert text["clean_notices"] == 0 and text["notice_precision"] >= 0.97
    assert text["recall"] >= 0.90 and text["clean_flagged"] <= 0.05


def test_the_image_cases_are_found_by_the_image_core(screened):
    flagged = ("alert", "notice")
    images = [(c, r) for c, r in screened if c.needs in ("ocr", "image")]
    infringing = [(c, r) for c, r in images if c.infringing]
    clean = [(c, r) for c, r in images if c.infringing is False]
    copies = [r for c, r in infringing if c.needs == "image"]
    assert sum(r.outcome in flagged for r in copies) / len(copies) >= 0.90  # 24 of 24
    # OCR-only recall: 12 of the 16 captions (Tesseract 5.3, Debian 12). Found: 5 of the 8 plain captions
    # (3 of them on striped scenes only by the second look, Sauvola's local threshold, see
    # screening/core/ocr.py) and 7 of the 8 hard ones (light on dark, turned, JPEG quality 40, small
    # print). Missed: a caption turned 4 degrees on a busy scene, a caption whose first reading found a
    # product's own print (so no second look), and the two short Chinese captions: "北风 高仿" white
    # on black is lost by the layout (cropped, it reads), "天鹿" is misread by the Chinese model itself
    # ("天放", "天订", even cropped and enlarged).
    captions = [(c, r) for c, r in infringing if c.needs == "ocr"]
    found = [c.listing["id"] for c, r in captions if r.outcome in flagged]
    assert len(captions) == 16 and len(found) >= 12, found
    plain = [c.listing["id"] for c, r in captions if c.group == "ocr_only" and r.outcome in flagged]
    assert len(plain) >= 5, plain
    assert not any(r.outcome in flagged for _, r in clean), [c.listing for c, r in clean if r.outcome in flagged]
    for case, result in infringing:
        if case.needs == "image" and result.outcome in flagged:
            assert any(s.kind == "image" and " bits of 64 from " in s.evidence for s in result.signals), result
        if case.needs == "ocr" and result.outcome in flagged:
            assert any(s.kind == "ocr" and s.evidence.startswith("image text: ") for s in result.signals), result


def test_banned_categories_are_blocked_and_nothing_else_is(screened):
    for case, result in text_only(screened):
        assert (result.outcome == "blocked") == (case.group == "banned_category"), case.listing


def test_no_notice_for_a_brand_that_has_not_opted_in_nor_for_an_authorised_store(screened):
    for case, result in screened:
        if case.group in ("not_opted_in", "authorised_store", "accessory_for"):
            assert result.outcome != "notice", case.listing


def test_the_image_cases_are_clear_without_the_image_core(written):
    # They are the image core's to find: text alone does not see the brand.
    assets, cases = labelled_set()
    screener = Screener(Snapshot.from_dict(assets, base_dir=written), images=NoImageScreening())
    outcomes = {
        str(screener.screen(ListingInput.from_dict(case.listing, base_dir=written)).outcome)
        for case in cases
        if case.needs in ("ocr", "image")
    }
    assert outcomes == {"clear"}


def test_the_file_command_gives_the_same_outcomes(tmp_path, written, screened):
    version, outcomes = screen_files(written / "ASSETS.json", written / "LISTINGS.jsonl", tmp_path / "RESULTS.jsonl")
    assert outcomes == Counter(str(result.outcome) for _, result in screened)


def test_a_batch_gives_every_listing_the_result_it_gets_alone(written, screened):
    # screen_many normalises and matches all listings at once: nothing may leak from one to the next.
    assets, cases = labelled_set()
    snapshot = Snapshot.from_dict(assets, base_dir=written)
    screener = Screener(snapshot, images=ListingImages(snapshot, ocr=default_ocr_reader()))  # its cache is warm
    listings = [ListingInput.from_dict(case.listing, base_dir=written) for case in cases]
    assert screener.screen_many(listings) == [result for _, result in screened]
    assert screener.screen_many(list(reversed(listings))) == [result for _, result in reversed(screened)]
    assert screener.screen_many([]) == []
