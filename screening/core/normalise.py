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

``view`` is the fast path, run on every listing. ``ViewMap`` makes the same view (a test holds them
equal) and maps each of its characters back to the original one, so evidence quotes what the
listing says; it is made only for texts that matched.
"""

import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate

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
# The same fold for ASCII text as bytes: bytes.translate is a plain C loop, several times faster than
# str.translate's lookups (``views`` folds the ASCII texts of a batch so).
_FOLD_ASCII = bytes(ord(FOLD[code]) for code in range(128)) + bytes(range(128, 256))

# Between the texts of a batch (``views``), put there after folding: folding makes any NUL of a text a
# space, str.split does not split at it, and no key holds it.
SEPARATOR = "\x00"
_SYMBOLS_TO_SPACES = "".join(" " if chr(code) in KEPT_SYMBOLS else chr(code) for code in range(128))
# A folded text's shape, to skip the swaps and the symbols when a text has none (most have none): letters
# "a", swappable digits "0", swappable symbols "!", the colon ":", every other ASCII character a space.
_SHAPE = "".join(
    "a" if c in LETTERS else "0" if c in "013457" else "!" if c in "@$!|" else ":" if c == ":" else " "
    for c in map(chr, range(128))
)
# The shape as bytes, for UTF-8: every byte of a non-ASCII character is a space.
_SHAPE_BYTES = _SHAPE.encode("ascii") + b" " * 128

_LEET_RUN = re.compile(r"[013457@$!|]+")
_RATIO = re.compile(r"(?<=[0-9]):(?=[0-9])")
_SPELLED_RUN = re.compile(rb"\x01{3,}")
_WORD = re.compile(r"[^ ]+")


def _fold(text):
    """Step 1 (``views``): bytes.translate for ASCII text, the table's lookups for the rest."""
    if text.isascii():
        return text.encode("ascii").translate(_FOLD_ASCII).decode("ascii")
    return text.translate(FOLD)


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


_SWAP_SHAPES = ("a0", "0a", "a!a", "!a")


def _swaps_and_ratios(folded):
    """Steps 2 and the first half of 3, on a folded text whose shape has a swap or a colon."""
    folded = _swaps(folded)
    if ":" in folded:
        folded = _RATIO.sub(RATIO_COLON, folded)
    return folded


def _symbols_to_spaces(folded):
    """Steps 2 and 3."""
    shape = folded.translate(_SHAPE)
    if any(pattern in shape for pattern in _SWAP_SHAPES) or ":" in shape:
        folded = _swaps_and_ratios(folded)
    if "!" in shape or ":" in shape:
        folded = folded.translate(_SYMBOLS_TO_SPACES)
    return folded


def _join_spelled(words):
    """Step 4, in place."""
    lengths = _word_lengths(words)
    if b"\x01\x01\x01" in lengths:
        for first, end in reversed(_spelled_runs(words, lengths)):
            words[first:end] = [_spelled_word(words[first:end])]
    return words


def view(text):
    """The text as the matcher sees it: " word word ... " (see the module's docstring)."""
    return " " + " ".join(_join_spelled(_symbols_to_spaces(text.translate(FOLD)).split())) + " "


def views(texts):
    """(joined, starts): the views of many texts made at once, joined by SEPARATOR, and where each starts.

    ``joined[starts[i] : starts[i + 1] - 1]`` is ``view(texts[i])`` (" " for an empty text, whose view is
    "  "; a test holds them equal). Each step runs over all the texts in C (``map`` of str.translate,
    one split, one join, substring searches over the texts' shapes); Python looks only at the texts
    that have a swap or a colon. No key of the matcher holds SEPARATOR, so one automaton pass over
    ``joined`` finds each text's keys and none across two texts.
    """
    if not texts:
        return SEPARATOR, [1]
    folded = list(map(_fold, texts))
    encoded = list(map(str.encode, folded))
    shapes = b"\x00".join(encoded).translate(_SHAPE_BYTES)
    shape_starts = list(accumulate(map((1).__add__, map(len, encoded)), initial=0))
    swapped = set()  # the texts with a swap or a colon
    symbols = set()  # the texts with a symbol or a colon
    # "a" (every letter) is everywhere in the shapes: a pattern that holds it is looked for only when
    # its rare character is there at all.
    patterns = [(b"a0", swapped), (b"0a", swapped), (b":", swapped), (b":", symbols)]
    if b"!" in shapes:
        patterns += [(b"a!a", swapped), (b"!a", swapped), (b"!", symbols)]
    for pattern, marked in patterns:
        at = shapes.find(pattern)
        while at >= 0:
            marked.add(bisect_right(shape_starts, at) - 1)
            at = shapes.find(pattern, at + 1)
    for index in swapped:
        folded[index] = _swaps_and_ratios(folded[index])
    for index in symbols:
        folded[index] = folded[index].translate(_SYMBOLS_TO_SPACES)
    words = _join_spelled(f"{SEPARATOR} {f' {SEPARATOR} '.join(folded)} {SEPARATOR}".split())
    joined = " ".join(words)
    # Each piece between separators, and the separator after it (C iterators only: no Python call per text).
    starts = list(accumulate(map((1).__add__, map(len, joined.split(SEPARATOR)[1:-1])), initial=1))
    return joined, starts


class ViewMap:
    """A text's view and, for any character of it, the index of the original character it came from.

    Made only for texts that matched, to quote them: each word of the view keeps where it starts in
    the view and where its characters were in the folded text (a span, or the positions of the
    characters a spelled-out word was joined from); the folded text's characters map back to the
    original through the fold's own expansions when the text is not ASCII.
    """

    __slots__ = ("view", "_view_starts", "_sources", "_fold_origin")

    def __init__(self, text):
        if text.isascii():
            folded = text.translate(FOLD)  # ASCII folds one character for one
            self._fold_origin = None
        else:
            parts = []
            fold_origin = []
            for index, char in enumerate(text):
                folded_char = FOLD[ord(char)]
                parts.append(folded_char)
                fold_origin.extend([index] * len(folded_char))
            folded = "".join(parts)
            self._fold_origin = fold_origin
        spaced = _symbols_to_spaces(folded)
        spans = [match.span() for match in _WORD.finditer(spaced)]
        words = [spaced[start:end] for start, end in spans]
        sources = [start for start, _ in spans]  # a word's first position, or the list of its positions
        lengths = _word_lengths(words)
        if b"\x01\x01\x01" in lengths:
            for first, end in reversed(_spelled_runs(words, lengths)):
                words[first:end] = [_spelled_word(words[first:end])]
                sources[first:end] = [[start for start, _ in spans[first:end]]]
        self.view = " " + " ".join(words) + " "
        view_starts = []
        position = 1
        for word in words:
            view_starts.append(position)
            position += len(word) + 1
        self._view_starts = view_starts
        self._sources = sources

    def origin(self, index):
        """The index in the original text of the character view[index] came from; -1 for a space."""
        if self.view[index] == " ":
            return -1
        word = bisect_right(self._view_starts, index) - 1
        source = self._sources[word]
        offset = index - self._view_starts[word]
        position = source[offset] if isinstance(source, list) else source + offset
        return position if self._fold_origin is None else self._fold_origin[position]

    def original_span(self, start, end):
        """The span of the original text that view[start:end] (no space at either end) came from."""
        return self.origin(start), self.origin(end - 1) + 1


def view_with_origin(text):
    """(view, origin): origin[i] is the index in ``text`` of the character view[i] came from, -1 for a space."""
    mapped = ViewMap(text)
    return mapped.view, [mapped.origin(index) for index in range(len(mapped.view))]


def original_span(origin, start, end):
    """The span of the original text that view[start:end] (no space at either end) came from."""
    return origin[start], origin[end - 1] + 1


def plain(text):
    """Case, accents and spacing set aside, nothing else: what a reader would call the same spelling."""
    if text.isascii():
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFD", text.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())
