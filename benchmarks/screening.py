"""Benchmark: proactive screening (issue 11), section by section, each beside its naive baseline.

    python benchmarks/screening.py [--quick] [--sections text] [--seed 11] [--repeat 3] [--cpu 1]

Sections (each a function in SECTIONS, run in one process; the end-to-end run of issue 11, through
Celery and PostgreSQL, is ``benchmarks/screening_pipeline.py``):

- ``text``: text screening with full normalisation on a generated catalogue of 20,000 keywords
  over 2,000 brands, and 100,000 listings (``--quick``: 10,000 listings, the same catalogue),
  on one core (the process pinned to one CPU for the section, ``--cpu``, the last one unless
  told): ``Screener.screen_many`` in batches of 1,000, as the pipeline screens an ingest
  batch (normalisation of every title and description, one automaton pass, the signals and
  outcome of every brand named, evidence for the brand reported), timed by wall clock and by the
  process's CPU time, with the load average just before and after (``--repeat N``: N timed runs,
  the median reported and each kept); and ``Screener.screen`` one listing at a time on a fifth of them (the same
  results, checked). Beside it, in the same run, the naive baseline: the same
  normalisation, then a Python loop over the automaton's keys (every keyword view, keywords of
  several words also without their spaces, the replica terms: ``key in text``) instead of the
  automaton, on a sample of the listings (a loop over every keyword is too slow for all of
  them); the two must find the same keys in the sample (``agree``). The naive side only finds
  keywords, the screener also judges: the ratio is a floor. Goal: 50,000 listings/s.

- ``image_hash``: nearest neighbours within 10 bits of 1,000,000 64-bit hashes (random, with a
  copy 0 to 12 bits away planted for half the queries; 16 rows per image, as reference images are
  indexed with their crops): ``HashIndex.within`` (multi-index hashing, 4 bands of 16 bits), one
  query at a time, 5,000 queries (``--quick``: 2,000); beside it the numpy scan (XOR and popcount
  of every row) and the naive baseline, a Python loop over the hashes, timed on 100,000 hashes for
  a few queries and extrapolated to the million (its time is linear in the hashes); the three must
  agree on the queries they share. Goal: 1,000 queries/s.
- ``ocr``: 800 px listing images (a product scene with a caption, English or Chinese; 48,
  ``--quick``: 16, all different) read by ``OcrReader`` with a process pool of 2 (both cores),
  batches of up to 8 images per Tesseract process (and the images whose first reading found no
  word given a second look together, in one more round: counted in the Tesseract calls and the
  CPU); then the same images again: 0 Tesseract calls.
  The CPU of the pool and its Tesseract processes is taken when the pool ends. Beside it the naive
  baseline: one Tesseract process per image, one at a time, no cache (on 6 images). Goal: 9
  images/s.

The catalogue: invented brand names (a few are ordinary English words), each with ten keywords
(the name, product lines of one to three words, a Chinese name for one brand in five). The
listings: titles and descriptions of ordinary words; one in six names a brand (one in four of
those disguised: digit swaps, Cyrillic look-alikes, spelled out, full-width), one in twenty
carries replica words, one in ten is in Chinese; prices around the reference or far below it.

The machine is shared: the load average is printed before and after, and the CPU time per
listing is the figure that survives the load. The last line of output is one JSON object.
"""

import argparse
import gc
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

import resource  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402
import pytesseract  # noqa: E402

from screening.core import ListingInput, Screener, Snapshot  # noqa: E402
from screening.core.hash_index import HashIndex  # noqa: E402
from screening.core.normalise import view  # noqa: E402
from screening.core.ocr import OcrReader, ocr_prepare  # noqa: E402
from screening.core.words import english_words  # noqa: E402

TEXT_GOAL = 50_000  # listings/s on one core
HASH_GOAL = 1_000  # queries/s against 1,000,000 hashes
OCR_GOAL = 9  # images/s with both cores
HASH_ROWS = 1_000_000
HASH_DISTANCE = 10
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

    # One core: the process pinned to one CPU for the section (restored after, as the OCR section uses both),
    # so the wall-clock figure is one core's too; the CPU time is the process's own.
    affinity = os.sched_getaffinity(0)
    cpu_pinned = arguments.cpu if arguments.cpu is not None else max(affinity)
    os.sched_setaffinity(0, {cpu_pinned})
    try:
        return _text_timed(arguments, snapshot, screener, made, keywords, cpu_pinned)
    finally:
        os.sched_setaffinity(0, affinity)


def _screen_batches(screener, made):
    """(outcomes, wall s, CPU s) of screening ``made`` in batches of BATCH."""
    gc.collect()  # no garbage of what ran before collected on this run's time
    wall, cpu = time.perf_counter(), time.process_time()
    outcomes = {}
    for first in range(0, len(made), BATCH):
        for result in screener.screen_many(made[first : first + BATCH]):
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    return outcomes, time.perf_counter() - wall, time.process_time() - cpu


def _text_timed(arguments, snapshot, screener, made, keywords, cpu_pinned):
    screener.screen_many(made[:2_000])  # warm the fold table and the code paths
    load_before = os.getloadavg()
    runs = [_screen_batches(screener, made) for _ in range(arguments.repeat)]
    load_after = os.getloadavg()
    outcomes = runs[0][0]
    assert all(run[0] == outcomes for run in runs)
    # The median run (by CPU time) when repeated; every run's figures are kept.
    _, wall, cpu = sorted(runs, key=lambda run: run[2])[len(runs) // 2]
    one = made[: len(made) // 5]
    gc.collect()
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
        "cpu_pinned": cpu_pinned,
        "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
        "listings_per_s": round(len(made) / wall),
        "cpu_listings_per_s": round(len(made) / cpu),
        "cpu_us_per_listing": round(cpu / len(made) * 1e6, 2),
        "runs": [
            {"listings_per_s": round(len(made) / run_wall), "cpu_listings_per_s": round(len(made) / run_cpu)}
            for _, run_wall, run_cpu in runs
        ],
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
    spread = ""
    if len(runs) > 1:
        each = ", ".join(f"{run['cpu_listings_per_s']:,}" for run in figures["runs"])
        spread = f" (median of {len(runs)} runs; by CPU: {each})"
    print(f"text: on CPU {cpu_pinned} alone, load average {load_before[0]:.2f} before, {load_after[0]:.2f} after "
          f"(2 cores; the machine may be shared): {figures['listings_per_s']:,} listings/s wall, "
          f"{figures['cpu_listings_per_s']:,} by CPU ({figures['cpu_us_per_listing']} µs each) in batches of "
          f"{BATCH}{spread}; one at a time "
          f"{figures['one_at_a_time_cpu_listings_per_s']:,} by CPU (same results: {same}); naive "
          f"{figures['naive_cpu_listings_per_s']:,} by CPU on {len(sample)}: ratio {figures['ratio']:,}; "
          f"agree: {agree}; outcomes {figures['outcomes']}")  # fmt: skip
    return figures


def section_image_hash(arguments, rng):
    generator = np.random.default_rng(arguments.seed)
    queries_count = 2_000 if arguments.quick else 5_000
    hashes = generator.integers(0, 2**64, size=HASH_ROWS, dtype=np.uint64)
    queries = generator.integers(0, 2**64, size=queries_count, dtype=np.uint64)
    # Half the queries have a copy in the index, 0 to 12 bits away (some beyond the distance on purpose).
    planted = generator.choice(HASH_ROWS, size=queries_count // 2, replace=False)
    for number, row in enumerate(planted):
        flips = generator.choice(64, size=number % 13, replace=False)
        hashes[row] = queries[number] ^ np.bitwise_or.reduce(np.left_shift(np.uint64(1), flips.astype(np.uint64)))
    owners = np.arange(HASH_ROWS) // 16
    built = time.perf_counter()
    index = HashIndex(hashes, owners)
    build_seconds = time.perf_counter() - built
    scan = HashIndex(hashes, owners, multi_index=False)
    query_ints = [int(q) for q in queries]

    index.within(query_ints[0], HASH_DISTANCE)  # warm
    wall, cpu = time.perf_counter(), time.process_time()
    found = [index.within(q, HASH_DISTANCE) for q in query_ints]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    scan_queries = query_ints[:100]
    scan_cpu = time.process_time()
    scanned = [scan.within(q, HASH_DISTANCE) for q in scan_queries]
    scan_cpu = time.process_time() - scan_cpu
    agree_scan = all(
        a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
        for a, b in zip(found[:100], scanned, strict=True)
    )

    naive_rows = 100_000
    naive_hashes = [int(h) for h in hashes[:naive_rows]]
    naive_queries = query_ints[:3]
    naive_cpu = time.process_time()
    naive_found = [
        [row for row, h in enumerate(naive_hashes) if (h ^ q).bit_count() <= HASH_DISTANCE] for q in naive_queries
    ]
    naive_cpu = time.process_time() - naive_cpu
    naive_query_seconds = naive_cpu / len(naive_queries) * (HASH_ROWS / naive_rows)  # linear in the hashes
    partial = HashIndex(hashes[:naive_rows])
    agree_naive = all(
        sorted(partial.within_rows(q, HASH_DISTANCE)[0].tolist()) == rows
        for q, rows in zip(naive_queries, naive_found, strict=True)
    )
    figures = {
        "hashes": HASH_ROWS,
        "max_distance": HASH_DISTANCE,
        "queries": queries_count,
        "build_s": round(build_seconds, 2),
        "queries_per_s": round(queries_count / wall),
        "cpu_queries_per_s": round(queries_count / cpu),
        "cpu_us_per_query": round(cpu / queries_count * 1e6, 1),
        "matches_found": sum(len(owners_found) for owners_found, _ in found),
        "scan_cpu_queries_per_s": round(len(scan_queries) / scan_cpu, 1),
        "agree_scan": agree_scan,
        "naive_rows_timed": naive_rows,
        "naive_queries_timed": len(naive_queries),
        "naive_cpu_queries_per_s_extrapolated": round(1 / naive_query_seconds, 3),
        "ratio": round((queries_count / cpu) * naive_query_seconds),
        "agree_naive": agree_naive,
        "goal_queries_per_s": HASH_GOAL,
        "goal_met": queries_count / cpu >= HASH_GOAL,
    }
    print(f"image_hash: {HASH_ROWS:,} hashes indexed in {build_seconds:.2f} s; {figures['queries_per_s']:,} "
          f"queries/s wall, {figures['cpu_queries_per_s']:,} by CPU ({figures['cpu_us_per_query']} µs each), "
          f"{figures['matches_found']} matches; numpy scan {figures['scan_cpu_queries_per_s']} by CPU "
          f"(agree: {agree_scan}); naive Python loop {naive_query_seconds:.2f} s a query on a million "
          f"(timed on {naive_rows:,}): ratio {figures['ratio']:,} (agree: {agree_naive})")  # fmt: skip
    return figures


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ocr_images(count, seed):
    """``count`` different 800 px listing images with a caption, PNG bytes."""
    from tests.screening.imaging import encoded, text_image

    words = ["NORTHWIND", "VELLMORA AAA QUALITY", "LUMETTA X5", "ZEPHYRA 1:1", "HARBOR", "北风 高仿 原单"]
    return [
        encoded(text_image(seed * 1000 + number, [words[number % len(words)], f"No. {number}"]))
        for number in range(count)
    ]


def section_ocr(arguments, rng):
    images = ocr_images(16 if arguments.quick else 48, arguments.seed)
    warm = ocr_images(2, arguments.seed + 1)
    cpu_before = _children_cpu()
    with ProcessPoolExecutor(2) as pool:
        reader = OcrReader(executor=pool, workers=2)
        reader.read_many(warm)  # the pool's processes start and import
        calls_before = reader.tesseract_calls
        wall = time.perf_counter()
        texts = reader.read_many(images)
        wall = time.perf_counter() - wall
        calls = reader.tesseract_calls - calls_before
        again = time.perf_counter()
        reader.read_many(images)
        again = time.perf_counter() - again
        calls_again = reader.tesseract_calls - calls_before - calls
    cpu = _children_cpu() - cpu_before  # the pool's processes and their Tesseract processes, warm-up included
    cpu_per_image = cpu / (len(images) + len(warm))

    naive = images[:6]
    naive_cpu, naive_wall = _children_cpu(), time.perf_counter()
    for data in naive:
        pytesseract.image_to_string(ocr_prepare(data), lang=reader.settings.languages)
    naive_wall, naive_cpu = time.perf_counter() - naive_wall, _children_cpu() - naive_cpu
    figures = {
        "images": len(images),
        "side_px": 800,
        "workers": 2,
        "images_per_s": round(len(images) / wall, 1),
        "tesseract_calls": calls,
        "cpu_s_per_image": round(cpu_per_image, 3),
        "cpu_images_per_s_on_2_cores": round(2 / cpu_per_image, 1),
        "read": sum(bool(text.text) for text in texts),
        "seen_before_tesseract_calls": calls_again,
        "seen_before_s": round(again, 4),
        "naive_images": len(naive),
        "naive_images_per_s": round(len(naive) / naive_wall, 2),
        "naive_cpu_s_per_image": round(naive_cpu / len(naive), 3),
        "ratio": round((len(images) / wall) / (len(naive) / naive_wall), 1),
        "goal_images_per_s": OCR_GOAL,
        "goal_met": len(images) / wall >= OCR_GOAL,
    }
    print(f"ocr: {len(images)} images of 800 px: {figures['images_per_s']} images/s wall with 2 processes "
          f"({calls} Tesseract calls), {figures['cpu_s_per_image']} s of CPU each "
          f"({figures['cpu_images_per_s_on_2_cores']} images/s on 2 idle cores); text in {figures['read']}; "
          f"again: {calls_again} Tesseract calls in {again * 1000:.1f} ms; naive (a process per image, one at a "
          f"time) {figures['naive_images_per_s']} images/s, {figures['naive_cpu_s_per_image']} s of CPU each: "
          f"ratio {figures['ratio']}")  # fmt: skip
    return figures


SECTIONS = {"text": section_text, "image_hash": section_image_hash, "ocr": section_ocr}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 listings instead of 100,000")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, from: {', '.join(SECTIONS)}")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--cpu", type=int, help="the CPU the text section runs on alone (default: the last one)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of the text section (the median is reported)")
    arguments = parser.parse_args()
    chosen = [name.strip() for name in arguments.sections.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    if arguments.repeat < 1:
        parser.error("--repeat is 1 or more")
    if arguments.cpu is not None and arguments.cpu not in os.sched_getaffinity(0):
        parser.error(f"--cpu: this process may run on CPUs {sorted(os.sched_getaffinity(0))}")
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
