"""One pass of an Aho-Corasick automaton finds every keyword of every brand and every replica term."""

import ahocorasick

from screening.core.matcher import KeywordEntry, Matcher
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
