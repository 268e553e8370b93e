"""Benchmark: the partner API over HTTP, against gunicorn (2 workers) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python benchmarks/api.py [--quick]

Works in its own database (``portal_bench_api``, recreated from a migrated
template on every run; ``--database`` names another) on the server DATABASE_URL
names, and starts gunicorn as production runs it (``DEBUG=0``, 2 sync workers,
the cache and the broker in Redis under a key prefix of this run, deleted at the
end; ``CACHE_URL`` / ``CELERY_BROKER_URL`` name another Redis). The rate limits
are lifted for the run. In one run, each phase by ``--clients`` concurrent
clients (threads, one connection per request, bodies encoded before the clock
starts):

1. the ceiling: ``GET /api/v1/me/``, the cheapest authenticated DRF call (the
   key is looked up, the scope checked, the rate counted);
2. filing: notices of 100 items each (``POST /api/v1/notices/``) by a brand with
   a verified trademark (the standard track: each item routed to the review
   queue), items per second and ms per notice (16 notices with ``--quick``, 40
   without, after 4 untimed ones that warm both workers); every item must be
   accepted;
3. ingest: the marketplace's key sends listings in batches of 1,000
   (``POST /api/v1/listings/ingest/``): first new listings, then a change of
   price of each, listings per second and ms per batch. Every row must be
   applied: the run fails otherwise.

Each rate is also given as a ratio to the ceiling (items or listings per second
over trivial requests per second): how many items one trivial request's time
buys, a figure that travels between machines better than the raw rate. On a
shared machine the rates follow everyone else's load, so each phase also counts
the CPU the server side spent (gunicorn's workers and the bench database's
PostgreSQL backends, from /proc): CPU ms per unit, the ratio by CPU, and what 2
idle cores would give (2 CPU-seconds per second over the CPU per unit; the load
generator, PostgreSQL's background processes and Redis left out). The load
average before and after is printed. The last line of output is one JSON object
with the figures.
"""

import argparse
import base64
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.benchmarking import (  # noqa: E402
    database_prepare,
    django_setup,
    free_port,
    percentile,
    process_children,
    process_cpu_seconds,
    redis_prefix_delete,
)

BENCH_DB = "portal_bench_api"
ITEMS_PER_NOTICE = 100
BATCH = 1000
STORES = 20
WARM_NOTICES = 4  # filed before the filing is timed, one a client: both workers warm
GOALS = {"filing_items_per_s": 1000, "filing_p95_ms": 500, "ingest_listings_per_s": 5000}


def world_create(notice_listings):
    """Keys of three organisations, stores, and the listings the notices name (fixture, not measured)."""
    import decimal

    from api.keys import api_key_create
    from listings.models import Listing, ListingStatus
    from portal.models import OrganisationKind
    from rights_holders.models import Partner, PartnerKind
    from tests import factories

    tag = uuid.uuid4().hex[:8]
    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name=f"Marketplace {tag}")
    Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    brand = factories.RightsHolderFactory(legal_name=f"Bench Brand {tag}")
    asset = factories.IPAssetFactory(rights_holder=brand, name=f"BENCH{tag}", registration_number=f"B{tag}")
    stores = []
    for n in range(STORES):
        merchant = factories.MerchantFactory(
            legal_name=f"Bench Merchant {tag}-{n}", business_licence_number=f"BL-{tag}-{n}", contact_phone=f"+3{n}{tag}"
        )
        stores.append(
            factories.StoreFactory(merchant=merchant, name=f"Bench Store {tag}-{n}", payout_account_hash=f"b-{tag}-{n}")
        )
    listings = Listing.objects.bulk_create(
        [
            Listing(
                store=stores[n % STORES],
                external_id=f"N{tag}-{n}",
                title=f"Sneaker {n}",
                category="shoes",
                price=decimal.Decimal("19.00"),
                status=ListingStatus.LIVE,
            )
            for n in range(notice_listings)
        ],
        batch_size=5000,
    )
    keys = {
        "me": api_key_create(organisation=brand.organisation, name="bench me", scopes=["assets:read"])[1],
        "notices": api_key_create(organisation=brand.organisation, name="bench notices", scopes=["notices:write"])[1],
        "ingest": api_key_create(organisation=marketplace, name="bench ingest", scopes=["listings:ingest"])[1],
    }
    return {"tag": tag, "brand": brand, "asset": asset, "stores": stores, "listings": listings, "keys": keys}


def notices_endpoint_exists():
    from django.urls import Resolver404, resolve

    try:
        match = resolve("/api/v1/notices/")
    except Resolver404:
        return False
    routes = getattr(match.func, "by_method", None)
    return bool(routes and "POST" in routes) or hasattr(getattr(match.func, "cls", None), "post")


def notice_body(world, listings):
    """A notice of the brand's own key: its verified trademark against each listing (as the web form files)."""
    from portal import public_ids

    asset = public_ids.encode("ast", world["asset"].public_id)
    return {
        "filer_name": "Ada Bench",
        "filer_address": "1 Brand Street, Paris",
        "filer_phone": "+33 1 23 45 67 89",
        "filer_email": "ada@bench.test",
        "signature": "Ada Bench",
        "good_faith_statement": True,
        "accuracy_statement": True,
        "authority_statement": True,
        "items": [
            {
                "listing": public_ids.encode("lst", listing.public_id),
                "asset": asset,
                "infringement_type": "counterfeit",
                "explanation": f"Fake logo and wrong stitching on {listing.external_id}.",
            }
            for listing in listings
        ],
    }


def ingest_bodies(world, count, *, change=False):
    from portal import public_ids

    stores = [public_ids.encode("sto", s.public_id) for s in world["stores"]]
    bodies = []
    for start in range(0, count, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, count)):
            if change:
                rows.append({"external_id": f"I{world['tag']}-{n}", "price": f"{17 + n % 50}.50"})
            else:
                rows.append(
                    {
                        "external_id": f"I{world['tag']}-{n}",
                        "store": stores[n % STORES],
                        "title": f"Trail running shoe, breathable mesh, model {n}",
                        "description": "Lightweight trail runner with a grippy outsole and a padded collar. "
                        f"Sizes 36 to 47. Colour {n % 12}. Ships in two days.",
                        "category": "shoes",
                        "price": f"{20 + n % 80}.90",
                        "currency": "EUR",
                    }
                )
        bodies.append({"listings": rows})
    return bodies


class Server:
    """gunicorn with 2 workers, as production runs the portal (DEBUG=0), on a free port."""

    def __init__(self, database_url, *, redis_url, prefix, log):
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
            "WEBHOOK_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "CACHE_URL": redis_url,
            "CACHE_KEY_PREFIX": prefix,
            "CELERY_BROKER_URL": redis_url,
            "CELERY_BROKER_KEY_PREFIX": prefix,
            "API_RATE_LIMIT": "100000000/h",
            "API_BURST_LIMIT": "1000000/s",
            "LOG_LEVEL": "WARNING",
        }
        log.parent.mkdir(parents=True, exist_ok=True)  # var/ does not exist in a fresh clone
        self.log = open(log, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "-b",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, key, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited; see {self.log.name}"
            try:
                status, _, _ = request(self.port, "GET", "/api/v1/me/", key)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log.name}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def request(port, method, path, key, body=None):
    """(status, ms, parsed body). ``body`` is bytes already encoded (not timed by the caller's clock)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {key}", "Host": "127.0.0.1"}
    if body is not None:
        headers["Content-Type"] = "application/json"
        headers["Idempotency-Key"] = str(uuid.uuid4())
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    return response.status, elapsed, data


class ServerCpu:
    """CPU seconds the server side spends: gunicorn's workers and the PostgreSQL backends of the bench database.

    A busy, shared machine makes rates swing with everyone else's load; the CPU the
    portal itself spends per item does not, and ``2 cores / CPU per item`` is the rate
    this 2-core machine would reach with nothing else running (the load generator,
    PostgreSQL's background writers and Redis are left out).
    """

    def __init__(self, server):
        self.server = server

    def _pids(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            backends = [row[0] for row in cursor.fetchall()]
        return process_children(self.server.process.pid) + backends

    def snapshot(self):
        return {pid: process_cpu_seconds(pid) for pid in self._pids()}

    @staticmethod
    def spent(before, after):
        return sum(
            (after.get(pid) or 0) - (before.get(pid) or 0)
            for pid in set(before) | set(after)
            if after.get(pid) is not None
        )


def run_phase(port, clients, jobs):
    """Run ``jobs`` [(method, path, key, body bytes)] by ``clients`` threads; (wall seconds, [(status, ms, body)])."""
    lock = threading.Lock()
    queue = list(reversed(jobs))
    results = []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            results.append(request(port, *job))

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker) for _ in range(clients)]:
            future.result()
    return time.perf_counter() - started, results


def summary(wall, results, units_per_request, cpu_seconds):
    """Rate, latency and the server's CPU per unit (a request, an item, a listing) of one phase."""
    times = [ms for _, ms, _ in results]
    units = len(results) * units_per_request
    return {
        "requests": len(results),
        "seconds": round(wall, 2),
        "per_s": round(units / wall, 1),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1),
        "server_cpu_ms_per_unit": round(cpu_seconds * 1000 / units, 3),
        # What 2 cores give with nothing else running: 2 CPU-seconds per second over the CPU per unit.
        "two_idle_cores_per_s": round(2 * units / cpu_seconds, 1) if cpu_seconds else None,
    }


def ratios(phase, trivial):
    """Units per trivial request: by the measured rates, and by server CPU (steadier on a shared machine)."""
    return {
        "by_rate": round(phase["per_s"] / trivial["per_s"], 2),
        "by_cpu": round(trivial["server_cpu_ms_per_unit"] / phase["server_cpu_ms_per_unit"], 2),
    }


def check(results, what):
    bad = [(status, body[:300]) for status, _, body in results if status >= 300]
    if bad:
        raise SystemExit(f"{what}: {len(bad)} requests failed, e.g. {bad[0]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smaller run, under a minute")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--database", default=BENCH_DB)
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (postgres://...): the benchmark runs on PostgreSQL.")
    redis_url = os.environ.get("CACHE_URL") or os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/7"
    if not redis_url.startswith("redis"):
        redis_url = "redis://127.0.0.1:6379/7"
    trivial_requests = 300 if args.quick else 2000
    notices = 16 if args.quick else 40
    ingest_rows = 4 * BATCH if args.quick else 30 * BATCH

    load_before = os.getloadavg()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)} (2 cores; the machine may be shared)")
    django_setup(database_prepare(server_url, args.database))
    from django.db import connection

    database_url = os.environ["DATABASE_URL"]
    world = world_create((notices + WARM_NOTICES) * ITEMS_PER_NOTICE)
    connection.close()
    filing = notices_endpoint_exists()
    prefix = f"bench-api-{world['tag']}:"
    server = Server(database_url, redis_url=redis_url, prefix=prefix, log=BASE_DIR / "var" / "bench-api-gunicorn.log")
    figures = {"benchmark": "api", "quick": args.quick, "clients": args.clients, "workers": 2}
    try:
        keys = world["keys"]
        server.wait(keys["me"])
        port = server.port
        cpu = ServerCpu(server)

        def measure(jobs, units_per_request, what):
            before = cpu.snapshot()
            wall, results = run_phase(port, args.clients, jobs)
            check(results, what)
            return results, summary(wall, results, units_per_request, ServerCpu.spent(before, cpu.snapshot()))

        run_phase(port, args.clients, [("GET", "/api/v1/me/", keys["me"], None)] * 40)  # warm both workers
        _, trivial = measure([("GET", "/api/v1/me/", keys["me"], None)] * trivial_requests, 1, "trivial")
        figures["trivial"] = trivial
        print(
            f"ceiling GET /api/v1/me/: {trivial['per_s']:.0f} requests/s, p50 {trivial['p50_ms']} ms, "
            f"p95 {trivial['p95_ms']} ms ({trivial['requests']} requests); server CPU "
            f"{trivial['server_cpu_ms_per_unit']} ms per request, {trivial['two_idle_cores_per_s']:.0f}/s on 2 idle cores"
        )

        if filing:
            listings = world["listings"]
            jobs = [
                (
                    "POST",
                    "/api/v1/notices/",
                    keys["notices"],
                    json.dumps(
                        notice_body(world, listings[n * ITEMS_PER_NOTICE : (n + 1) * ITEMS_PER_NOTICE])
                    ).encode(),
                )
                for n in range(notices + WARM_NOTICES)
            ]
            # Each worker's first filing loads what the filing path needs (modules, serializers, query
            # plans): timed, it would be the p95 of a short run. Filed on listings of their own, not counted.
            check(run_phase(port, args.clients, jobs[:WARM_NOTICES])[1], "filing (warm-up)")
            results, filed = measure(jobs[WARM_NOTICES:], ITEMS_PER_NOTICE, "filing")
            for _, _, body in results:
                receipt = json.loads(body)
                if len(receipt["accepted"]) != ITEMS_PER_NOTICE:
                    raise SystemExit(f"filing: not every item was accepted: {receipt}")
            filed["ratio_to_trivial"] = ratios(filed, trivial)
            figures["filing"] = filed
            print(
                f"filing 100-item notices: {filed['per_s']:.0f} items/s, p50 {filed['p50_ms']} ms, "
                f"p95 {filed['p95_ms']} ms per notice ({notices} notices); server CPU "
                f"{filed['server_cpu_ms_per_unit']} ms per item, {filed['two_idle_cores_per_s']:.0f} items/s on 2 "
                f"idle cores; items per trivial request: {filed['ratio_to_trivial']}"
            )
        else:
            figures["filing"] = {"missing": "POST /api/v1/notices/ is not in this checkout"}
            print("filing: missing (POST /api/v1/notices/ is not in this checkout)")

        ingest = {}
        for name, change in (("create", False), ("change", True)):
            jobs = [
                ("POST", "/api/v1/listings/ingest/", keys["ingest"], json.dumps(body).encode())
                for body in ingest_bodies(world, ingest_rows, change=change)
            ]
            results, phase = measure(jobs, BATCH, f"ingest ({name})")
            for _, _, body in results:
                report = json.loads(body)
                if report["errors"] or report["refused"]:
                    raise SystemExit(f"ingest ({name}) refused rows: {report['errors'][:3]}")
            phase["ratio_to_trivial"] = ratios(phase, trivial)
            ingest[name] = phase
            print(
                f"ingest ({name}) in batches of {BATCH}: {phase['per_s']:.0f} listings/s, p50 {phase['p50_ms']} ms, "
                f"p95 {phase['p95_ms']} ms per batch ({phase['requests']} batches); server CPU "
                f"{phase['server_cpu_ms_per_unit']} ms per listing, {phase['two_idle_cores_per_s']:.0f} listings/s "
                f"on 2 idle cores; listings per trivial request: {phase['ratio_to_trivial']}"
            )
        ingest["per_s"] = round(2 * ingest_rows / (ingest["create"]["seconds"] + ingest["change"]["seconds"]), 1)
        figures["ingest"] = ingest
    finally:
        server.stop()
        redis_prefix_delete(redis_url, prefix)

    load_after = os.getloadavg()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in load_after)}")
    figures["load_average"] = {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]}
    goals = {"ingest_listings_per_s": ingest["per_s"] >= GOALS["ingest_listings_per_s"]}
    if "per_s" in figures["filing"]:
        goals["filing_items_per_s"] = figures["filing"]["per_s"] >= GOALS["filing_items_per_s"]
        goals["filing_p95_ms"] = figures["filing"]["p95_ms"] < GOALS["filing_p95_ms"]
    idle = {"ingest_listings_per_s": min(ingest[p]["two_idle_cores_per_s"] or 0 for p in ("create", "change"))}
    if "per_s" in figures["filing"]:
        idle["filing_items_per_s"] = figures["filing"]["two_idle_cores_per_s"]
    figures["goals"] = {
        "targets": GOALS,
        "met": goals,
        "rate_on_two_idle_cores": idle,
        "met_on_two_idle_cores": {name: (rate or 0) >= GOALS[name] for name, rate in idle.items()},
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
