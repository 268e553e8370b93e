"""Benchmark: the set-based deadline sweep on realistic data, effects included, with worker processes on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python benchmarks/deadline_sweep.py [--quick]

Works in its own database (``portal_bench``, recreated from a migrated template
``portal_bench_template`` on every run; ``--database`` names another) on the
server DATABASE_URL names. Two data sets are swept in turn by 2 worker
processes, each calling ``takedowns.sweep.deadlines_sweep`` as the beat task
does:

- **mixed** (the figure that counts): 100,000 items (``--quick``: 10,000) whose
  counter-notice window has closed, spread over 10,000 rights holders, 30,000
  assets and 20,000 stores (a tenth of each for ``--quick``), every
  infringement type, filed on the web, the API, bulk files and by screening; a
  tenth of the stores already carry penalty points just below a step of the
  ladder, and some have two counterfeit items against one right upheld
  already, so the sweep's penalties give warnings, restrictions and closures
  (``tests.bulk.mixed_due_items_bulk_create``);
- **uniform** (the best case, for comparison): as many items of one holder,
  one asset and one store (``tests.bulk.due_items_bulk_create``).

For the mixed set the effects are then carried out, in-process, by the same
number of worker processes running the effects task's code
(``takedowns.tasks.run_items_effects``) on the sweep's chunks of items
(``sweep.EFFECTS_TASK_CHUNK``), a batch per kind of effect: delisting, penalty
points and the ladder steps they cross, reimbursements, notifications and their
e-mails (to a dummy mail backend). "Takedowns completed per second" counts an
item once all of its effects are done: items / (sweep + effects). Beside the
wall-clock rate, which the machine's load skews, the workers report what does
not depend on it as much: queries and Python CPU time per item.

Then every mixed item is checked: upheld once (generation 1), one outcome
event, one audit entry, one statement of reasons, its effects (delist,
penalise, notify; reimburse for counterfeits) each once and done, one penalty,
its listing down, its parties notified; the stores' sanctions are checked
against the ladder recomputed from their points. The last line of output is
one JSON object with ``mixed_items_per_s``, ``uniform_items_per_s``,
``exactly_once`` and the effects' figures (``mixed_takedowns_completed_per_s``,
``mixed_effects_per_s``, ``mixed_effects_queries_per_item``,
``mixed_effects_cpu_ms_per_item``). Times are wall-clock; the load average
before each phase is reported, since other processes on the machine skew every
figure.
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
GOAL_ITEMS_PER_S = 10_000


# --- Worker processes -------------------------------------------------------------------------


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


def _effects_worker(chunks, next_chunk, start, results):
    """One worker process: take the next chunk of item ids and run its effects as the effects task does.

    Reports (effects done, seconds, queries, Python CPU seconds).
    """
    from django.db import connection

    from takedowns.tasks import run_items_effects

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    connection.ensure_connection()
    start.wait()
    began, cpu = time.perf_counter(), time.process_time()
    done = 0
    with connection.execute_wrapper(count):
        while True:
            with next_chunk.get_lock():
                n = next_chunk.value
                next_chunk.value += 1
            if n >= len(chunks):
                break
            done += run_items_effects(chunks[n])  # the task's own code, called in this process
    results.put((done, time.perf_counter() - began, queries, time.process_time() - cpu))
    connection.close()


def _processes_run(target, args, workers):
    """Start ``workers`` processes on ``target``; start the clock once all are connected. Returns (reports, s)."""
    from django.db import connections

    connections.close_all()  # forked children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    start = context.Event()
    results = context.Queue()
    processes = [context.Process(target=target, args=(*args(context), start, results)) for _ in range(workers)]
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
            raise SystemExit(f"a worker process exited with {process.exitcode}")
    return reports, seconds


def sweep_with_workers(workers, now):
    return _processes_run(_sweep_worker, lambda context: (now.isoformat(),), workers)


def effects_with_workers(workers, item_ids, chunk):
    chunks = [item_ids[start : start + chunk] for start in range(0, len(item_ids), chunk)]
    # The chunks reach the workers by fork; a shared counter hands them out.
    return _processes_run(_effects_worker, lambda context: (chunks, context.Value("i", 0)), workers)


# --- Checks -----------------------------------------------------------------------------------


def _counts(sql, params):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def sweep_rows_check(first_id, last_id):
    """Per item: upheld, generation 1, one outcome event, audit entry, statement and penalise effect."""
    window = "item_id BETWEEN %(first)s AND %(last)s"
    audit = (
        "FROM portal_auditlogentry WHERE action = 'takedowns.item.upheld_no_counter_notice' "
        "AND object_type = 'takedowns.noticeitem' AND object_id::bigint BETWEEN %(first)s AND %(last)s"
    )
    checks = {
        "not upheld": "SELECT count(*) FROM takedowns_noticeitem WHERE id BETWEEN %(first)s AND %(last)s "
        "AND (status <> 'upheld' OR decision_generation <> 1)",
        "outcome events != 1": f"SELECT count(*) FROM (SELECT item_id FROM takedowns_itemevent WHERE {window} "
        "AND to_status = 'upheld' GROUP BY item_id HAVING count(*) <> 1) x",
        "penalise effects != 1": f"SELECT count(*) FROM (SELECT item_id FROM takedowns_effect WHERE {window} "
        "AND kind = 'penalise' GROUP BY item_id HAVING count(*) <> 1) x",
        "statements != 1": f"SELECT count(*) FROM (SELECT item_id FROM takedowns_statementofreasons WHERE {window} "
        "AND restriction = 'listing_removed' GROUP BY item_id HAVING count(*) <> 1) x",
        "audit entries != 1": f"SELECT count(*) FROM (SELECT object_id {audit} GROUP BY object_id "
        "HAVING count(*) <> 1) x",
        "items with outcome event": f"SELECT count(DISTINCT item_id) FROM takedowns_itemevent WHERE {window} "
        "AND to_status = 'upheld'",
        "items with penalise effect": f"SELECT count(DISTINCT item_id) FROM takedowns_effect WHERE {window} "
        "AND kind = 'penalise'",
        "items with statement": f"SELECT count(DISTINCT item_id) FROM takedowns_statementofreasons WHERE {window} "
        "AND restriction = 'listing_removed'",
        "items with audit entry": f"SELECT count(DISTINCT object_id) {audit}",
    }
    return {name: _counts(sql, {"first": first_id, "last": last_id}) for name, sql in checks.items()}


def effects_check(first_id, last_id):
    """Per item, after the effects: each effect once and done, one penalty, listing down, parties notified."""
    from django.conf import settings

    window = "item_id BETWEEN %(first)s AND %(last)s"
    items = "FROM takedowns_noticeitem i WHERE i.id BETWEEN %(first)s AND %(last)s"
    checks = {
        "effects not done": f"SELECT count(*) FROM takedowns_effect WHERE {window} AND status <> 'done'",
        "effect kinds wrong": f"""SELECT count(*) {items} AND (
            (SELECT count(*) FROM takedowns_effect e WHERE e.item_id = i.id AND e.kind = 'delist') <> 1
            OR (SELECT count(*) FROM takedowns_effect e WHERE e.item_id = i.id AND e.kind = 'notify') <> 1
            OR (SELECT count(*) FROM takedowns_effect e WHERE e.item_id = i.id AND e.kind = 'reimburse')
               <> (CASE WHEN i.infringement_type = 'counterfeit' THEN 1 ELSE 0 END))""",
        "penalties != 1": f"""SELECT count(*) {items} AND (SELECT count(*) FROM takedowns_penalty p
            WHERE p.item_id = i.id AND p.decision_generation = 1 AND p.reversed_at IS NULL) <> 1""",
        "penalty points wrong": """SELECT count(*) FROM takedowns_penalty p JOIN takedowns_noticeitem i
            ON i.id = p.item_id WHERE p.item_id BETWEEN %(first)s AND %(last)s
            AND p.points <> (%(points)s::jsonb ->> i.infringement_type)::int""",
        "listings not down": f"""SELECT count(*) {items} AND EXISTS (SELECT 1 FROM listings_listing l
            WHERE l.id = i.listing_id AND l.status NOT IN ('taken_down', 'removed'))""",
        "items nobody was notified of": f"""SELECT count(*) {items} AND NOT EXISTS (
            SELECT 1 FROM takedowns_notification n WHERE n.item_id = i.id
            AND n.source = 'event-' || (SELECT e.id FROM takedowns_itemevent e WHERE e.item_id = i.id
                                        AND e.to_status = 'upheld')::text)""",
    }
    params = {"first": first_id, "last": last_id, "points": json.dumps(settings.PENALTY_POINTS)}
    return {name: _counts(sql, params) for name, sql in checks.items()}


def ladder_check(world):
    """The stores' sanctions against the ladder recomputed from their points (independently of the ladder code).

    Per store: the live points before the sweep and after it; each step of the
    ladder between the two is given at most once and only if crossed; a store
    reaching the closure threshold, or with three counterfeit penalties on one
    right, is closed exactly once and banned; nothing is given to a store whose
    points crossed no step.
    """
    from collections import Counter, defaultdict

    from django.conf import settings

    from takedowns.models import Penalty, Sanction, SanctionKind

    ladder = settings.PENALTY_LADDER
    closure_at = min(threshold for threshold, kind, _ in ladder if kind == SanctionKind.CLOSURE)
    before, after = defaultdict(int), defaultdict(int)
    counterfeits = Counter()
    for store_id, item_id, points, kind, asset_id in Penalty.objects.filter(reversed_at=None).values_list(
        "store_id", "item_id", "points", "infringement_type", "ip_asset_id"
    ):
        after[store_id] += points
        if item_id < world.ids[0]:
            before[store_id] += points
        if kind == "counterfeit":
            counterfeits[store_id, asset_id] += 1
    repeat = {store_id for (store_id, _), n in counterfeits.items() if n >= settings.PENALTY_REPEAT_INFRINGER_COUNT}
    sanctions = defaultdict(list)
    for store_id, kind, level in Sanction.objects.values_list("store_id", "kind", "level"):
        sanctions[store_id].append((kind, level))
    wrong = []
    for store_id in set(after) | set(sanctions):
        given = sanctions[store_id]
        closures = [s for s in given if s[0] == SanctionKind.CLOSURE]
        must_close = after[store_id] >= closure_at or store_id in repeat
        if must_close != (len(closures) == 1) or len(closures) > 1:
            wrong.append((store_id, "closure", given))
            continue
        if must_close and sum(1 for s in given if s[0] == SanctionKind.BAN) != 1:
            wrong.append((store_id, "ban", given))
            continue
        crossed = {str(t) for t, _, _ in ladder if before[store_id] < t <= after[store_id]}
        steps = [level for kind, level in given if kind in {SanctionKind.WARNING, SanctionKind.RESTRICTION}]
        # Steps after a closure are not given (closure is the last step), so "given" is a subset of "crossed".
        if len(steps) != len(set(steps)) or not set(steps) <= crossed:
            wrong.append((store_id, "steps", given))
        elif not must_close and set(steps) != crossed:
            wrong.append((store_id, "steps missing", given))
    kinds = Counter(kind for given in sanctions.values() for kind, _ in given)
    return {
        "stores_sanctioned": len(sanctions),
        "warnings": kinds[SanctionKind.WARNING],
        "restrictions": kinds[SanctionKind.RESTRICTION],
        "closures": kinds[SanctionKind.CLOSURE],
        "repeat_infringer_closures": sum(
            1
            for given in sanctions.values()
            for kind, level in given
            if kind == SanctionKind.CLOSURE and level == "repeat"
        ),
        "bans": kinds[SanctionKind.BAN],
        "stores_wrong": len(wrong),
        "examples_wrong": wrong[:3],
    }


def _all_once(figures, count):
    return all(value == 0 for name, value in figures.items() if not name.startswith("items with")) and all(
        value == count for name, value in figures.items() if name.startswith("items with")
    )


# --- Phases -----------------------------------------------------------------------------------


def _analyze_and_checkpoint():
    """Fresh statistics, and what the fixture inserted written out, so the sweep pays only for its own WAL.

    The sweep still pays the full-page images of every page it is first to touch after
    the checkpoint, as a sweep in production does.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("CHECKPOINT")


def sweep_phase(name, ids, now, workers):
    from django.conf import settings

    _analyze_and_checkpoint()
    print(f"Sweeping {len(ids):,} {name} items with {workers} worker processes ...", flush=True)
    load = os.getloadavg()[0]
    reports, seconds = sweep_with_workers(workers, now)
    swept = sum(count for count, _ in reports)
    for n, (count, worker_seconds) in enumerate(reports, 1):
        print(f"  worker {n}: {count:,} items in {worker_seconds:.2f} s", flush=True)
    rate = swept / seconds
    print(f"  {swept:,} items in {seconds:.2f} s: {rate:,.0f} items/s (batch {settings.TAKEDOWN_SWEEP_BATCH_SIZE})")
    figures = sweep_rows_check(ids[0], ids[-1])
    for key, value in figures.items():
        print(f"    {key}: {value:,}")
    return {"swept": swept, "seconds": seconds, "rate": rate, "load": load, "once": _all_once(figures, len(ids))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 items of each kind instead of 100,000")
    parser.add_argument("--items", type=int, help="how many due items in each data set")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default=BENCH_DB, help=f"benchmark database name (default {BENCH_DB})")
    parser.add_argument("--no-uniform", action="store_true", help="sweep only the mixed data set")
    parser.add_argument(
        "--no-effects", action="store_true", help="sweep only; leave the effects pending (exactly_once is then false)"
    )
    args = parser.parse_args(argv)
    items = args.items or (10_000 if args.quick else 100_000)

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/portal")
    total_began = time.perf_counter()
    # Notifications are e-mailed as in production, to a backend that drops them.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    print(f"Preparing database {args.database} ...", flush=True)
    django_setup(database_prepare(server_url, args.database))

    from datetime import timedelta

    from django.utils import timezone

    from takedowns.models import Effect, EffectStatus
    from takedowns.sweep import EFFECTS_TASK_CHUNK
    from tests.bulk import due_items_bulk_create, mixed_due_items_bulk_create

    now = timezone.now()
    uniform = None
    if not args.no_uniform:
        print(f"Inserting {items:,} due items of one holder, asset and store (uniform) ...", flush=True)
        ids = due_items_bulk_create(items, deadline=now - timedelta(minutes=5))
        uniform = sweep_phase("uniform", ids, now, args.workers)

    holders, assets, stores = items // 10, items * 3 // 10, items // 5
    print(
        f"Inserting {items:,} due items over {holders:,} rights holders, {assets:,} assets, {stores:,} stores "
        "(mixed) ...",
        flush=True,
    )
    world = mixed_due_items_bulk_create(
        items, holders=holders, assets=assets, stores=stores, deadline=now - timedelta(minutes=5)
    )
    print(f"  {world.counts}", flush=True)
    mixed = sweep_phase("mixed", world.ids, now, args.workers)

    if args.no_effects:
        print(
            json.dumps(
                {
                    "mixed_items_per_s": round(mixed["rate"]),
                    "uniform_items_per_s": uniform and round(uniform["rate"]),
                    "exactly_once": False,
                    "effects": None,
                    "load": [uniform and round(uniform["load"], 1), round(mixed["load"], 1)],
                }
            )
        )
        return 1
    pending = sorted(
        set(Effect.objects.filter(item_id__in=world.ids, status=EffectStatus.PENDING).values_list("item_id", flat=True))
    )
    print(f"Carrying out the effects of {len(pending):,} items with {args.workers} worker processes ...", flush=True)
    load_effects = os.getloadavg()[0]
    reports, effects_seconds = effects_with_workers(args.workers, pending, EFFECTS_TASK_CHUNK)
    effects_done = sum(report[0] for report in reports)
    effects_rate = effects_done / effects_seconds
    queries_per_item = sum(report[2] for report in reports) / len(pending)
    cpu_ms_per_item = 1000 * sum(report[3] for report in reports) / len(pending)
    for n, (count, worker_seconds, queries, cpu) in enumerate(reports, 1):
        print(f"  worker {n}: {count:,} effects in {worker_seconds:.2f} s, {queries:,} queries, {cpu:.2f} s CPU")
    print(
        f"  {effects_done:,} effects in {effects_seconds:.2f} s: {effects_rate:,.0f} effects/s; per item "
        f"{queries_per_item:.2f} queries and {cpu_ms_per_item:.2f} ms of the workers' CPU",
        flush=True,
    )
    completed_rate = len(world.ids) / (mixed["seconds"] + effects_seconds)
    print(f"  takedowns completed (sweep and effects): {completed_rate:,.0f} items/s", flush=True)
    effects = effects_check(world.ids[0], world.ids[-1])
    for key, value in effects.items():
        print(f"    {key}: {value:,}")
    ladder = ladder_check(world)
    print(f"  ladder: {ladder}", flush=True)

    exactly_once = (
        mixed["once"]
        and mixed["swept"] == items
        and all(value == 0 for value in effects.values())
        and ladder["stores_wrong"] == 0
        and (uniform is None or (uniform["once"] and uniform["swept"] == items))
    )
    print(f"Total run time {time.perf_counter() - total_began:.1f} s", flush=True)
    from django.conf import settings

    print(
        json.dumps(
            {
                "items": items,
                "workers": args.workers,
                "batch_size": settings.TAKEDOWN_SWEEP_BATCH_SIZE,
                "mixed_items_per_s": round(mixed["rate"]),
                "mixed_sweep_seconds": round(mixed["seconds"], 2),
                "uniform_items_per_s": round(uniform["rate"]) if uniform else None,
                "uniform_sweep_seconds": round(uniform["seconds"], 2) if uniform else None,
                "mixed_effects_seconds": round(effects_seconds, 2),
                "mixed_effects_done": effects_done,
                "mixed_effects_per_s": round(effects_rate),
                "mixed_effects_queries_per_item": round(queries_per_item, 2),
                "mixed_effects_cpu_ms_per_item": round(cpu_ms_per_item, 2),
                "mixed_takedowns_completed_per_s": round(completed_rate),
                "total_seconds": round(time.perf_counter() - total_began, 1),
                "exactly_once": exactly_once,
                "sanctions": {k: v for k, v in ladder.items() if k != "examples_wrong"},
                "data": world.counts,
                "goal_items_per_s": GOAL_ITEMS_PER_S,
                # Other processes competing for the CPUs skew every figure; this says how much.
                "load_average_before_sweeps": {
                    "uniform": round(uniform["load"], 1) if uniform else None,
                    "mixed": round(mixed["load"], 1),
                    "effects": round(load_effects, 1),
                },
                "cpus": os.cpu_count(),
            }
        )
    )
    return 0 if exactly_once else 1


if __name__ == "__main__":
    sys.exit(main())
