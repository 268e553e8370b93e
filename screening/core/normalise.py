"""Text as the keyword matcher sees it (the *view*), and the way back to what the listing says.

The view of a text is its words in one alphabet, each word between single spaces, with a space at
both ends: " northwind sneakers ". A keyword's view is made the same way, so a keyword matches a
text exactly when its view (spaces included) is a substring of the text's view: word boundaries
hold without a check per match, and the Aho-Corasick automaton finds every keyword in one pass.

Steps, in order:

1. Each character is folded on its own (a table, filled as characters are first seen): Unicode
   NFKC (full-width "Ｎｏｒｔｈ" and ligatures), confusable homoglyphs (Cyrillic "о", Greek "ο"; the
   Unicode confusables table, ``homoglyph_table``), case (casefold), accents (NFD, marks
   dropped), invisible characters (zero-width space, soft hyphen) dropped, punctuation and symbols
   made spaces, "l" made "i" (so "1", "l", "I", "|" are one letter: "App1e" is "Apple"), and each
   Chinese or Japanese character set apart as a word of its own (those scripts have no spaces:
   a CJK keyword matches anywhere, a Latin keyword next to CJK text keeps its boundary).
2. Digit and symbol swaps inside a word: 0->o, 1->i, 3->e, 4->a, 5->s, 7->t when next to a letter
   ("N0rthw1nd"), and @->a, !->i, |->i between letters ("H@rbor"), $->s before a letter at the
   start of a word ("$ony"). A number alone ("2024", "1:1") is left as it is.
3. A colon between digits stays ("1:1" is a replica term); the remaining symbols become spaces.
4. Words spelled out a character at a time are joined: three or more one-character words in a
   row ("N o r t h", "N.o.r.t.h", "N-o-r-t-h", "N 0 r t h") become one, swaps applied again.

``view`` is the fast path, run on every listing. ``view_with_origin`` makes the same view (a test
holds them equal) with, for each character, the index of the original character it came from, so
evidence quotes what the listing says; it runs only on texts that matched.
"""

import re
import unicodedata

from screening.core.homoglyph_table import HOMOGLYPHS

LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "i"}
LEET_DIGITS = str.maketrans({digit: letter for digit, letter in LEET.items() if digit.isdigit()})
LEET_ALL = str.maketrans(LEET)
# What folding keeps of punctuation and symbols: the swaps and the ratio read them, then they become spaces.
KEPT_SYMBOLS = "@$!|:"
# The colon of a ratio ("1:1") once recognised; folding makes any of these in a text a plain colon.
RATIO_COLON = "\u2236"
SPELLED_CHARACTERS = frozenset("abcdefghijkmnopqrstuvwxyz0123456789")  # no "l": folding made it "i"

_CJK_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B to G, compatibility supplement
)


def is_cjk(char):
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def has_cjk(text):
    return not text.isascii() and any(is_cjk(char) for char in text)


def _homoglyphs(text):
    return "".join(HOMOGLYPHS.get(char, char) for char in text)


def _fold_character(char):
    """What one character of a text becomes in the view (before the swaps): zero, one or more characters."""
    if char in KEPT_SYMBOLS or char == RATIO_COLON:
        return ":" if char == RATIO_COLON else char
    text = _homoglyphs(unicodedata.normalize("NFKC", char)).casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = _homoglyphs(text).casefold()
    folded = []
    for c in text:
        if c in KEPT_SYMBOLS:
            folded.append(c)
        elif c.isspace():
            folded.append(" ")
        elif c == "l":
            folded.append("i")
        else:
            category = unicodedata.category(c)
            if category in ("Cf", "Mn", "Me"):
                continue  # invisible: zero-width space and joiners, soft hyphen, marks NFD left behind
            if category[0] in "PSZC":
                folded.append(" ")
            elif is_cjk(c):
                folded.append(f" {c} ")
            else:
                folded.append(c)
    return "".join(folded)


class _FoldTable(dict):
    """str.translate's table: each character's fold, computed the first time it is seen."""

    def __missing__(self, code):
        folded = _fold_character(chr(code))
        self[code] = folded
        return folded


# ASCII filled at once: str.translate's fast path for ASCII text (one ASCII character for one) then applies.
FOLD = _FoldTable({code: _fold_character(chr(code)) for code in range(128)})
_SYMBOLS_TO_SPACES = "".join(" " if chr(code) in KEPT_SYMBOLS else chr(code) for code in range(128))
# A folded text's shape, to skip the swaps and the symbols when a text has none (most have none): letters
# "a", swappable digits "0", swappable symbols "!", the colon ":", every other ASCII character a space.
_SHAPE = "".join(
    "a" if c in LETTERS else "0" if c in "013457" else "!" if c in "@$!|" else ":" if c == ":" else " "
    for c in map(chr, range(128))
)

_LEET_RUN = re.compile(r"[013457@$!|]+")
_RATIO = re.compile(r"(?<=[0-9]):(?=[0-9])")
_SPELLED_RUN = re.compile(rb"\x01{3,}")
_WORD = re.compile(r"[^ ]+")


def _swap_applies(run, before, after):
    """Whether a run of digits and symbols stands for letters, given the characters around it."""
    if run.isdigit():
        return before in LETTERS or after in LETTERS
    if before in LETTERS and after in LETTERS:
        return True
    return run[0] == "$" and after in LETTERS and not before.isalnum()


def _swaps(folded):
    """Step 2 (one character for one, so positions hold)."""
    pieces = []
    last = 0
    for match in _LEET_RUN.finditer(folded):
        start, end = match.span()
        before = folded[start - 1] if start else " "
        after = folded[end] if end < len(folded) else " "
        if _swap_applies(match.group(), before, after):
            pieces.append(folded[last:start])
            pieces.append(match.group().translate(LEET_ALL))
            last = end
    if not pieces:
        return folded
    pieces.append(folded[last:])
    return "".join(pieces)


def _spelled_runs(words, lengths):
    """Step 4: [(first, last + 1)] of each run of three or more one-character Latin words."""
    runs = []
    for match in _SPELLED_RUN.finditer(lengths):
        first = None
        for index in range(match.start(), match.end() + 1):
            if index < match.end() and words[index] in SPELLED_CHARACTERS:
                if first is None:
                    first = index
            else:
                if first is not None and index - first >= 3:
                    runs.append((first, index))
                first = None
    return runs


def _spelled_word(characters):
    word = "".join(characters)
    return word.translate(LEET_DIGITS) if any(c in LETTERS for c in word) else word


def _word_lengths(words):
    try:
        return bytes(map(len, words))
    except ValueError:  # a word over 255 characters: its length only needs to be more than one
        return bytes(min(len(word), 255) for word in words)


def _symbols_to_spaces(folded):
    """Steps 2 and 3."""
    shape = folded.translate(_SHAPE)
    if "a0" in shape or "0a" in shape or "a!a" in shape or "!a" in shape:
        folded = _swaps(folded)
    if ":" in shape:
        folded = _RATIO.sub(RATIO_COLON, folded)
    if "!" in shape or ":" in shape:
        folded = folded.translate(_SYMBOLS_TO_SPACES)
    return folded


def view(text):
    """The text as the matcher sees it: " word word ... " (see the module's docstring)."""
    words = _symbols_to_spaces(text.translate(FOLD)).split()
    lengths = _word_lengths(words)
    if b"\x01\x01\x01" in lengths:
        runs = _spelled_runs(words, lengths)
        for first, end in reversed(runs):
            words[first:end] = [_spelled_word(words[first:end])]
    return " " + " ".join(words) + " "


def view_with_origin(text):
    """(view, origin): origin[i] is the index in ``text`` of the character view[i] came from, -1 for a space."""
    if text.isascii():
        folded = text.translate(FOLD)  # ASCII folds one character for one
        fold_origin = None
    else:
        parts = []
        fold_origin = []
        for index, char in enumerate(text):
            folded_char = FOLD[ord(char)]
            parts.append(folded_char)
            fold_origin.extend([index] * len(folded_char))
        folded = "".join(parts)
    spaced = _symbols_to_spaces(folded)
    spans = [match.span() for match in _WORD.finditer(spaced)]
    words = [spaced[start:end] for start, end in spans]
    positions = [list(range(start, end)) for start, end in spans]
    lengths = _word_lengths(words)
    if b"\x01\x01\x01" in lengths:
        for first, end in reversed(_spelled_runs(words, lengths)):
            words[first:end] = [_spelled_word(words[first:end])]
            positions[first:end] = [[position for word in positions[first:end] for position in word]]
    origin = [-1]
    for word_positions in positions:
        if fold_origin is None:
            origin.extend(word_positions)
        else:
            origin.extend(fold_origin[position] for position in word_positions)
        origin.append(-1)
    if not positions:
        origin.append(-1)
    return " " + " ".join(words) + " ", origin


def original_span(origin, start, end):
    """The span of the original text that view[start:end] (no space at either end) came from."""
    return origin[start], origin[end - 1] + 1


def plain(text):
    """Case, accents and spacing set aside, nothing else: what a reader would call the same spelling."""
    text = unicodedata.normalize("NFD", text.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())
