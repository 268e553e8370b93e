"""Text normalisation: every fold and obfuscation the matcher sees through, and the way back to the text."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from screening.core.normalise import (
    FOLD,
    SEPARATOR,
    _fold_character,
    _fold_code,
    original_span,
    plain,
    view,
    view_with_origin,
    views,
)


def words(text):
    return view(text).split()


def test_view_is_words_between_single_spaces():
    assert view("  Northwind   Sneakers\n\tsize 42 ") == " northwind sneakers size 42 "
    assert view("") == "  "


def test_case_is_folded():
    assert view("NORTHWIND") == view("northwind") == view("NorthWind")


def test_full_width_forms_are_folded_by_nfkc():
    assert view("Ｎｏｒｔｈｗｉｎｄ") == view("Northwind")
    assert view("ﬁne") == view("fine")  # a ligature


def test_accents_are_stripped():
    assert view("Hermès Nörthwïnd") == view("Hermes Northwind")


@pytest.mark.parametrize(
    "disguised",
    [
        "Nоrthwind",  # Cyrillic о
        "Northwіnd",  # Cyrillic і
        "NΟRTHWΙND",  # Greek capital omicron and iota
        "Νorthwind",  # Greek capital nu
        "Nοrthwind",  # Greek small omicron
        "Northwiпd",  # not a confusable: stays different
    ],
)
def test_cyrillic_and_greek_look_alikes_read_as_latin(disguised):
    if "п" in disguised:
        assert view(disguised) != view("Northwind")
    else:
        assert view(disguised) == " northwind "


def test_invisible_characters_are_dropped():
    assert view("North\u200bwind Nor\u00adthwind") == " northwind northwind "


@pytest.mark.parametrize(
    "spelled",
    [
        "N.o.r.t.h.w.i.n.d",
        "N o r t h w i n d",
        "N-o-r-t-h-w-i-n-d",
        "N_o_r_t_h_w_i_n_d",
        "N . o . r . t . h . w . i . n . d",
    ],
)
def test_a_word_spelled_out_with_separators_is_joined(spelled):
    assert view(f"{spelled} shoes") == " northwind shoes "


def test_spelled_out_words_with_digit_swaps_are_joined_then_swapped():
    assert view("N 0 r t h w 1 n d") == " northwind "


def test_two_single_letters_are_left_alone():
    assert view("size S M") == " size s m "
    assert view("a cat") == " a cat "


@pytest.mark.parametrize(
    ("disguised", "plain_word"),
    [
        ("N0rthw1nd", "northwind"),
        ("N0RTHW1ND", "northwind"),
        ("App1e", "apple"),  # 1 for l
        ("R3pl1ca", "replica"),
        ("H4rb0r", "harbor"),
        ("5ony", "sony"),
        ("7eam", "team"),
        ("H@rbor", "harbor"),
        ("N!ke", "nike"),
        ("$ony", "sony"),
    ],
)
def test_digit_and_symbol_swaps_inside_a_word(disguised, plain_word):
    assert view(disguised) == view(plain_word)


def test_numbers_and_symbols_outside_words_are_not_swapped():
    assert view("size 42, 100% cotton, 2024 model, $99") == view("size 42 100 cotton 2024 model 99")
    assert view("great! @northwind #northwind") == view("great northwind northwind")
    # Between letters "@" reads as "a", in an e-mail address too: "H@rbor" and "mail@harbor.com" look alike.
    assert view("mail@harbor.com") == view("mailaharbor com")


def test_a_ratio_keeps_its_colon():
    assert view("1:1 quality") == view("1：1 quality")  # full-width colon
    assert view("1:1") != view("1 1")
    assert words("Note: great") == ["note", "great"]


def test_l_and_i_are_one_letter():
    assert view("Apple") == view("AppIe") == view("App|e") == view("App1e")


def test_chinese_characters_are_words_of_their_own():
    assert view("北风Northwind正品") == " 北 风 northwind 正 品 "
    assert view("北风 运动鞋") == " 北 风 运 动 鞋 "


def test_the_shortcut_for_cjk_ideographs_folds_as_the_full_steps():
    for code in range(0x4E00, 0xA000):
        assert _fold_code(code) == _fold_character(chr(code)), hex(code)


def test_folding_ascii_is_one_character_for_one():
    # view_with_origin relies on it (and str.translate's fast path on it).
    assert all(len(FOLD[code]) == 1 for code in range(128))


def test_the_origin_quotes_what_the_listing_says():
    text = "Brand new N-0-r-t-h-w-1-n-d sneakers"
    text_view, origin = view_with_origin(text)
    start = text_view.index("northwind")
    first, last = original_span(origin, start, start + len("northwind"))
    assert text[first:last] == "N-0-r-t-h-w-1-n-d"


def test_the_origin_quotes_through_unicode_expansions():
    text = "【ＮＯＲＴＨ\u200bWIND】 北风 高仿"
    text_view, origin = view_with_origin(text)
    start = text_view.index("northwind")
    assert text[slice(*original_span(origin, start, start + 9))] == "ＮＯＲＴＨ\u200bWIND"
    start = text_view.index("北 风")
    assert text[slice(*original_span(origin, start, start + 3))] == "北风"


TEXTS = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from("aoeilNO01345 7@$!|:.-_北风ΝοЅ\u200bＮ"),
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
@example("a b c 1 2")
@example("x\u0345y")
@example("ǅ İ ß ﷺ")
def test_the_fast_view_and_the_view_with_origin_agree(text):
    text_view, origin = view_with_origin(text)
    assert text_view == view(text)
    assert len(origin) == len(text_view)
    for index, char in enumerate(text_view):
        if char == " ":
            assert origin[index] == -1
        else:
            assert 0 <= origin[index] < len(text)
    positions = [position for position in origin if position >= 0]
    assert positions == sorted(positions)


def test_plain_sets_aside_case_accents_and_spacing_only():
    assert plain("  Hermès  BAG ") == "hermes bag"
    assert plain("N0rthwind") != plain("Northwind")
    assert plain("Ｎorthwind") != plain("Northwind")


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXTS, max_size=12))
@example(["a b", "c d e", "", "N0rth", "1:1", "\x00x\x00", "北风 a"])
@example(["1:1 copy", "N o r t h", "x", "y", "z"])  # ASCII texts, one given a ratio's colon (not ASCII)
@example(["a b c d", "e f g", "", "h", "i j k", "l m n"])
@example(["N0rthw1nd", "a"])  # a listing alone: each text on its own
def test_many_views_made_at_once_are_each_texts_view(texts):
    joined, starts = views(texts)
    assert len(starts) == len(texts) + 1
    for index, text in enumerate(texts):
        piece = joined[starts[index] : starts[index + 1] - 1]
        assert (piece if piece != " " else "  ") == view(text)
    assert joined.count(SEPARATOR) == len(texts) + 1
