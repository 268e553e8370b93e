"""Benchmark: proactive screening (issue 11), section by section, each beside its naive baseline.

    python benchmarks/screening.py [--quick] [--sections text] [--seed 11]

Sections (each a function in SECTIONS, run in one process; the image, OCR and end-to-end
sections of issue 11 are added here as they are built):

- ``text``: text screening with full normalisation on a generated catalogue of 20,000 keywords
  over 2,000 brands, and 100,000 listings (``--quick``: 10,000 listings, the same catalogue),
  on one core: ``Screener.screen_many`` in batches of 1,000, as the pipeline screens an ingest
  batch (normalisation of every title and description, one automaton pass, the signals and
  outcome of every brand named, evidence for the brand reported), timed by wall clock and by the
  process's CPU time; and ``Screener.screen`` one listing at a time on a fifth of them (the same
  results, checked). Beside it, in the same run, the naive baseline: the same
  normalisation, then a Python loop over the automaton's keys (every keyword view, keywords of
  several words also without their spaces, the replica terms: ``key in text``) instead of the
  automaton, on a sample of the listings (a loop over every keyword is too slow for all of
  them); the two must find the same keys in the sample (``agree``). The naive side only finds
  keywords, the screener also judges: the ratio is a floor. Goal: 50,000 listings/s.

The catalogue: invented brand names (a few are ordinary English words), each with ten keywords
(the name, product lines of one to three words, a Chinese name for one brand in five). The
listings: titles and descriptions of ordinary words; one in six names a brand (one in four of
those disguised: digit swaps, Cyrillic look-alikes, spelled out, full-width), one in twenty
carries replica words, one in ten is in Chinese; prices around the reference or far below it.

The machine is shared: the load average is printed before and after, and the CPU time per
listing is the figure that survives the load. The last line of output is one JSON object.
"""

import argparse
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from screening.core import ListingInput, Screener, Snapshot  # noqa: E402
from screening.core.normalise import view  # noqa: E402
from screening.core.words import english_words  # noqa: E402

TEXT_GOAL = 50_000  # listings/s on one core
BATCH = 1_000  # listings screened together (Screener.screen_many), as the pipeline screens an ingest batch
SYLLABLES = ["ka", "lo", "vex", "tri", "mo", "zan", "quel", "dor", "fi", "ra", "nix", "bel", "tor", "sa", "vin",
             "qua", "rel", "mar", "zo", "pex", "lu", "gan", "thor", "ve", "ny", "cor", "dex", "ful", "ix", "on"]  # fmt: skip
# Chinese text of random characters from the 3,500 in everyday use (a subset of the CJK block's start), so
# that a two-character keyword turns up by chance about as rarely as in real text.
CJK = "".join(chr(code) for code in range(0x4E00, 0x4E00 + 3_500))
PRODUCTS = ["sneakers", "handbag", "watch", "jacket", "perfume", "phone", "headphones", "sunglasses", "wallet", "belt"]
REPLICA = ["AAA quality", "1:1", "replica", "mirror quality", "高仿", "r3plica"]
CATEGORIES = ["Sneakers", "Bags", "Watches", "Jackets", "Perfume", "Phones", "Audio", "Accessories", "Home", "Toys"]


def _invented(rng, taken, words):
    while True:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        if name.lower() not in taken and name.lower() not in words:
            taken.add(name.lower())
            return name


def catalogue(rng, brands=2_000, keywords_per_brand=10):
    """ASSETS.json's object: ``brands`` brands of ``keywords_per_brand`` keywords each."""
    words = english_words()
    ordinary = sorted(word for word in words if 5 <= len(word) <= 8)
    taken = set()
    assets = []
    for index in range(brands):
        name = rng.choice(ordinary).capitalize() if index % 50 == 0 else _invented(rng, taken, words)
        keywords = []
        if index % 5 == 0:
            keywords.append("".join(rng.choice(CJK) for _ in range(rng.randint(2, 3))))
        while len(keywords) < keywords_per_brand - 1:
            line = " ".join(_invented(rng, taken, words) for _ in range(rng.choice([1, 1, 2, 3])))
            keywords.append(line if rng.random() < 0.5 else f"{name} {line}")
        category = CATEGORIES[index % 7]
        assets.append(
            {
                "id": f"b{index:04d}",
                "name": name,
                "keywords": keywords,
                "categories": [category],
                "reference_price": f"{rng.choice([40, 90, 140, 250, 600, 900])}.00",
                "currency": rng.choice(["EUR", "USD", "CNY"]),
                "reference_images": [],
                "counterfeit_images": [],
                "authorised_stores": [f"s-{index}-{k}" for k in range(2)],
            }
        )
    return {"brands": assets, "banned_categories": ["Airbag components", "Ivory products"]}


def _disguise(rng, name):
    kind = rng.choice(["leet", "cyrillic", "spelled", "fullwidth"])
    if kind == "leet":
        return name.replace("o", "0").replace("i", "1").replace("e", "3")
    if kind == "cyrillic":
        return name.replace("o", "о").replace("a", "а").replace("e", "е")
    if kind == "spelled":
        return rng.choice([".", " ", "-"]).join(name)
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)


def listings(rng, assets, count):
    """``count`` ListingInput objects (see the module's docstring for the mix)."""
    words = sorted(english_words())
    brands = assets["brands"]
    made = []
    for index in range(count):
        title_words = rng.sample(words, rng.randint(4, 9))
        description = " ".join(rng.sample(words, rng.randint(18, 40))) + f". Size {rng.randint(36, 46)}, 100% cotton."
        category = rng.choice(CATEGORIES)
        price = Decimal(rng.randint(5, 400))
        currency = "EUR"
        roll = rng.random()
        if roll < 1 / 6:
            brand = rng.choice(brands)
            keyword = rng.choice([brand["name"], *brand["keywords"]])
            if rng.random() < 0.25 and keyword.isascii():
                keyword = _disguise(rng, keyword)
            title_words.insert(rng.randint(0, len(title_words)), keyword)
            category = brand["categories"][0] if rng.random() < 0.7 else category
            reference = Decimal(brand["reference_price"])
            price = (reference * Decimal(rng.choice(["1.0", "0.9", "0.4", "0.15"]))).quantize(Decimal("0.01"))
            currency = brand["currency"]
        if rng.random() < 1 / 20:
            title_words.append(rng.choice(REPLICA))
        if rng.random() < 1 / 10:
            title_words = ["".join(rng.choice(CJK) for _ in range(rng.randint(4, 10))), *title_words[:2]]
        title = " ".join(title_words)
        made.append(
            ListingInput(
                id=index,
                title=title[0].upper() + title[1:],
                description=description,
                store=f"s-{rng.randint(0, 50_000)}",
                category=category,
                price=price,
                currency=currency,
            )
        )
    return made


def naive_keywords(keys, listing):
    """The baseline: the same normalisation, then every key (keyword or replica term) tried in turn."""
    title_view, description_view = view(listing.title), view(listing.description)
    return {key for key in keys if key in title_view or key in description_view}


def automaton_keywords(screener, listing):
    """The keys the automaton finds (a key is the matched text with its spaces)."""
    found = set()
    for text_view in (view(listing.title), view(listing.description)):
        hits = []
        screener.matcher.find("title", text_view, hits)
        found.update(text_view[hit.start - 1 : hit.end + 1] for hit in hits)
    return found


def section_text(arguments, rng):
    started = time.perf_counter()
    assets = catalogue(rng)
    snapshot = Snapshot.from_dict(assets)
    screener = Screener(snapshot)
    compile_seconds = time.perf_counter() - started
    keywords = sum(len(brand.keywords) for brand in snapshot.brands)
    made = listings(rng, assets, 10_000 if arguments.quick else 100_000)
    print(f"text: {len(snapshot.brands)} brands, {keywords} keywords, {screener.matcher.keys} automaton keys "
          f"(compiled in {compile_seconds:.2f} s); {len(made)} listings")  # fmt: skip

    screener.screen_many(made[:2_000])  # warm the fold table and the code paths
    wall, cpu = time.perf_counter(), time.process_time()
    outcomes = {}
    for first in range(0, len(made), BATCH):
        for result in screener.screen_many(made[first : first + BATCH]):
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    one = made[: len(made) // 5]
    one_cpu = time.process_time()
    singly = [screener.screen(listing) for listing in one]
    one_cpu = time.process_time() - one_cpu
    same = singly == [
        result for first in range(0, len(one), BATCH) for result in screener.screen_many(one[first : first + BATCH])
    ]

    keys = list(screener.matcher.automaton.keys())  # the same keys: keywords (also without spaces), replica terms
    sample = made[: 200 if arguments.quick else 1_000]
    naive_wall, naive_cpu = time.perf_counter(), time.process_time()
    naive_found = [naive_keywords(keys, listing) for listing in sample]
    naive_wall, naive_cpu = time.perf_counter() - naive_wall, time.process_time() - naive_cpu
    agree = naive_found == [automaton_keywords(screener, listing) for listing in sample]

    figures = {
        "brands": len(snapshot.brands),
        "keywords": keywords,
        "listings": len(made),
        "listings_per_s": round(len(made) / wall),
        "cpu_listings_per_s": round(len(made) / cpu),
        "cpu_us_per_listing": round(cpu / len(made) * 1e6, 2),
        "batch": BATCH,
        "one_at_a_time_cpu_listings_per_s": round(len(one) / one_cpu),
        "one_at_a_time_same_results": same,
        "naive_listings": len(sample),
        "naive_listings_per_s": round(len(sample) / naive_wall, 1),
        "naive_cpu_listings_per_s": round(len(sample) / naive_cpu, 1),
        "ratio": round((len(made) / cpu) / (len(sample) / naive_cpu), 1),
        "agree": agree,
        "outcomes": {str(outcome): count for outcome, count in sorted(outcomes.items())},
        "goal_listings_per_s": TEXT_GOAL,
        "goal_met": len(made) / cpu >= TEXT_GOAL,
    }
    print(f"text: {figures['listings_per_s']:,} listings/s wall, {figures['cpu_listings_per_s']:,} by CPU "
          f"({figures['cpu_us_per_listing']} µs each) in batches of {BATCH}; one at a time "
          f"{figures['one_at_a_time_cpu_listings_per_s']:,} by CPU (same results: {same}); naive "
          f"{figures['naive_cpu_listings_per_s']:,} by CPU on {len(sample)}: ratio {figures['ratio']:,}; "
          f"agree: {agree}; outcomes {figures['outcomes']}")  # fmt: skip
    return figures


SECTIONS = {"text": section_text}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 listings instead of 100,000")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, from: {', '.join(SECTIONS)}")
    parser.add_argument("--seed", type=int, default=11)
    arguments = parser.parse_args()
    chosen = [name.strip() for name in arguments.sections.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    load_before = os.getloadavg()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)} (2 cores; the machine may be shared)")
    result = {"benchmark": "screening", "quick": arguments.quick}
    for name in chosen:
        result[name] = SECTIONS[name](arguments, random.Random(arguments.seed))
    load_after = os.getloadavg()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in load_after)}")
    result["load_average"] = {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
