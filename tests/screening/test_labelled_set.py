"""Issue 11's floors on the labelled set (tests/screening/labelled.py), text-only cases.

- notice precision at least 0.97, and no clean listing ever given a notice;
- recall of infringing listings (alert or notice) at least 0.90;
- at most 5% of clean listings flagged (alert or notice);
- every banned-category listing blocked, and nothing else.

The confusion figures are printed (``pytest -s`` shows them). OCR-only and image-only cases are
labelled in the same set but need the image core: they are left out here, and counted.
"""

from collections import Counter, defaultdict

import pytest

from screening.core import ListingInput, Screener, Snapshot
from screening.core.files import screen_files
from tests.screening import labelled
from tests.screening.labelled import OBFUSCATIONS, labelled_set

OUTCOMES = ("notice", "alert", "clear", "blocked")


@pytest.fixture(scope="module")
def screened():
    assets, cases = labelled_set()
    screener = Screener(Snapshot.from_dict(assets))
    return [(case, screener.screen(ListingInput.from_dict(case.listing))) for case in cases]


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
        "recall": sum(result.outcome in flagged for _, result in infringing) / len(infringing),
        "clean_flagged": sum(result.outcome in flagged for _, result in clean) / len(clean),
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
    ):  # fmt: skip
        assert groups[group] >= 8, group
    obfuscations = Counter(case.extra.get("obfuscation") for case in text_cases)
    assert all(obfuscations[kind] >= 5 for kind in OBFUSCATIONS), obfuscations
    assert any(not case.listing["title"].isascii() and "正品" in case.listing["title"] for case in text_cases)
    assert any(case.needs == "ocr" for case in cases)


def test_the_same_seed_gives_the_same_set_and_another_seed_another():
    assert [c.listing for c in labelled_set(11)[1]] == [c.listing for c in labelled_set(11)[1]]
    assert [c.listing for c in labelled_set(11)[1]] != [c.listing for c in labelled_set(12)[1]]


def test_the_floors_of_issue_11_hold_on_the_text_only_cases(screened):
    pairs = text_only(screened)
    numbers = figures(pairs)
    print("\n" + confusion(pairs))
    print({key: round(value, 4) if isinstance(value, float) else value for key, value in numbers.items()})
    print(f"left out (need the image core): {Counter(c.needs for c, _ in screened if c.needs != 'text')}")
    wrong = [(c.listing["id"], c.group, c.listing["title"], sorted(c.acceptable), str(r.outcome), r.score)
             for c, r in pairs if str(r.outcome) not in c.acceptable]  # fmt: skip
    for line in wrong:
        print("outside its label:", line)
    assert numbers["clean_notices"] == 0
    assert numbers["notice_precision"] >= 0.97
    assert numbers["recall"] >= 0.90
    assert numbers["clean_flagged"] <= 0.05


def test_banned_categories_are_blocked_and_nothing_else_is(screened):
    for case, result in text_only(screened):
        assert (result.outcome == "blocked") == (case.group == "banned_category"), case.listing


def test_no_notice_for_a_brand_that_has_not_opted_in_nor_for_an_authorised_store(screened):
    for case, result in screened:
        if case.group in ("not_opted_in", "authorised_store", "accessory_for"):
            assert result.outcome != "notice", case.listing


def test_the_ocr_only_cases_are_clear_without_the_image_core(screened):
    # They are the image core's to find: text alone does not see the brand.
    assert {str(result.outcome) for case, result in screened if case.needs == "ocr"} == {"clear"}


def test_the_file_command_gives_the_same_outcomes(tmp_path, screened):
    labelled.write(tmp_path)
    version, outcomes = screen_files(tmp_path / "ASSETS.json", tmp_path / "LISTINGS.jsonl", tmp_path / "RESULTS.jsonl")
    assert outcomes == Counter(str(result.outcome) for _, result in screened)
