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

import operator
import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate, chain, compress, count, repeat

import numpy as np

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


def _fold_code(code):
    """``_fold_character`` of chr(code), with a shortcut for the CJK unified ideographs (most of Chinese
    text; no decomposition, no case, no look-alike in the table): each is a word of its own. A test holds
    the shortcut to ``_fold_character`` over the whole block."""
    char = chr(code)
    if 0x4E00 <= code <= 0x9FFF and char not in HOMOGLYPHS:
        return f" {char} "
    return _fold_character(char)


class _FoldTable(dict):
    """str.translate's table: each character's fold, computed the first time it is seen."""

    def __missing__(self, code):
        folded = _fold_code(code)
        self[code] = folded
        return folded


# ASCII filled at once: str.translate's fast path for ASCII text (one ASCII character for one) then applies.
FOLD = _FoldTable({code: _fold_character(chr(code)) for code in range(128)})

# Between the texts of a batch (``views``): folding makes any NUL of a text a space, str.split does not
# split at it, and no key holds it.
SEPARATOR = "\x00"
# The fold of ASCII as bytes.translate's table (a plain C loop, several times faster than str.translate's
# lookups), for a batch's texts joined by SEPARATOR: SEPARATOR stays, and the bytes of UTF-8's non-ASCII
# characters pass unchanged (``views`` folds those characters afterwards, text by text).
_FOLD_ASCII = bytes([0]) + bytes(ord(FOLD[code]) for code in range(1, 128)) + bytes(range(128, 256))
# The same for one text (``view``): its NUL folded as any other control character.
_FOLD_ALONE = bytes(ord(FOLD[code]) for code in range(128)) + bytes(range(128, 256))
_SYMBOLS_TO_SPACES = "".join(" " if chr(code) in KEPT_SYMBOLS else chr(code) for code in range(128))
# A folded text's shape, to skip the swaps and the symbols when a text has none (most have none): letters
# "a", swappable digits "0", swappable symbols "!", the colon ":", every other ASCII character a space.
_SHAPE = "".join(
    "a" if c in LETTERS else "0" if c in "013457" else "!" if c in "@$!|" else ":" if c == ":" else " "
    for c in map(chr, range(128))
)
# The shape as bytes, for UTF-8: every byte of a non-ASCII character is a space.
_SHAPE_BYTES = _SHAPE.encode("ascii") + b" " * 128
_SYMBOLS_TO_SPACES_BYTES = _SYMBOLS_TO_SPACES.encode("ascii") + bytes(range(128, 256))
# A view's shape in UTF-8 for the words spelled out (step 4): "a" for each character of
# SPELLED_CHARACTERS, the space, "x" for any other byte (of a non-ASCII character, SEPARATOR).
_SPELLED_SHAPE = bytes(
    ord("a" if chr(code) in SPELLED_CHARACTERS else " " if code == 32 else "x") for code in range(256)
)

_LEET_RUN = re.compile(r"[013457@$!|]+")
_RATIO = re.compile(r"(?<=[0-9]):(?=[0-9])")
_SPELLED_RUN = re.compile(rb"\x01{3,}")
_WORD = re.compile(r"[^ ]+")
_SPAN = re.Match.span


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


def _swaps_and_ratios(folded):
    """Steps 2 and the first half of 3, on a folded text whose shape has a swap or a colon."""
    folded = _swaps(folded)
    if ":" in folded:
        folded = _RATIO.sub(RATIO_COLON, folded)
    return folded


def _symbols_to_spaces(folded):
    """Steps 2 and 3."""
    # The shape as bytes (bytes.translate: a plain C loop) when the folded text is ASCII, as most are.
    shape = (
        folded.encode("ascii").translate(_SHAPE_BYTES).decode("ascii") if folded.isascii() else folded.translate(_SHAPE)
    )
    # A swap: "a0", "0a", "!a" (so "a!a" too), each looked for only when its rare character is there.
    if ("0" in shape and ("a0" in shape or "0a" in shape)) or ("!" in shape and "!a" in shape) or ":" in shape:
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
    return " " + " ".join(_join_spelled(_symbols_to_spaces(_fold(text)).split())) + " "


def _fold(text):
    """Step 1 for one text: bytes.translate when it is ASCII (a plain C loop), the table's lookups otherwise."""
    return text.encode("ascii").translate(_FOLD_ALONE).decode("ascii") if text.isascii() else text.translate(FOLD)


# Up to this many texts (a listing or two), ``views`` takes the texts one by one (``_views_few``): the
# arrays' fixed costs would outweigh what they save.
SMALL_BATCH = 4


def views(texts):
    """(joined, starts): the views of many texts made at once, joined by SEPARATOR, and where each starts.

    ``joined[starts[i] : starts[i + 1] - 1]`` is ``view(texts[i])`` (" " for an empty text, whose view is
    "  "; a test holds them equal). Each step runs over the whole batch at once, on its UTF-8 bytes (in
    which white space, SEPARATOR and every ASCII character are one byte of their own): bytes.translate
    folds ASCII, and numpy finds the swaps, the runs of spaces and the words spelled out with a few
    operations on arrays. Python looks only at the few texts that have a non-ASCII character, a swap, a
    colon or a symbol, and at the words spelled out. No key of the matcher holds SEPARATOR, so one
    automaton pass over ``joined`` finds each text's keys and none across two texts.
    """
    if not texts:
        return SEPARATOR, [1]
    if len(texts) <= SMALL_BATCH:
        return _views_few(texts)
    encoded = list(map(str.encode, texts, repeat("utf-8"), repeat("surrogatepass")))
    batch = b"\x00".join(encoded)
    if np.count_nonzero(np.frombuffer(batch, np.uint8) == 0) != len(texts) - 1:  # a text holds a NUL itself
        return _views_few(texts)
    # Step 1: ASCII for the whole batch (UTF-8's other bytes pass), then each text that is not ASCII folded
    # whole, from its characters, in its place.
    folded = batch.translate(_FOLD_ASCII)
    if not batch.isascii():
        starts = list(accumulate(map((1).__add__, map(len, encoded)), initial=0))
        parts = []
        last = 0
        for index in compress(count(), map(operator.not_, map(bytes.isascii, encoded))):
            first = starts[index]
            parts += (folded[last:first], _utf8(texts[index].translate(FOLD)))
            last = starts[index + 1] - 1
        parts.append(folded[last:])
        folded = b"".join(parts)
    # Steps 2 and 3, on the texts whose shape has a swap ("a0", "0a", "!a"), a colon or a symbol.
    folded = _swapped(folded)
    # Words between single spaces (folding left no other white space), each separator a word of its own.
    spaced = np.frombuffer(b"\x00 " + folded.replace(b"\x00", b" \x00 ") + b" \x00", np.uint8)
    space = spaced == 32
    keep = np.ones(len(spaced), bool)
    np.logical_not(space[1:] & space[:-1], out=keep[1:])
    joined = spaced[keep].tobytes()
    # Step 4: runs of three or more one-character words (of SPELLED_CHARACTERS), each joined into one.
    shape = np.frombuffer(joined.translate(_SPELLED_SHAPE), np.uint8)
    space = shape == 32
    single = (shape[1:-1] == 97) & space[:-2] & space[2:]  # single[i]: joined[i + 1] is a word of one character
    runs = np.flatnonzero(single[:-4] & single[2:-2] & single[4:])  # each run's first three, and more
    if len(runs):
        parts = []
        last = 0
        for first in (runs + 1).tolist():
            if first < last:
                continue  # inside the run just joined
            end = first + 5  # just after the run's third character
            while shape[end] == 32 and end + 2 < len(shape) and shape[end + 1] == 97 and shape[end + 2] == 32:
                end += 2
            parts += (joined[last:first], _spelled_word(joined[first:end:2].decode("ascii")).encode("ascii"))
            last = end
        parts.append(joined[last:])
        joined = b"".join(parts)
    # Where each text starts: just after a separator, counted in characters (a character not ASCII has
    # continuation bytes, 0b10xxxxxx, after its first).
    data = np.frombuffer(joined, np.uint8)
    separators = np.flatnonzero(data == 0)
    if not joined.isascii():  # a text not ASCII, or a ratio's colon
        separators -= np.searchsorted(np.flatnonzero((data & 0xC0) == 0x80), separators)
    return _text(joined), (separators + 1).tolist()


def _swapped(folded):
    """Steps 2 and 3 over a batch's folded texts (bytes, joined by SEPARATOR), on the texts whose shape has a
    swap ("a0", "0a", "!a"), a colon or a symbol."""
    shape = folded.translate(_SHAPE_BYTES)
    codes = np.frombuffer(shape, np.uint8)
    letters, digits = codes == 97, codes == 48
    swaps = np.flatnonzero((letters[:-1] & digits[1:]) | (digits[:-1] & letters[1:])).tolist()
    # Colons and symbols are rare: found as bytes (memchr), each symbol's next byte then looked at.
    colons, bangs = _all(shape, b":"), _all(shape, b"!")
    if not (swaps or colons or bangs):
        return folded
    swaps += colons
    swaps += (at for at in bangs if shape[at + 1 : at + 2] == b"a")
    separators = np.flatnonzero(np.frombuffer(folded, np.uint8) == 0)
    swapped = set(np.searchsorted(separators, swaps).tolist())  # a text's index: the separators before it
    symbols = set(np.searchsorted(separators, colons + bangs).tolist())
    bounds = [0, *(separators + 1).tolist(), len(folded) + 1]  # each text's first byte, and one past the last
    parts = []
    last = 0
    for index in sorted(swapped | symbols):
        first, end = bounds[index], bounds[index + 1] - 1
        piece = folded[first:end]
        if index in swapped:
            piece = _utf8(_swaps_and_ratios(_text(piece)))
        if index in symbols:
            piece = piece.translate(_SYMBOLS_TO_SPACES_BYTES)
        parts += (folded[last:first], piece)
        last = end
    parts.append(folded[last:])
    return b"".join(parts)


def _all(data, byte):
    """Every index of ``byte`` in ``data``."""
    found = []
    at = data.find(byte)
    while at >= 0:
        found.append(at)
        at = data.find(byte, at + 1)
    return found


def _utf8(text):
    return text.encode("utf-8", "surrogatepass")


def _text(data):
    return data.decode("utf-8", "surrogatepass")


def _views_few(texts):
    """``views`` text by text up to the words, then one split and one join for all: fixed costs low, for a few
    texts. Folding makes a NUL in a text a space: SEPARATOR is then a word of its own, of one character
    but none that is spelled out, so no step crosses from one text to the next."""
    folded = [_symbols_to_spaces(_fold(text)) for text in texts]
    joined = " ".join(_join_spelled(f"{SEPARATOR} {f' {SEPARATOR} '.join(folded)} {SEPARATOR}".split()))
    return joined, _starts(joined)


def _starts(joined):
    """Where each text of ``joined`` starts: each piece between separators, and the separator after it."""
    return list(accumulate(map((1).__add__, map(len, joined.split(SEPARATOR)[1:-1])), initial=1))


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
        else:  # each character's fold, and the index of the character for each character of the folds
            folds = list(map(FOLD.__getitem__, map(ord, text)))
            folded = "".join(folds)
            self._fold_origin = list(chain.from_iterable(map(repeat, range(len(text)), map(len, folds))))
        spaced = _symbols_to_spaces(folded)
        spans = list(map(_SPAN, _WORD.finditer(spaced)))
        words = _WORD.findall(spaced)
        sources = list(map(operator.itemgetter(0), spans))  # a word's first position, or the list of its positions
        lengths = _word_lengths(words)
        if b"\x01\x01\x01" in lengths:
            for first, end in reversed(_spelled_runs(words, lengths)):
                words[first:end] = [_spelled_word(words[first:end])]
                sources[first:end] = [[start for start, _ in spans[first:end]]]
        self.view = " " + " ".join(words) + " "
        self._view_starts = list(accumulate(map((1).__add__, map(len, words)), initial=1))[:-1]
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
