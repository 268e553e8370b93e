"""One pass of an Aho-Corasick automaton finds every keyword of every brand and every replica term."""

import ahocorasick
import pytest

from screening.core.matcher import KeywordEntry, Matcher, written_plainly
from screening.core.normalise import view
from screening.core.snapshot import Snapshot


def matcher_for(*brands):
    snapshot = Snapshot.from_dict({"brands": [{"id": i, **brand} for i, brand in enumerate(brands)]})
    return Matcher(snapshot.brands)


def found(matcher, text):
    hits = []
    matcher.find("title", view(text), hits)
    return sorted(
        (hit.entry.keyword.text if isinstance(hit.entry, KeywordEntry) else f"replica:{hit.entry.text}") for hit in hits
    )


class CountingAutomaton:
    def __init__(self, automaton):
        self.automaton = automaton
        self.passes = 0

    def iter(self, text):
        self.passes += 1
        return self.automaton.iter(text)


def test_every_keyword_of_every_brand_in_one_pass():
    brands = [{"name": f"Brandname{i:05d}", "keywords": [f"Kw{i:05d}x", f"Line{i:05d}z"]} for i in range(2_000)]
    matcher = matcher_for(*brands)
    assert isinstance(matcher.automaton, ahocorasick.Automaton)
    counting = matcher.automaton = CountingAutomaton(matcher.automaton)
    text = "Brandname00007 and Kw01999x with Line00500z, replica"
    assert found(matcher, text) == ["Brandname00007", "Kw01999x", "Line00500z", "replica:replica"]
    assert counting.passes == 1


def test_latin_keywords_keep_word_boundaries():
    matcher = matcher_for({"name": "Northwind"}, {"name": "Harbor"})
    assert found(matcher, "Northwind sneakers") == ["Northwind"]
    assert found(matcher, "(Northwind) x-Northwind, NORTHWIND!") == ["Northwind"] * 3
    assert found(matcher, "Northwinds Harborview unharbored northwindy") == []
    assert found(matcher, "北风Northwind正品") == ["Northwind"]


def test_chinese_keywords_match_without_word_boundaries():
    matcher = matcher_for({"name": "Northwind", "keywords": ["北风"]})
    assert found(matcher, "东北风运动鞋") == ["北风"]
    assert found(matcher, "北 风 运动鞋") == ["北风"]
    assert found(matcher, "北方风格") == []


def test_a_keyword_of_several_words_is_found_with_and_without_its_spaces():
    matcher = matcher_for({"name": "North Wind"})
    assert found(matcher, "North Wind jacket") == ["North Wind"]
    assert found(matcher, "NorthWind jacket") == ["North Wind"]
    assert found(matcher, "North-Wind jacket") == ["North Wind"]
    assert found(matcher, "North jacket, wind proof") == []


def test_obfuscated_keywords_and_replica_terms_are_found():
    matcher = matcher_for({"name": "Northwind"})
    for text in ("N0rthw1nd", "N.o.r.t.h.w.i.n.d", "Nоrthwіnd", "ＮＯＲＴＨＷＩＮＤ", "N o r t h w i n d"):
        assert found(matcher, text) == ["Northwind"], text
    assert found(matcher, "R3PL1CA 高仿 1:1 AAA quality") == [
        "replica:1:1",
        "replica:aaa quality",
        "replica:replica",
        "replica:高仿",
    ]


def test_brands_sharing_a_keyword_are_both_found():
    matcher = matcher_for({"name": "Alpha", "keywords": ["Zeta"]}, {"name": "Beta", "keywords": ["zeta"]})
    hits = []
    matcher.find("title", view("Zeta bag"), hits)
    assert sorted(hit.entry.brand_index for hit in hits) == [0, 1]


def entries(matcher, text):
    hits = []
    matcher.find("title", view(text), hits)
    return [hit.entry for hit in hits if isinstance(hit.entry, KeywordEntry)]


def test_a_brands_keywords_that_read_the_same_are_one_entry_with_the_brands_own_spellings():
    matcher = matcher_for({"name": "KESTREL", "keywords": ["kestrel", "k3strel", "kestre1", "kestrell"]})
    for text in ("Kestrel", "K3strel", "KESTRE1", "K3str3l"):
        [entry] = entries(matcher, text)
        assert entry.keyword.text == "KESTREL"
        assert entry.plain_forms == ("kestrel",)  # "k3strel" and "kestre1": disguises the brand registered
    [entry] = entries(matcher, "Kestrell")
    assert (entry.keyword.text, entry.plain_forms) == ("kestrell", ("kestrell",))
    [entry] = entries(matcher, "kestrel")
    assert entry.plain_forms == ("kestrel",)


def test_a_name_of_several_words_and_its_keywords_without_spaces_are_one_entry():
    matcher = matcher_for({"name": "Northwind", "keywords": ["North Wind", "N0rth Wind"]})
    [entry] = entries(matcher, "Northwind")
    assert (entry.keyword.text, entry.plain_forms) == ("Northwind", ("northwind", "north wind"))
    [entry] = entries(matcher, "North Wind")
    assert (entry.keyword.text, entry.plain_forms) == ("North Wind", ("north wind", "northwind"))


def test_spellings_registered_alone_are_the_brands_own_whatever_they_hold():
    matcher = matcher_for({"name": "Zeta", "keywords": ["4Runner", "Lumetta X5"]})
    assert [entry.plain_forms for entry in entries(matcher, "4Runner Lumetta X5")] == [
        ("4runner",),
        ("lumetta x5", "lumettax5"),
    ]


def test_an_entry_is_an_ordinary_word_when_the_brands_own_spellings_are():
    matcher = matcher_for(
        {"name": "Harbor", "keywords": ["H4rbor"]}, {"name": "Blue Harbor", "keywords": ["Blueharbor"]}
    )
    assert [entry.ordinary_word for entry in entries(matcher, "H4rbor")] == [True]
    assert sorted((e.brand_index, e.ordinary_word) for e in entries(matcher, "Blue Harbor")) == [(0, True), (1, True)]
    assert [(e.brand_index, e.ordinary_word) for e in entries(matcher, "Blueharbor")] == [(1, False)]


@pytest.mark.parametrize(
    ("text", "plainly"),
    [
        ("Kestrel", True),
        ("KÉSTREL", True),  # accents and case: plain
        ("Levi's", True),
        ("Marlow & Finch", True),
        ("marlow+finch", True),
        ("Air Max 90", True),  # a number alone is read as a number
        ("北风", True),
        ("k3strel", False),
        ("kestre1", False),
        ("H@rbor", False),
        ("Кestrel", False),  # a Cyrillic К among Latin letters
        ("ＫＥＳＴＲＥＬ", False),
        ("Kes\u200btrel", False),
        ("K.e.s.t.r.e.l", False),
    ],
)
def test_written_plainly_means_letters_as_screening_reads_them(text, plainly):
    assert written_plainly(text) is plainly
