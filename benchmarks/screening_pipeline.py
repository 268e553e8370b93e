"""Benchmark: proactive screening end to end, through Celery and PostgreSQL (issue 11).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal CELERY_BROKER_URL=redis://127.0.0.1:6379/7 \\
        python benchmarks/screening_pipeline.py [--quick] [--listings N] [--seed 11]

Works in its own database (``portal_bench_screening``, recreated from a migrated template on every
run; ``--database`` names another) on the server DATABASE_URL names, with the broker in Redis under
a key prefix of this run (deleted at the end). Not timed: the world, a generated IP register of
2,000 verified assets over 200 rights holders (ten keywords each, a Chinese name for one in five,
a few ordinary-word brands, categories and reference prices, as ``benchmarks/screening.py``'s
catalogue; one holder in ten opted in to proactive notices; 20 assets with a reference image), a
marketplace, 1,000 stores of 200 merchants; then 2 real Celery worker processes (``celery -A
portal worker``, prefork, concurrency 2, ``DEBUG=0``), warmed by one ingest batch so each has
compiled its screener.

Timed, from the first ingest to the last result row committed (seen by polling the database every
0.1 s): listings ingested through the real path, ``listings.catalogue.listings_apply`` 1,000 rows
a call as the API's bulk ingest calls it (100,000 listings; ``--quick``: 20,000), one client
after another; one listing in six names a brand (a quarter of those disguised), one in twenty
carries replica words, prices far below the reference, one in ten in Chinese; one row in 500 in a
banned category (refused by the ingest); one listing in 100 is given an image through
``listings.images.listing_images_add`` (as the API's image upload), half of them copies of a
brand's reference image (resized and recompressed), from a pool of 40 distinct pictures (so OCR
reads each once: the ``OcrText`` cache). Everything after the commit is the product's: the
announcement, ``screening.tasks.listings_screen`` in chunks of ``SCREENING_BATCH_SIZE`` through
Redis, the workers' batches (snapshot version check, listings, images, OCR cache, merchant facts,
``screen_many``, results, alerts, proactive notices through the engine's filing).

Reported: listings/s, results, alerts and proactive notices written, the CPU the workers and the
bench database's PostgreSQL backends spent per listing (from /proc) and the ingesting process's,
and what 2 idle cores would give (2 CPU-seconds per second over that CPU per listing), and the queries one batch of
500 listings costs the pipeline (counted in this process, on a fresh batch, after the workers
stopped). Checked: every listing ingested has exactly one result for its current version
(``listing_updated_at`` equal to the listing's ``updated_at``) and no version of any listing has
two; every refused row was a banned category. The load average before and after is printed
beside the figures: the machine is shared. The last line of output is one JSON object.
"""

import argparse
import base64
import importlib.util
import io
import json
import os
import random
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.benchmarking import database_prepare, django_setup, process_cpu_seconds  # noqa: E402

BENCH_DB = "portal_bench_screening"
GOAL = 1_000  # listings/s end to end
BATCH = 1_000  # rows per listings_apply call, as the API's ingest
HOLDERS = 200
ASSETS_PER_HOLDER = 10
OPTED_IN_EVERY = 10  # one holder in ten opted in to proactive notices
MERCHANTS = 200
STORES = 1_000
REFERENCE_IMAGES = 20
IMAGE_EVERY = 100  # one listing in 100 gets an image
BANNED_EVERY = 500  # one row in 500 in a banned category
BANNED_CATEGORY = "Vehicle parts > Airbag components"
POLL = 0.1


def _generator():
    """benchmarks/screening.py's catalogue and listings (loaded by path: its name is the app's)."""
    spec = importlib.util.spec_from_file_location("bench_screening_core", BASE_DIR / "benchmarks" / "screening.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _descendants(pid):
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, of in parents.items() if of == parent]
        found += children
        frontier += children
    return found


def _backends():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def cpu_snapshot(worker_pid):
    return {
        "workers": {pid: process_cpu_seconds(pid) for pid in [worker_pid, *_descendants(worker_pid)]},
        "postgres": {pid: process_cpu_seconds(pid) for pid in _backends()},
    }


def cpu_spent(before, after, what):
    b, a = before[what], after[what]
    return sum((a[pid] or 0) - (b.get(pid) or 0) for pid in a if a[pid] is not None)


# --- The world (not timed) ---------------------------------------------------------------------------


def _png(image, fmt="PNG", **options):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def world_create(catalogue, rng):
    """Holders, 2,000 verified assets, reference images, a marketplace, merchants and stores."""
    from django.core.files.base import ContentFile

    from listings.models import Store
    from portal.models import OrganisationKind
    from rights_holders.models import IPAsset, Partner, PartnerKind, ReferenceImage
    from tests import factories
    from tests.screening.imaging import product_image

    tag = uuid.uuid4().hex[:8]
    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name=f"Marketplace {tag}")
    Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    holders = [
        factories.RightsHolderFactory(legal_name=f"Holder {tag}-{n}", proactive_enforcement=n % OPTED_IN_EVERY == 0)
        for n in range(HOLDERS)
    ]
    assets = IPAsset.objects.bulk_create(
        [
            factories.IPAssetFactory.build(
                rights_holder=holders[index // ASSETS_PER_HOLDER],
                name=brand["name"],
                registration_number=f"R{tag}{index:05d}",
                keywords=[brand["name"].lower(), *brand["keywords"]],
                categories=brand["categories"],
                reference_price=Decimal(brand["reference_price"]),
                reference_currency=brand["currency"],
            )
            for index, brand in enumerate(catalogue["brands"][: HOLDERS * ASSETS_PER_HOLDER])
        ]
    )
    references = []
    for n in range(REFERENCE_IMAGES):
        picture = product_image(10_000 + n, size=(480, 480))
        row = ReferenceImage(asset=assets[n * 97 % len(assets)], content_type="image/png")
        data = _png(picture)
        row.image.save(f"ref-{n}.png", ContentFile(data), save=False)
        row.size, (row.width, row.height) = len(data), picture.size
        row.save()
        references.append(picture)
    merchants = [factories.MerchantFactory(legal_name=f"Merchant {tag}-{n}") for n in range(MERCHANTS)]
    stores = Store.objects.bulk_create(
        [
            factories.StoreFactory.build(
                merchant=merchants[n % MERCHANTS], name=f"Store {tag}-{n}", payout_account_hash=f"p-{tag}-{n}"
            )
            for n in range(STORES)
        ]
    )
    # The pictures listings are given: copies of the reference images (resized, recompressed), and others.
    pool = []
    for n, picture in enumerate(references):
        copy = picture.resize((int(picture.width * 0.7), int(picture.height * 0.7)))
        pool.append(("copy", _png(copy.convert("RGB"), "JPEG", quality=60), f"copy-{n}.jpg"))
        pool.append(("other", _png(product_image(20_000 + n, size=(480, 480))), f"other-{n}.png"))
    return {"tag": tag, "stores": stores, "assets": assets, "holders": holders, "pool": pool}


def changes_made(generated, stores, rng, *, prefix):
    """ListingChange rows from the generated listings; one in BANNED_EVERY in a banned category."""
    from listings.catalogue import ListingChange

    rows = []
    for index, listing in enumerate(generated):
        category = BANNED_CATEGORY if index % BANNED_EVERY == BANNED_EVERY - 1 else listing.category
        rows.append(
            ListingChange(
                external_id=f"{prefix}-{index}",
                store_public_id=stores[rng.randrange(len(stores))].public_id,
                values={
                    "title": listing.title[:200],
                    "description": listing.description,
                    "category": category,
                    "price": str(listing.price),
                    "currency": listing.currency,
                },
            )
        )
    return rows


def ingest(rows, world, rng, *, image_every=IMAGE_EVERY):
    """listings_apply, BATCH rows a call; then an image for one listing in ``image_every`` (the real services)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from listings.catalogue import listings_apply
    from listings.images import listing_images_add

    created, refused, images = [], [], 0
    for start in range(0, len(rows), BATCH):
        applied = listings_apply(rows[start : start + BATCH])
        refused += [(start + error.index, error.code) for error in applied.errors]
        batch = [outcome.listing for outcome in applied.outcomes]
        created += [listing.pk for listing in batch]
        for listing in batch[::image_every]:
            kind, data, name = world["pool"][rng.randrange(len(world["pool"]))]
            content_type = "image/jpeg" if name.endswith(".jpg") else "image/png"
            listing_images_add(
                listing=listing, files=[SimpleUploadedFile(name, data, content_type=content_type)], actor=None
            )
            images += 1
    return created, refused, images


# --- Checks and counts ------------------------------------------------------------------------------


def _scalar(sql, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def unscreened(first_id):
    """Listings from ``first_id`` on with no result for their current version."""
    return _scalar(
        "SELECT count(*) FROM listings_listing l WHERE l.id >= %s AND l.status IN ('live', 'under_complaint') "
        "AND NOT EXISTS (SELECT 1 FROM screening_screeningresult r "
        "WHERE r.listing_id = l.id AND r.listing_updated_at = l.updated_at)",
        [first_id],
    )


def results_count(first_id):
    return _scalar("SELECT count(*) FROM screening_screeningresult WHERE listing_id >= %s", [first_id])


def wait_screened(first_id, expected, *, timeout, worker):
    """Poll until every listing from ``first_id`` has a result for its version; returns when it was seen."""
    deadline = time.monotonic() + timeout
    while True:
        if results_count(first_id) >= expected and unscreened(first_id) == 0:
            return time.perf_counter()
        if time.monotonic() > deadline:
            raise SystemExit(
                f"not every listing was screened within {timeout} s: {unscreened(first_id)} left; "
                f"the worker's log ends:\n{worker.log_tail()}"
            )
        time.sleep(POLL)


def exactly_once(listing_ids):
    """Every listing screened: one result for its current version if it is live (a listing a proactive
    notice took down has moved on since: one result for the version it was screened at), and no
    version of any listing with two results."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE l.status IN ('live', 'under_complaint')), "
            "count(*) FILTER (WHERE l.status = 'taken_down') FROM listings_listing l WHERE l.id = ANY(%s)",
            [listing_ids],
        )
        live, down = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM listings_listing l WHERE l.id = ANY(%s) AND l.status IN ('live', 'under_complaint') "
            "AND (SELECT count(*) FROM screening_screeningresult r "
            "WHERE r.listing_id = l.id AND r.listing_updated_at = l.updated_at) = 1",
            [listing_ids],
        )
        live_once = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(DISTINCT listing_id) FROM screening_screeningresult WHERE listing_id = ANY(%s)",
            [listing_ids],
        )
        screened = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM screening_screeningresult WHERE listing_id = ANY(%s) "
            "GROUP BY listing_id, listing_updated_at HAVING count(*) > 1) AS twice",
            [listing_ids],
        )
        twice = cursor.fetchone()[0]
    return {
        "listings": len(listing_ids),
        "screened": screened,
        "live": live,
        "live_with_one_result_for_current_version": live_once,
        "taken_down": down,
        "versions_with_two_results": twice,
    }


def written(first_id):
    from django.db.models import Count

    from screening.models import ScreeningAlert, ScreeningResult
    from takedowns.models import NoticeItem

    outcomes = dict(
        ScreeningResult.objects.filter(listing_id__gte=first_id)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    signals = _scalar(
        "SELECT count(*) FROM screening_screeningresult r, jsonb_array_elements(r.signals) s "
        "WHERE r.listing_id >= %s AND s->>'kind' = 'image'",
        [first_id],
    )
    return {
        "results": sum(outcomes.values()),
        "outcomes": outcomes,
        "alerts": ScreeningAlert.objects.filter(listing_id__gte=first_id).count(),
        "proactive_notice_items": NoticeItem.objects.filter(listing_id__gte=first_id).count(),
        "image_signals": signals,
    }


def pipeline_queries(world, generated, rng):
    """Queries one batch of SCREENING_BATCH_SIZE new listings costs the pipeline, in this process."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from screening import pipeline

    size = settings.SCREENING_BATCH_SIZE
    rows = changes_made(generated[: 2 * size], world["stores"], rng, prefix=f"Q{world['tag']}")
    ids, _, _ = ingest(rows, world, rng, image_every=10**9)
    pipeline.listings_screen(ids[:size], trigger="created")  # this process compiles its screener
    with CaptureQueriesContext(connection) as queries:
        run = pipeline.listings_screen(ids[size : 2 * size], trigger="created")
    return {"batch": size, "queries": len(queries), "results": len(run.result_ids)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20,000 listings instead of 100,000")
    parser.add_argument("--listings", type=int, help="listings to ingest (overrides --quick)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database", default=BENCH_DB)
    parser.add_argument("--timeout", type=int, default=1800, help="seconds to wait for the last result")
    args = parser.parse_args()
    count = args.listings or (20_000 if args.quick else 100_000)
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (postgres://...): the benchmark runs on PostgreSQL.")
    redis_url = os.environ.get("CELERY_BROKER_URL", "")
    if not redis_url.startswith("redis"):
        redis_url = "redis://127.0.0.1:6379/7"
    prefix = f"bench-screening-{uuid.uuid4().hex[:8]}:"
    media = tempfile.mkdtemp(prefix="bench-screening-media-")
    secrets = {
        "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
        "WEBHOOK_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    os.environ.update(CELERY_BROKER_URL=redis_url, CELERY_BROKER_KEY_PREFIX=prefix, MEDIA_ROOT=media, **secrets)

    load_before = os.getloadavg()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)} (2 cores; the machine may be shared)")
    database_url = database_prepare(server_url, args.database)
    django_setup(database_url)
    from django.conf import settings
    from django.db import connection

    from tests.workers import RedisBroker, celery_worker

    rng = random.Random(args.seed)
    generator = _generator()
    catalogue = generator.catalogue(rng, brands=HOLDERS * ASSETS_PER_HOLDER)
    began = time.perf_counter()
    world = world_create(catalogue, rng)
    generated = generator.listings(rng, catalogue, count + BATCH)
    warm_rows = changes_made(generated[:BATCH], world["stores"], rng, prefix=f"W{world['tag']}")
    rows = changes_made(generated[BATCH:], world["stores"], rng, prefix=f"L{world['tag']}")
    print(
        f"world: {len(world['assets'])} assets, {STORES} stores, {count:,} listings made in {time.perf_counter() - began:.1f} s"
    )
    connection.close()

    broker = RedisBroker(redis_url, prefix)
    figures = {"benchmark": "screening_pipeline", "quick": args.quick, "listings": count, "workers": 2}
    env = {"DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "MEDIA_ROOT": media, "LOG_LEVEL": "WARNING", **secrets}
    var_dir = Path(tempfile.mkdtemp(prefix="bench-screening-var-"))
    try:
        with celery_worker(broker, var_dir=var_dir, env_extra=env, name="bench-screening") as worker:
            began = time.perf_counter()
            warm_ids, _, _ = ingest(warm_rows, world, rng)
            wait_screened(min(warm_ids), len(warm_ids), timeout=args.timeout, worker=worker)
            print(f"warm-up: {len(warm_ids)} listings screened in {time.perf_counter() - began:.1f} s")
            connection.close()

            before = cpu_snapshot(worker.pid)
            ingest_cpu = time.process_time()
            began = time.perf_counter()
            ids, refused, images = ingest(rows, world, rng)
            ingested = time.perf_counter()
            ingest_cpu = time.process_time() - ingest_cpu
            first_id = min(ids)
            finished = wait_screened(first_id, len(ids), timeout=args.timeout, worker=worker)
            after = cpu_snapshot(worker.pid)
        wall = finished - began
        checks = exactly_once(ids)
        made = written(first_id)
        worker_cpu = cpu_spent(before, after, "workers")
        postgres_cpu = cpu_spent(before, after, "postgres")
        queries = pipeline_queries(world, generated, rng)
    finally:
        broker.delete_keys()

    bad_refusals = [code for _, code in refused if code != "banned_category"]
    figures.update(
        {
            "ingested": len(ids),
            "refused_banned_category": len(refused) - len(bad_refusals),
            "images_added": images,
            "seconds": round(wall, 2),
            "ingest_seconds": round(ingested - began, 2),
            "listings_per_s": round(len(ids) / wall, 1),
            "written": made,
            "checks": checks,
            "worker_cpu_ms_per_listing": round(worker_cpu * 1000 / len(ids), 3),
            "postgres_cpu_ms_per_listing": round(postgres_cpu * 1000 / len(ids), 3),
            "ingest_cpu_ms_per_listing": round(ingest_cpu * 1000 / len(ids), 3),
            # What 2 cores give with nothing else running: 2 CPU-seconds per second over the CPU per listing
            # (the ingesting client, the workers, the bench database's backends; Redis left out).
            "two_idle_cores_per_s": round(2 * len(ids) / (ingest_cpu + worker_cpu + postgres_cpu), 1),
            "pipeline_queries": {**queries, "per_listing": round(queries["queries"] / queries["batch"], 3)},
            "batch_size": settings.SCREENING_BATCH_SIZE,
        }
    )
    print(
        f"end to end: {len(ids):,} listings ingested ({len(refused)} refused, banned category; {images} images added) "
        f"and screened in {wall:.1f} s (ingest {ingested - began:.1f} s): {figures['listings_per_s']:,.0f} listings/s"
    )
    print(
        f"written: {made['results']:,} results {made['outcomes']}, {made['alerts']} alerts, "
        f"{made['proactive_notice_items']} proactive notice items, {made['image_signals']} image signals"
    )
    print(
        f"CPU per listing: workers {figures['worker_cpu_ms_per_listing']} ms, PostgreSQL backends "
        f"{figures['postgres_cpu_ms_per_listing']} ms, ingest {figures['ingest_cpu_ms_per_listing']} ms: "
        f"{figures['two_idle_cores_per_s']:,.0f} listings/s on 2 idle cores; the pipeline: {queries['queries']} queries for a batch of "
        f"{queries['batch']} ({figures['pipeline_queries']['per_listing']} per listing)"
    )
    print(f"checks: {checks}")
    load_after = os.getloadavg()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in load_after)}")
    figures["load_average"] = {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]}
    ok = (
        not bad_refusals
        and checks["screened"] == checks["listings"] == checks["live"] + checks["taken_down"]
        and checks["live_with_one_result_for_current_version"] == checks["live"]
        and checks["versions_with_two_results"] == 0
    )
    figures["exactly_once"] = ok
    figures["goal"] = {
        "listings_per_s": GOAL,
        "met": figures["listings_per_s"] >= GOAL,
        "met_on_two_idle_cores": figures["two_idle_cores_per_s"] >= GOAL,
    }
    print(json.dumps(figures))
    if not ok:
        raise SystemExit(f"checks failed: {checks}, refusals other than banned categories: {bad_refusals[:5]}")


if __name__ == "__main__":
    main()
