"""Whether a brand keyword is an ordinary word ("Harbor"): the default judge is a built-in word list.

A brand can say so itself (``ordinary_word`` on the brand or on one keyword, in the snapshot);
without that, a keyword is ordinary when every word of it is in ``data/english_words.txt`` (10,000
common English words; the file says where they come from). Chinese keywords are never ordinary
here: the list is English.
"""

import re
from functools import cache
from pathlib import Path

from screening.core.normalise import has_cjk, plain

WORDS_PATH = Path(__file__).with_name("data") / "english_words.txt"
_WORD = re.compile(r"[^\W_]+")


@cache
def english_words():
    with WORDS_PATH.open(encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_ordinary_word(keyword):
    if has_cjk(keyword):
        return False
    words = _WORD.findall(plain(keyword))
    return bool(words) and all(word in english_words() for word in words)
