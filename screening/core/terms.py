"""The words screening reads around brand names: replica terms, what an accessory is "for", negations.

Every term goes through the same normalisation as the listings (``normalise.view``), so its
obfuscated forms ("r3plica", "R.E.P.L.I.C.A", "ｒｅｐｌｉｃａ") are found like a brand's.
"""

from dataclasses import dataclass

from screening.core.normalise import plain, view


@dataclass(frozen=True, slots=True)
class ReplicaTerm:
    text: str
    strength: str  # "strong" | "replica" | "weak": which of Thresholds' replica points it earns
    not_before: tuple = ()  # views of words after which the term is no replica ("fake fur")
    written: str = ""  # normalise.plain of the text: how evidence finds it in the listing

    @classmethod
    def of(cls, text, strength, not_before=()):
        return cls(text, strength, tuple(view(word) for word in not_before), plain(text))


def _terms(strength, *texts, not_before=()):
    return [ReplicaTerm.of(text, strength, not_before) for text in texts]


# "Fake fur", "imitation leather" are materials, not copies of a brand.
MATERIALS = (
    "fur",
    "leather",
    "suede",
    "silk",
    "pearl",
    "pearls",
    "diamond",
    "diamonds",
    "crocodile",
    "snakeskin",
    "wood",
    "stone",
    "flowers",
    "plants",
    "grass",
    "snow",
    "nails",
    "lashes",
    "eyelashes",
    "tan",
)


# Strong: only a copy is described so ("AAA quality", "1:1", "mirror quality", 高仿 "high imitation",
# 原单 "original order", sold as factory leftovers). Replica: usually a copy, but an official football
# "replica jersey" and a licensed re-issue (复刻) are genuine goods. Weak: lookalikes ("inspired").
REPLICA_TERMS = (
    *_terms(
        "strong",
        "aaa quality",
        "aaa grade",
        "aaaaa",
        "1:1",
        "mirror quality",
        "mirror copy",
        "high copy",
        "top copy",
        "exact copy",
        "super fake",
        "knockoff",
        "knock off",
        "counterfeit",
        "unbranded copy",
        "高仿",
        "原单",
        "精仿",
        "仿品",
        "1比1",
        "a货",
        "超a",
    ),
    *_terms("replica", "replica", "replicas", "dupe", "dupes", "复刻", "复刻版"),
    *_terms("replica", "fake", "fakes", "imitation", not_before=MATERIALS),
    *_terms("weak", "inspired", "lookalike", "look alike", "同款"),
)

# Before a brand name, these make the listing an accessory for the brand's product ("case for Northwind phone").
ACCESSORY_BEFORE = tuple(
    view(text)
    for text in (
        "for",
        "fits",
        "fit",
        "compatible with",
        "compatible for",
        "works with",
        "suitable for",
        "replacement for",
        "适用于",
        "适用",
        "用于",
        "兼容",
        "适配",
    )
)
# After it: "Northwind-compatible charger", "Northwind replacement strap".
ACCESSORY_AFTER = tuple(view(text) for text in ("compatible", "replacement", "兼容"))

# Right before a replica term, these deny it ("authentic, not a replica"): the term then counts for
# nothing. Only right before: "no box, AAA quality" still says AAA quality.
NEGATIONS = tuple(
    view(text)
    for text in (
        "not",
        "not a",
        "not an",
        "no",
        "non",
        "never",
        "never a",
        "zero",
        "without",
        "beware of",
        "avoid",
        "do not sell",
        "don't sell",
        "never sell",
        "不是",
        "非",
        "绝非",
        "无",
        "不",
        "谨防",
    )
)
# "no fakes or replicas": a term joined to a denied one by these is denied too.
# (Punctuation is a space in a view: "no fakes, replicas" joins by " ".)
NEGATION_JOINS = frozenset({" ", *(view(text) for text in ("or", "and", "nor", "或", "和"))})

CONTEXT_CHARACTERS = max(len(text) for text in (*ACCESSORY_BEFORE, *ACCESSORY_AFTER, *NEGATIONS))


def ends_with_any(text, end, suffixes):
    """Whether text[:end] ends with one of the suffixes (views, so a space on each side)."""
    return text.endswith(suffixes, max(0, end - CONTEXT_CHARACTERS), end)


def starts_with_any(text, start, prefixes):
    return text.startswith(prefixes, start, start + CONTEXT_CHARACTERS)
