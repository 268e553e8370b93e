"""Ordinary-word brands: the built-in word list judges unless the brand or keyword says."""

from screening.core.snapshot import Snapshot
from screening.core.words import english_words, is_ordinary_word


def test_common_english_words_are_ordinary():
    assert is_ordinary_word("Harbor")
    assert is_ordinary_word("apple")
    assert is_ordinary_word("Blue Harbor")  # every word ordinary: the phrase is too


def test_invented_names_and_chinese_are_not():
    assert not is_ordinary_word("Northwind")
    assert not is_ordinary_word("Harbor Northwind")
    assert not is_ordinary_word("北风")
    assert not is_ordinary_word("")


def test_the_list_is_small_and_lower_case():
    words = english_words()
    assert 5_000 <= len(words) <= 20_000
    assert all(word == word.lower() and word.isascii() for word in words)


def test_a_flag_in_the_snapshot_overrides_the_word_list():
    snapshot = Snapshot.from_dict(
        {
            "brands": [
                {"id": "a", "name": "Harbor", "ordinary_word": False},
                {"id": "b", "name": "Zephyrin", "keywords": [{"keyword": "Crest", "ordinary_word": False}]},
                {"id": "c", "name": "Quorvex", "ordinary_word": True},
            ]
        }
    )
    harbor, zephyrin, quorvex = snapshot.brands
    assert [k.ordinary_word for k in harbor.keywords] == [False]
    assert [(k.text, k.ordinary_word) for k in zephyrin.keywords] == [("Zephyrin", False), ("Crest", False)]
    assert [k.ordinary_word for k in quorvex.keywords] == [True]
