"""Every keyword of every brand, and every replica term, found in one pass (an Aho-Corasick automaton).

Keys are views (``normalise.view``): " northwind ", with the spaces, so a match is a whole word
and the automaton's answers need no check. A keyword of several words is also a key without its
spaces ("North Wind" finds "Northwind"). Chinese keywords have no boundaries to keep: every CJK
character is a word of its own in a view, so "北风" finds "东北风很大" too.

A brand's keywords that make the same key are one entry: "Kestrel", "k3strel" and "kestre1" are
one keyword, found once where a listing names it, whose plain spellings are the brand's own ways
of writing it. Those are its name, and each registered spelling written plainly (letters as
screening reads them: no digit or symbol for a letter, no look-alike from another alphabet, not
spelled out a character at a time): "Kestrel" is the brand's spelling, "k3strel" the disguise the
brand registered to catch, so a listing that writes "K3strel" still disguises the name. An entry
none of whose spellings is written plainly ("4Runner" alone) takes them all as plain.
"""

import re
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick

from screening.core.normalise import has_cjk, is_cjk, plain, view
from screening.core.terms import REPLICA_TERMS, ReplicaTerm

# Between the words of a spelling as it is read: anything but a letter or a digit.
_BETWEEN_WORDS = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class KeywordEntry:
    brand_index: int
    keyword: object  # snapshot.Keyword: the first the brand registered with this key (its name, when it is)
    # How the brand writes the keyword when it is not disguised (normalise.plain; also without its spaces).
    plain_forms: tuple = ()
    ordinary_word: bool = False  # an ordinary word ("Harbor"): counts only in the brand's categories or with more


def written_plainly(text):
    """Whether a keyword is written in letters as screening reads them: its view is its plain spelling with
    only punctuation and spacing set aside ("Levi's", "Marlow & Finch"), not with a digit or symbol for a
    letter ("k3strel", "H@rbor"), a look-alike from another alphabet ("Кestrel"), full-width characters,
    an invisible character, or spelled out a character at a time ("K.e.s.t.r.e.l")."""
    read = plain(text).replace("l", "i")  # the view reads "l" as "i" ("1", "l", "I" are one letter)
    if has_cjk(read):
        read = "".join(f" {char} " if is_cjk(char) else char for char in read)
    return view(text).split() == _BETWEEN_WORDS.sub(" ", read).split()


class _Spelling(NamedTuple):
    keyword: object  # snapshot.Keyword
    forms: tuple  # normalise.plain of it, and the same without its spaces
    is_name: bool  # the brand's name (the snapshot puts it first)


@dataclass(slots=True)
class Hit:
    field: str  # "title", "description" or "ocr"
    start: int  # in the field's view: the first character of the match
    end: int  # in the field's view: just after the last character
    entry: object  # KeywordEntry or ReplicaTerm

    @property
    def is_replica(self):
        return isinstance(self.entry, ReplicaTerm)


class Matcher:
    def __init__(self, brands, replica_terms=REPLICA_TERMS):
        spellings = {}  # (key, brand index) -> [_Spelling]
        for brand_index, brand in enumerate(brands):
            for position, keyword in enumerate(brand.keywords):
                key = view(keyword.text)
                if not key.strip():
                    continue
                written = plain(keyword.text)
                spelling = _Spelling(keyword, (written, written.replace(" ", "")), position == 0)
                spellings.setdefault((key, brand_index), []).append(spelling)
                words = key.split()
                if len(words) > 1 and not has_cjk(keyword.text):
                    spellings.setdefault((" " + "".join(words) + " ", brand_index), []).append(spelling)
        entries = {}
        for (key, brand_index), of_key in spellings.items():
            entries.setdefault(key, []).append(_entry(brand_index, of_key))
        for term in replica_terms:
            entries.setdefault(view(term.text), []).append(term)
        # Each key's value: (its length, what it stands for, whether a brand is among them). The keys go in
        # in code point order: a node of the automaton looks its children up one by one in the order they
        # were added, so after a space (every key starts with one) Latin letters come before the CJK
        # characters, and a text is scanned about a fifth sooner than in the brands' order.
        self.automaton = ahocorasick.Automaton()
        for key, values in sorted(entries.items()):
            values = tuple(dict.fromkeys(values))
            names_brand = any(isinstance(value, KeywordEntry) for value in values)
            self.automaton.add_word(key, (len(key), values, names_brand))
        self.automaton.make_automaton()
        self.keys = len(entries)

    def scan(self, text):
        """[(index of the key's last character, its value)] for every key in ``text`` (one pass)."""
        return list(self.automaton.iter(text))

    def find(self, field, text_view, hits):
        """Adds to ``hits`` a Hit for every key found in ``text_view`` (the view of one field)."""
        hits.extend(hits_of(self.scan(text_view), field))


def _entry(brand_index, spellings):
    """One brand's keyword entry for a key, from the spellings the brand registered that make it."""
    own = spellings
    if len(spellings) > 1:
        own = [spelling for spelling in spellings if spelling.is_name or written_plainly(spelling.keyword.text)]
        own = own or spellings
    forms = tuple(dict.fromkeys(form for spelling in own for form in spelling.forms))
    # An ordinary word when the brand's own spellings all are: "Harbor" beside the disguise "H4rbor" is, but
    # "Northwind" is no ordinary word beside "North Wind" (found without its space where "Northwind" is).
    ordinary = all(spelling.keyword.ordinary_word for spelling in own)
    return KeywordEntry(brand_index, spellings[0].keyword, forms, ordinary)


def hits_of(scanned, field, offset=0):
    """Hits from ``scan``'s answer for the part of the scanned text that starts at ``offset``."""
    hits = []
    for last, (length, values, _) in scanned:
        start, end = last - length + 2 - offset, last - offset
        for value in values:
            hits.append(Hit(field, start, end, value))
    return hits
