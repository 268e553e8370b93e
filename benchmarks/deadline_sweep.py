"""Benchmark: the set-based deadline sweep with several worker processes on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python benchmarks/deadline_sweep.py [--quick]

Works in its own database (``portal_bench``, recreated from a migrated
template ``portal_bench_template`` on every run) on the server DATABASE_URL
names. Inserts 100,000 items (``--quick``: 10,000) whose counter-notice window
has closed (fixture setup, not measured), then sweeps them with 2 worker
processes, each calling ``takedowns.sweep.deadlines_sweep`` as the beat task
does, and measures items per second for the sweep alone. A row-by-row baseline
(the single-item verb, one process) runs on a smaller sample in the same run.
Then it checks that every item was upheld exactly once: one outcome event, one
audit entry, one statement of reasons, one penalise effect each. The last line
of output is one JSON object with the figures.

Effect tasks go to an in-memory broker unless CELERY_BROKER_URL is set: the
benchmark measures the sweep, not a worker draining the effects.
"""

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.benchmarking import database_prepare, django_setup  # noqa: E402

BENCH_DB = "portal_bench"


def _sweep_worker(now_iso, start, results):
    """One worker process: wait for the start signal, sweep, report (count, seconds)."""
    from datetime import datetime

    from django.db import connection

    from takedowns.sweep import deadlines_sweep

    connection.ensure_connection()
    start.wait()
    began = time.perf_counter()
    counts = deadlines_sweep(now=datetime.fromisoformat(now_iso))
    results.put((counts["upheld"], time.perf_counter() - began))
    connection.close()


def sweep_with_workers(workers, now):
    from django.db import connections

    connections.close_all()  # forked children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    start = context.Event()
    results = context.Queue()
    processes = [context.Process(target=_sweep_worker, args=(now.isoformat(), start, results)) for _ in range(workers)]
    for process in processes:
        process.start()
    time.sleep(1.0)  # let every worker connect before the clock starts
    began = time.perf_counter()
    start.set()
    reports = [results.get() for _ in processes]
    seconds = time.perf_counter() - began
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a sweep worker exited with {process.exitcode}")
    return reports, seconds


def baseline_row_by_row(count, now):
    """The single-item verb once per row (one process), with its effects sent after each commit."""
    from takedowns.lifecycle import notice_item_uphold_by_default
    from tests.bulk import due_items_bulk_create

    ids = due_items_bulk_create(count, deadline=now - _minutes(10))
    _analyze()
    began = time.perf_counter()
    moved = sum(1 for item_id in ids if notice_item_uphold_by_default(item_id=item_id, now=now))
    seconds = time.perf_counter() - began
    assert moved == count, f"row-by-row moved {moved} of {count}"
    return count / seconds


def _minutes(n):
    from datetime import timedelta

    return timedelta(minutes=n)


def _analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _checkpoint():
    """Write out what the fixture inserted, so the sweep pays for its own WAL and checkpoints, not the setup's.

    The sweep still pays the full-page images of every page it is first to touch after
    the checkpoint, as a sweep in production does.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def exactly_once_check(first_id, last_id):
    """Per item: upheld, generation 1, one outcome event, audit entry, statement and penalise effect."""
    from django.db import connection

    window = "item_id BETWEEN %(first)s AND %(last)s"
    checks = {
        "not upheld": "SELECT count(*) FROM takedowns_noticeitem WHERE id BETWEEN %(first)s AND %(last)s "
        "AND (status <> 'upheld' OR decision_generation <> 1)",
        "outcome events != 1": f"SELECT count(*) FROM (SELECT item_id FROM takedowns_itemevent WHERE {window} "
        "AND to_status = 'upheld' GROUP BY item_id HAVING count(*) <> 1) x",
        "penalise effects != 1": f"SELECT count(*) FROM (SELECT item_id FROM takedowns_effect WHERE {window} "
        "AND kind = 'penalise' GROUP BY item_id HAVING count(*) <> 1) x",
        "statements != 1": f"SELECT count(*) FROM (SELECT item_id FROM takedowns_statementofreasons WHERE {window} "
        "GROUP BY item_id HAVING count(*) <> 1) x",
        "audit entries != 1": "SELECT count(*) FROM (SELECT object_id FROM portal_auditlogentry "
        "WHERE action = 'takedowns.item.upheld_no_counter_notice' AND object_type = 'takedowns.noticeitem' "
        "AND object_id::bigint BETWEEN %(first)s AND %(last)s GROUP BY object_id HAVING count(*) <> 1) x",
        "items with outcome event": f"SELECT count(DISTINCT item_id) FROM takedowns_itemevent WHERE {window} "
        "AND to_status = 'upheld'",
        "items with penalise effect": f"SELECT count(DISTINCT item_id) FROM takedowns_effect WHERE {window} "
        "AND kind = 'penalise'",
        "items with statement": f"SELECT count(DISTINCT item_id) FROM takedowns_statementofreasons WHERE {window}",
        "items with audit entry": "SELECT count(DISTINCT object_id) FROM portal_auditlogentry "
        "WHERE action = 'takedowns.item.upheld_no_counter_notice' AND object_type = 'takedowns.noticeitem' "
        "AND object_id::bigint BETWEEN %(first)s AND %(last)s",
    }
    figures = {}
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql, {"first": first_id, "last": last_id})
            figures[name] = cursor.fetchone()[0]
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 items instead of 100,000")
    parser.add_argument("--items", type=int, help="how many due items to sweep")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-items", type=int, help="sample size of the row-by-row baseline")
    args = parser.parse_args(argv)
    items = args.items or (10_000 if args.quick else 100_000)
    baseline_items = args.baseline_items or (500 if args.quick else 2_000)

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/portal")
    total_began = time.perf_counter()
    print(f"Preparing database {BENCH_DB} ...", flush=True)
    django_setup(database_prepare(server_url, BENCH_DB))

    from django.conf import settings
    from django.utils import timezone

    from tests.bulk import due_items_bulk_create

    now = timezone.now()
    print(f"Baseline: {baseline_items} items upheld row by row by the single-item verb (1 process) ...", flush=True)
    baseline = baseline_row_by_row(baseline_items, now)
    print(f"  {baseline:,.0f} items/s", flush=True)

    print(f"Inserting {items:,} items whose counter-notice window has closed ...", flush=True)
    ids = due_items_bulk_create(items, deadline=now - _minutes(5))
    _analyze()
    _checkpoint()
    print(f"Sweeping with {args.workers} worker processes (batch {settings.TAKEDOWN_SWEEP_BATCH_SIZE}) ...", flush=True)
    load_before = os.getloadavg()[0]
    reports, seconds = sweep_with_workers(args.workers, now)
    swept = sum(count for count, _ in reports)
    rate = swept / seconds
    for n, (count, worker_seconds) in enumerate(reports, 1):
        print(f"  worker {n}: {count:,} items in {worker_seconds:.2f} s", flush=True)
    print(f"  {swept:,} items in {seconds:.2f} s: {rate:,.0f} items/s", flush=True)

    figures = exactly_once_check(min(ids), max(ids))
    for name, value in figures.items():
        print(f"  {name}: {value:,}")
    exactly_once = (
        swept == items
        and all(figures[name] == 0 for name in figures if not name.startswith("items with"))
        and all(figures[name] == items for name in figures if name.startswith("items with"))
    )
    print(f"Total run time {time.perf_counter() - total_began:.1f} s", flush=True)
    print(
        json.dumps(
            {
                "items": items,
                "workers": args.workers,
                "batch_size": settings.TAKEDOWN_SWEEP_BATCH_SIZE,
                "seconds": round(seconds, 3),
                "items_per_second": round(rate),
                "exactly_once": exactly_once,
                "baseline_row_by_row_items_per_second": round(baseline),
                "baseline_workers": 1,
                "ratio": round(rate / baseline, 1),
                # Other processes competing for the CPUs skew every figure; this says how much.
                "load_average_before_sweep": round(load_before, 1),
                "cpus": os.cpu_count(),
            }
        )
    )
    return 0 if exactly_once else 1


if __name__ == "__main__":
    sys.exit(main())
