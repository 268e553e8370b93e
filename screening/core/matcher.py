"""Every keyword of every brand, and every replica term, found in one pass (an Aho-Corasick automaton).

Keys are views (``normalise.view``): " northwind ", with the spaces, so a match is a whole word
and the automaton's answers need no check. A keyword of several words is also a key without its
spaces ("North Wind" finds "Northwind"). Chinese keywords have no boundaries to keep: every CJK
character is a word of its own in a view, so "北风" finds "东北风很大" too.
"""

from dataclasses import dataclass

import ahocorasick

from screening.core.normalise import has_cjk, plain, view
from screening.core.terms import REPLICA_TERMS, ReplicaTerm


@dataclass(frozen=True, slots=True)
class KeywordEntry:
    brand_index: int
    keyword: object  # snapshot.Keyword
    # How the keyword is written when it is not disguised (normalise.plain; also without its spaces).
    plain_forms: tuple = ()


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
        entries = {}
        for brand_index, brand in enumerate(brands):
            for keyword in brand.keywords:
                key = view(keyword.text)
                if not key.strip():
                    continue
                written = plain(keyword.text)
                entry = KeywordEntry(brand_index, keyword, (written, written.replace(" ", "")))
                entries.setdefault(key, []).append(entry)
                words = key.split()
                if len(words) > 1 and not has_cjk(keyword.text):
                    compact = " " + "".join(words) + " "
                    if entry not in entries.get(compact, ()):
                        entries.setdefault(compact, []).append(entry)
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


def hits_of(scanned, field, offset=0):
    """Hits from ``scan``'s answer for the part of the scanned text that starts at ``offset``."""
    hits = []
    for last, (length, values, _) in scanned:
        start, end = last - length + 2 - offset, last - offset
        for value in values:
            hits.append(Hit(field, start, end, value))
    return hits
