"""Benchmark: the portal's main pages over HTTP, signed in, against gunicorn (2 workers) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python benchmarks/pages.py [--quick]

Works in its own database (``portal_bench_pages``, recreated from a migrated
template on every run and dropped at the end; ``--database`` names another) on
the server DATABASE_URL names. The data (fixture, written in bulk, not
measured): 10,000 items (``--items``) in notices of up to ten items, over 100
rights holders, 300 IP assets and 400 stores, in every state an item passes
through (a quarter waiting for review, some for adjudication, a quarter
awaiting a counter-notice, some counter-noticed, the rest decided); one brand,
the one measured, holds a fifth of them, each of its items with its events;
its owner and the reviewer have notifications, some unread.

gunicorn runs as production runs the portal (``DEBUG=0``, 2 sync workers,
static files collected and served by WhiteNoise, the cache in Redis under a key
prefix of this run, deleted at the end), with one view added for this run: the
trivial view, login-protected, answering "ok" (the whole middleware stack, the
session and the user, nothing else). Clients are signed in by session cookies
made here (no sign-in form); a staff member's session is two-factor verified
when the portal asks for it. ``--clients`` concurrent clients (threads, one
connection per request, as gunicorn's sync workers close each one) ask, page by
page, in rounds (one with ``--quick``, three without):

- the trivial view (the brand's owner), the figure every page is divided by;
- ``/health/`` (anonymous: the probe, for comparison with earlier figures);
- the reviewer queue (a reviewer);
- the notices list (the brand's owner);
- an item page (the brand's owner, an item awaiting its counter-notice);
- the brand's dashboard (its owner; the home page where there is no dashboard).

Each page must answer 200 to every request. For each: requests per second,
p50/p99/max in ms, the server's CPU per request (gunicorn's workers and the
bench database's PostgreSQL backends, from /proc) and the queries one request
makes (counted in this process with Django's test client), and the ratio to the
trivial view: page requests per second over trivial requests per second, and by
CPU. On a shared machine the rates follow everyone else's load; the ratios
travel better. Then the trivial view and the four main pages again, one round,
against a gunicorn with ``PAGE_FRAGMENTS_SHARED=0``: every request builds its
page from the data, as the first request after a write does (a page's cost on a
miss). Last, the trivial view and the four pages, shared, while a reviewer opens
a waiting item every 200 ms, for 10 s a page (2.5 s with ``--quick``): each
opening claims the item, a committed write that the queue shows and the other
pages do not; the server's CPU then includes the reviewer's item pages. The
goal (issue 12): 300 requests/s and p99 under 150 ms for each page. The load
average before and after is printed; the last line of output is one JSON object
with the figures.
"""

import argparse
import base64
import contextlib
import decimal
import http.client
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from tests.benchmarking import (  # noqa: E402
    TRIVIAL_PATH,
    database_drop,
    database_prepare,
    django_setup,
    free_port,
    percentile,
    process_children,
    process_cpu_seconds,
    redis_prefix_delete,
)

BENCH_DB = "portal_bench_pages"
GOAL_PER_S = 300
GOAL_P99_MS = 150
WRITER_INTERVAL = 0.2  # a reviewer opening an item every 200 ms (a shift's pace of many reviewers)
HOLDERS = 100
ASSETS = 300
STORES = 400
ITEMS_PER_NOTICE = 10
BRAND_SHARE = 5  # one item in five is the measured brand's
# Each item's state, by share of 100: the queue, the windows, the decided.
STATUS_SHARES = (
    ("pending_review", 25),
    ("pending_adjudication", 5),
    ("awaiting_counter_notice", 25),
    ("counter_noticed", 5),
    ("upheld", 25),
    ("rejected", 10),
    ("withdrawn", 5),
)


# --- The server's side: the portal plus the trivial view, for gunicorn -------------------------

_application = None


def application(environ, start_response):
    """gunicorn's entry (``pages:application``): the portal's WSGI application and the trivial view."""
    global _application
    if _application is None:
        from django.core.wsgi import get_wsgi_application

        from tests.benchmarking import trivial_view_install

        _application = get_wsgi_application()
        trivial_view_install()
    return _application(environ, start_response)


# --- The data ----------------------------------------------------------------------------------


def world_create(count, *, seed=12):
    """The organisations, people and ``count`` items the pages show (fixture setup, in bulk)."""
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from listings.models import Listing, ListingStatus, Merchant, Store
    from portal.models import Membership, Organisation, OrganisationKind, User
    from portal.roles import PlatformRole, ensure_platform_groups
    from rights_holders.models import IPAsset, IPAssetKind, RightsHolder, VerificationStatus
    from takedowns.models import (
        Channel,
        InfringementType,
        ItemEvent,
        ItemStatus,
        Notice,
        NoticeItem,
        Notification,
        Track,
    )
    from tests.bulk import bench_notice

    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:8]
    now = timezone.now()
    sla = timedelta(hours=settings.TAKEDOWN_REVIEW_SLA_HOURS)
    types = list(InfringementType.values)
    statuses = [status for status, share in STATUS_SHARES for _ in range(share)]
    final = {"upheld", "rejected", "withdrawn"}

    with transaction.atomic():
        holder_orgs = Organisation.objects.bulk_create(
            [
                Organisation(name=f"Brand {tag}-{n}", kind=OrganisationKind.RIGHTS_HOLDER, country="FR")
                for n in range(HOLDERS)
            ]
        )
        holders = RightsHolder.objects.bulk_create(
            [RightsHolder(organisation=org, legal_name=org.name) for org in holder_orgs]
        )
        kinds = list(IPAssetKind.values)
        assets = IPAsset.objects.bulk_create(
            [
                IPAsset(
                    rights_holder=holders[n % HOLDERS],
                    kind=kinds[n % len(kinds)],
                    name=f"MARK{tag}{n}",
                    registration_number=f"R{tag}{n}",
                    office="EUIPO" if n % 2 else "USPTO",
                    verification_status=VerificationStatus.VERIFIED,
                    keywords=[f"mark{tag}{n}"],
                )
                for n in range(ASSETS)
            ]
        )
        merchant_orgs = Organisation.objects.bulk_create(
            [
                Organisation(name=f"Merchant {tag}-{n}", kind=OrganisationKind.MERCHANT, country="CN")
                for n in range(STORES * 4 // 5)
            ]
        )
        merchants = Merchant.objects.bulk_create(
            [
                Merchant(
                    organisation=org,
                    legal_name=org.name,
                    business_licence_number=f"BL-{tag}-{n}",
                    contact_phone=f"+86{n:09d}",
                )
                for n, org in enumerate(merchant_orgs)
            ]
        )
        stores = Store.objects.bulk_create(
            [
                Store(
                    merchant=merchants[n % len(merchants)],
                    name=f"Store {tag}-{n}",
                    payout_account_hash=f"h{tag}{n}",
                    region="Zhejiang",
                    city="Yiwu",
                    security_deposit=decimal.Decimal("5000.00"),
                )
                for n in range(STORES)
            ]
        )
        brand = holders[0]
        owner = User.objects.create_user(
            username=f"brand-{tag}", email=f"owner@{tag}.example.test", first_name="Ada", last_name="Brand"
        )
        Membership.objects.create(user=owner, organisation=brand.organisation, role="owner")
        reviewer = User.objects.create_user(username=f"reviewer-{tag}", email=f"reviewer@{tag}.example.test")
        ensure_platform_groups()
        reviewer.groups.add(Group.objects.get(name=PlatformRole.REVIEWER))

        brand_assets = [a for a in assets if a.rights_holder_id == brand.pk]
        other_assets = [a for a in assets if a.rights_holder_id != brand.pk]
        rows = []  # (asset, store, type, status)
        for n in range(count):
            asset = rng.choice(brand_assets) if n % BRAND_SHARE == 0 else rng.choice(other_assets)
            rows.append((asset, rng.choice(stores), rng.choice(types), rng.choice(statuses)))
        rows.sort(key=lambda row: row[0].rights_holder_id)  # a holder's items side by side: they share notices
        listings = Listing.objects.bulk_create(
            [
                Listing(
                    store=store,
                    external_id=f"P{tag}-{n}",
                    title=f"Running shoe, breathable mesh, model {n}",
                    category="shoes",
                    price=decimal.Decimal("19.00") + n % 50,
                    status=ListingStatus.TAKEN_DOWN if status == "upheld" else ListingStatus.UNDER_COMPLAINT,
                )
                for n, (_, store, _, status) in enumerate(rows)
            ],
            batch_size=5000,
        )
        notice_rows, notice_of = [], []
        for asset, _, _, _ in rows:
            current = notice_rows[-1] if notice_rows else None
            if current is None or current[0] != asset.rights_holder_id or current[1] >= ITEMS_PER_NOTICE:
                current = [asset.rights_holder_id, 0, now - timedelta(minutes=len(notice_rows) * 7 + 60)]
                notice_rows.append(current)
            current[1] += 1
            notice_of.append(len(notice_rows) - 1)
        notices = Notice.objects.bulk_create(
            [
                bench_notice(
                    submitted_at=submitted,
                    rights_holder_id=holder_id,
                    filer_organisation_id=next(h.organisation_id for h in holders if h.pk == holder_id),
                    channel=Channel.WEB,
                )
                for holder_id, _, submitted in notice_rows
            ],
            batch_size=5000,
        )

        def item(n, asset, kind, status, listing):
            filed = notices[notice_of[n]].submitted_at
            fields = {}
            if status in ("pending_review", "pending_adjudication"):
                queued = now - timedelta(minutes=rng.randrange(30 * 60))
                fields.update(queued_at=queued, review_due_at=queued + sla)
            elif status in ("awaiting_counter_notice", "counter_noticed"):
                fields.update(opened_at=filed, counter_notice_deadline=now + timedelta(hours=rng.randrange(1, 72)))
                if status == "counter_noticed":
                    fields.update(reply_deadline=now + timedelta(hours=rng.randrange(1, 240)))
            else:
                fields.update(opened_at=filed, decided_at=filed + timedelta(hours=30), decided_by=reviewer)
                if status == "upheld":
                    fields.update(took_down_listing=True, decision_generation=1)
            return NoticeItem(
                notice=notices[notice_of[n]],
                listing=listing,
                ip_asset=asset,
                infringement_type=kind,
                explanation=f"Listing {listing.external_id} copies the mark: logo, packaging and a price far below.",
                status=status,
                status_changed_at=filed,
                version=2 if status in final else 1,
                track=Track.STANDARD,
                **fields,
            )

        items = NoticeItem.objects.bulk_create(
            [
                item(n, asset, kind, status, listing)
                for n, ((asset, _, kind, status), listing) in enumerate(zip(rows, listings, strict=True))
            ],
            batch_size=5000,
        )
        brand_items = [i for i in items if i.ip_asset.rights_holder_id == brand.pk]
        events = []
        for i in brand_items:
            filed = i.notice.submitted_at
            events.append(
                ItemEvent(
                    item=i, at=filed, actor=owner, actor_label=owner.username, action="submit", to_status="submitted"
                )
            )
            events.append(
                ItemEvent(
                    item=i,
                    at=filed,
                    actor_label="system",
                    action="route",
                    from_status="submitted",
                    to_status="pending_review",
                )
            )
            if i.status not in ("pending_review", "submitted"):
                events.append(
                    ItemEvent(
                        item=i,
                        at=filed + timedelta(hours=3),
                        actor=reviewer,
                        actor_label=reviewer.username,
                        action="decide",
                        from_status="pending_review",
                        to_status=i.status,
                        reason="The listing shows the registered mark on goods the brand does not make.",
                    )
                )
        ItemEvent.objects.bulk_create(events, batch_size=5000)
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=recipient,
                    organisation=brand.organisation if recipient == owner else None,
                    item=i,
                    source=f"bench-{recipient.pk}-{i.pk}",
                    subject=f"Item {i.pk} moved",
                    body="An item of yours moved: see its page.",
                    url=f"/takedowns/items/{i.pk}/",
                    created_at=now - timedelta(minutes=n),
                    read_at=None if n % 10 == 0 else now,
                )
                for recipient in (owner, reviewer)
                for n, i in enumerate(brand_items[:300])
            ],
            batch_size=5000,
        )
    from django.db import connection

    with connection.cursor() as cursor:
        # What autovacuum gives a production database: statistics, so PostgreSQL plans these tables as they are.
        cursor.execute("ANALYZE")
    item_page = next(i for i in brand_items if i.status == ItemStatus.AWAITING_COUNTER_NOTICE)
    counts = {"items": count, "brand_items": len(brand_items), "notices": len(notices), "events": len(events)}
    for status, _ in STATUS_SHARES:
        counts[status] = sum(1 for r in rows if r[3] == status)
    return {"tag": tag, "owner": owner, "reviewer": reviewer, "brand": brand, "item": item_page, "counts": counts}


def dashboard_path(world):
    """The brand's dashboard if this checkout has one, else the home page (what a brand sees first)."""
    from django.urls import NoReverseMatch, reverse

    candidates = ("dashboard", "brand-dashboard", "portal:dashboard", "rights:dashboard", "rights:brand-dashboard")
    for name in (*candidates, "takedowns:dashboard", "takedowns:brand-dashboard"):
        try:
            return reverse(name), "dashboard"
        except NoReverseMatch:
            continue
    return "/", "home"


# --- Signing in: session cookies made here --------------------------------------------------------


def session_cookies(user):
    """The cookies of a fresh signed-in session of ``user`` (verified for two-factor if the portal has it)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    if "django_otp" in settings.INSTALLED_APPS:
        otp_verify(client, user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def otp_verify(client, user):
    """Mark the session two-factor verified (``tests.services``: a confirmed authenticator, as a sign-in leaves it)."""
    from tests.services import session_second_factor_pass

    session_second_factor_pass(client, user)


def query_counts(targets):
    """Queries one request of each page makes (Django's test client in this process, the second request)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.benchmarking import trivial_view_install

    trivial_view_install()
    counts = {}
    for name, target in targets.items():
        client = Client()
        if target["user"] is not None:
            client.force_login(target["user"])
            from django.conf import settings

            if "django_otp" in settings.INSTALLED_APPS:
                otp_verify(client, target["user"])
        client.get(target["path"])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(target["path"])
        if response.status_code != 200:
            raise SystemExit(f"{name}: {target['path']} answered {response.status_code} in process")
        counts[name] = len(queries.captured_queries)
    return counts


def static_stale(root):
    """Whether the collected static files (WhiteNoise's manifest) are older than any file under static/."""
    manifest = root / "staticfiles.json"
    if not manifest.exists():
        return True
    collected = manifest.stat().st_mtime
    return any(path.stat().st_mtime > collected for path in (BASE_DIR / "static").rglob("*") if path.is_file())


# --- The server -------------------------------------------------------------------------------------


class Server:
    """gunicorn with 2 workers, as production runs the portal (DEBUG=0), on a free port."""

    def __init__(self, env, *, log):
        self.port = free_port()
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(log, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "pages:application",
                "--pythonpath",
                str(BASE_DIR / "benchmarks"),
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

    def wait(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited; see {self.log.name}"
            try:
                if get(self.port, "/health/", {})[0] in (200, 503):
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


def get(port, path, cookies):
    """(status, ms, body, Set-Cookie headers) of one GET on a new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Host": "127.0.0.1", "Accept-Language": "en"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, (time.perf_counter() - started) * 1000, body, response.headers.get_all("Set-Cookie") or []


def server_cpu_snapshot(server, database):
    """CPU seconds of gunicorn's workers and of the bench database's PostgreSQL backends, by pid."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database])
        backends = [row[0] for row in cursor.fetchall()]
    return {pid: process_cpu_seconds(pid) for pid in process_children(server.process.pid) + backends}


def cpu_spent(before, after):
    return sum((after.get(p) or 0) - (before.get(p) or 0) for p in set(before) | set(after) if after.get(p) is not None)


# --- The load ---------------------------------------------------------------------------------------


def run_phase(port, path, sessions, clients, requests, seconds=None):
    """GETs of ``path`` by ``clients`` threads (client n with ``sessions[n % len]``): ``requests`` of them, or
    fewer if ``seconds`` pass first (each client then finishes the request it is in). (wall s, results)."""
    lock = threading.Lock()
    left = [requests]
    results = []
    started = time.perf_counter()
    stop_at = started + seconds if seconds else None

    def worker(n):
        cookies = sessions[n % len(sessions)]
        mine = []
        while True:
            with lock:
                if left[0] <= 0 or (stop_at and time.perf_counter() >= stop_at):
                    break
                left[0] -= 1
            status, ms, body, _ = get(port, path, cookies)
            mine.append((status, ms, body if status != 200 else b""))
        with lock:
            results.extend(mine)

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker, n) for n in range(clients)]:
            future.result()
    return time.perf_counter() - started, results


class Writer:
    """A reviewer at work beside the clients: opens the next item of ``paths`` (a GET that claims it: a
    committed write) every ``interval`` seconds, until stopped."""

    def __init__(self, port, paths, cookies, interval):
        self.port, self.paths, self.cookies, self.interval = port, paths, cookies, interval
        self.statuses = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        for path in self.paths:
            if self._stop.is_set():
                return
            self.statuses.append(get(self.port, path, self.cookies)[0])
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(120)


def measure(env, targets, clients, budget, rounds, database, *, log, writer=None):
    """Each target's requests over ``rounds`` rounds against a gunicorn started with ``env``: wall seconds,
    each request's ms and the server's CPU seconds, by target. ``writer``: (paths, cookies, interval) of a
    ``Writer`` at work during each target's phase; its answers' statuses are in the result's "writes"."""
    from django.conf import settings

    per_page, seconds = budget
    server = Server(env, log=BASE_DIR / "var" / f"bench-pages-{log}.log")
    try:
        server.wait()
        port = server.port
        # The CSRF cookie a browser would send back (pages with a form set it on the first answer): one is
        # good for every session. Then both workers warmed on every page (templates, query plans, catalogues).
        for target in targets.values():
            status, _, body, set_cookies = get(port, target["path"], target["sessions"][0])
            if status != 200:
                raise SystemExit(f"{target['what']}: {target['path']} answered {status}: {body[:300]!r}")
            for header in set_cookies:
                kept = {k: m.value for k, m in SimpleCookie(header).items() if k != settings.SESSION_COOKIE_NAME}
                for cookies in target["sessions"]:
                    cookies.update(kept)
            run_phase(port, target["path"], target["sessions"], 4, 8)
        totals = {name: {"seconds": 0.0, "times": [], "cpu": 0.0, "writes": []} for name in targets}
        paths = iter(writer[0]) if writer else None
        for _ in range(rounds):
            for name, target in targets.items():
                before = server_cpu_snapshot(server, database)
                working = Writer(port, paths, writer[1], writer[2]) if writer else contextlib.nullcontext()
                with working:
                    wall, results = run_phase(port, target["path"], target["sessions"], clients, per_page, seconds)
                if writer:
                    totals[name]["writes"] += working.statuses
                spent = cpu_spent(before, server_cpu_snapshot(server, database))
                bad = [(status, body[:200]) for status, _, body in results if status != 200]
                if bad:
                    raise SystemExit(f"{target['what']}: {len(bad)} requests failed, e.g. {bad[0]}")
                totals[name]["seconds"] += wall
                totals[name]["times"] += [ms for _, ms, _ in results]
                totals[name]["cpu"] += spent
    finally:
        server.stop()
    return totals


def page_figures(totals, targets, queries):
    pages = {}
    for name, total in totals.items():
        times = total["times"]
        pages[name] = {
            "path": targets[name]["path"],
            "requests": len(times),
            "per_s": round(len(times) / total["seconds"], 1),
            "p50_ms": round(statistics.median(times), 1),
            "p99_ms": round(percentile(times, 0.99), 1),
            "max_ms": round(max(times), 1),
            "server_cpu_ms": round(total["cpu"] * 1000 / len(times), 2),
            "queries": queries[name],
        }
    return pages


def pages_print(pages, targets, *, by_cpu=False, claims=False):
    """One line a page, each with its ratio to the trivial view of the same phase (set on ``pages`` too)."""
    trivial = pages["trivial"]
    for name, page in pages.items():
        page["ratio_to_trivial"] = round(page["per_s"] / trivial["per_s"], 3)
        ratio = f"ratio {page['ratio_to_trivial']:.2f}"
        if by_cpu:
            page["ratio_to_trivial_by_cpu"] = (
                round(trivial["server_cpu_ms"] / page["server_cpu_ms"], 3) if page["server_cpu_ms"] else None
            )
            ratio += f" (by CPU {page['ratio_to_trivial_by_cpu']})"
        count = f"{page['claims_taken']:>3} claims" if claims else f"{page['queries']:>2} queries"
        print(
            f"  {targets[name]['what']:<44} {page['per_s']:>7.1f} req/s  p50 {page['p50_ms']:>6.1f} ms  "
            f"p99 {page['p99_ms']:>6.1f} ms  {count}  server CPU {page['server_cpu_ms']:>6.2f} ms  {ratio}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one round of fewer requests, under a minute")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--requests", type=int, help="at most this many requests a page a round (1,000; 300 --quick)")
    parser.add_argument("--seconds", type=float, help="at most this long a page a round (20 s; 4 s with --quick)")
    parser.add_argument("--rounds", type=int, help="rounds over the pages (1 with --quick, 3 without)")
    parser.add_argument("--database", default=BENCH_DB)
    parser.add_argument("--keep", action="store_true", help="keep the database at the end (to profile)")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (postgres://...): the benchmark runs on PostgreSQL.")
    redis_url = os.environ.get("CACHE_URL") or os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/7"
    if not redis_url.startswith("redis"):
        redis_url = "redis://127.0.0.1:6379/7"
    per_page = args.requests or (300 if args.quick else 1000)
    seconds = args.seconds or (4.0 if args.quick else 20.0)
    rounds = args.rounds or (1 if args.quick else 3)
    began = time.perf_counter()

    load_before = os.getloadavg()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)} (2 cores; the machine may be shared)")
    prefix = f"bench-pages-{uuid.uuid4().hex[:8]}:"
    # The same secret here and in gunicorn: the sessions made here carry a hash of it.
    secret = "bench-" + uuid.uuid4().hex * 2
    os.environ["SECRET_KEY"] = secret
    os.environ["CACHE_URL"] = redis_url
    os.environ["CACHE_KEY_PREFIX"] = prefix
    os.environ["STATIC_ROOT"] = str(BASE_DIR / "var" / "bench-pages-static")  # collected before gunicorn starts
    database_url = database_prepare(server_url, args.database)
    django_setup(database_url)
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line for every session made here otherwise
    from django.db import connection

    try:
        return _run(args, database_url, redis_url, prefix, secret, (per_page, seconds), rounds, load_before, began)
    finally:
        connection.close()
        redis_prefix_delete(redis_url, prefix)
        if not args.keep:
            database_drop(server_url, args.database)


def _run(args, database_url, redis_url, prefix, secret, budget, rounds, load_before, began):
    from django.db import connection
    from django.test import override_settings

    from takedowns.models import ItemStatus, NoticeItem

    per_page, seconds = budget

    t0 = time.perf_counter()
    world = world_create(args.items)
    states = ", ".join(f"{world['counts'][s]:,} {s}" for s, _ in STATUS_SHARES)
    print(
        f"data: {world['counts']['items']:,} items in {world['counts']['notices']:,} notices "
        f"({states}), the brand's "
        f"{world['counts']['brand_items']:,} with {world['counts']['events']:,} events; "
        f"written in {time.perf_counter() - t0:.1f} s"
    )
    dashboard, dashboard_kind = dashboard_path(world)
    owner, reviewer = world["owner"], world["reviewer"]
    targets = {
        "trivial": {"path": "/" + TRIVIAL_PATH, "user": owner, "what": "trivial view (signed in, 'ok')"},
        "health": {"path": "/health/", "user": None, "what": "/health/ (anonymous)"},
        "review_queue": {"path": "/takedowns/queue/", "user": reviewer, "what": "reviewer queue"},
        "notice_list": {"path": "/takedowns/", "user": owner, "what": "notices list (brand owner)"},
        "item": {"path": f"/takedowns/items/{world['item'].pk}/", "user": owner, "what": "item page (brand owner)"},
        "dashboard": {
            "path": dashboard,
            "user": owner,
            "what": f"brand {'dashboard' if dashboard_kind == 'dashboard' else 'home page (no dashboard yet)'}",
        },
    }
    queries = query_counts(targets)
    with override_settings(PAGE_FRAGMENTS_SHARED=False):
        queries_built = query_counts(targets)
    for target in targets.values():
        target["sessions"] = [session_cookies(target["user"]) for _ in range(args.clients)] if target["user"] else [{}]
    connection.close()

    static_root = os.environ["STATIC_ROOT"]
    t0 = time.perf_counter()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secret,
        "WEBHOOK_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": static_root,
        "CACHE_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_BROKER_KEY_PREFIX": prefix,
        "LOG_LEVEL": "WARNING",
    }
    if static_stale(Path(static_root)):
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True
        )
        print(f"static files collected in {time.perf_counter() - t0:.1f} s")
    figures = {
        "benchmark": "pages",
        "quick": args.quick,
        "clients": args.clients,
        "workers": 2,
        "items": args.items,
        "dashboard": dashboard_kind,
        "queries": queries,
    }
    database = database_url.rsplit("/", 1)[1]
    totals = measure(env, targets, args.clients, (per_page, seconds), rounds, database, log="gunicorn")
    pages = page_figures(totals, targets, queries)
    # The same main pages with nothing shared (PAGE_FRAGMENTS_SHARED=0): each request builds its page from the
    # data, as the first request after a write does. One round.
    main_pages = ("review_queue", "notice_list", "item", "dashboard")
    built_targets = {name: targets[name] for name in ("trivial", *main_pages)}
    built_env = {**env, "PAGE_FRAGMENTS_SHARED": "0"}
    built_totals = measure(built_env, built_targets, args.clients, (per_page, seconds), 1, database, log="built")
    built = page_figures(built_totals, built_targets, queries_built)
    # The main pages again while a reviewer opens a waiting item every WRITER_INTERVAL s (each opening claims
    # the item: a committed write the queue shows and no other page does). One round.
    waiting = list(
        NoticeItem.objects.filter(status=ItemStatus.PENDING_REVIEW).order_by("pk").values_list("pk", flat=True)
    )
    # Another reviewer than the queue's clients (a reviewer holding a claim on the queue's page gets a page of
    # their own, built each time).
    colleague = type(reviewer).objects.create_user(username=f"reviewer-2-{world['tag']}")
    colleague.groups.set(reviewer.groups.all())
    writer_cookies = {**targets["review_queue"]["sessions"][0], **session_cookies(colleague)}
    connection.close()
    writer = ([f"/takedowns/items/{pk}/" for pk in waiting], writer_cookies, WRITER_INTERVAL)
    # By time (half a round's, at least 2.5 s) rather than by count: the reviewer opens an item every 200 ms.
    working_budget = (per_page * 100, max(seconds / 2, 2.5))
    working_totals = measure(env, built_targets, args.clients, working_budget, 1, database, log="writer", writer=writer)
    working = page_figures(working_totals, built_targets, queries)
    for name, total in working_totals.items():
        working[name]["claims_taken"] = sum(1 for status in total["writes"] if status == 200)
        bad = [status for status in total["writes"] if status != 200]
        if bad:
            raise SystemExit(f"the reviewer at work got {len(bad)} answers other than 200, e.g. {bad[0]}")
    print(
        f"{args.clients} clients, gunicorn 2 workers, {rounds} round(s) of at most {per_page} requests "
        f"or {seconds:g} s a page:"
    )
    pages_print(pages, targets, by_cpu=True)
    figures["pages"] = pages
    print("the same, nothing shared (PAGE_FRAGMENTS_SHARED=0: every request builds its page, as after a write):")
    pages_print(built, targets)
    figures["nothing_shared"] = built
    print(f"the same, shared, while a reviewer opens (claims) a waiting item every {WRITER_INTERVAL:g} s:")
    pages_print(working, targets, claims=True)
    figures["reviewer_at_work"] = {"interval_s": WRITER_INTERVAL, "pages": working}
    figures["goals"] = {
        "per_s": GOAL_PER_S,
        "p99_ms": GOAL_P99_MS,
        "met": {n: pages[n]["per_s"] >= GOAL_PER_S and pages[n]["p99_ms"] < GOAL_P99_MS for n in main_pages},
        # What 2 idle cores give by the server's CPU per request (the load generator left out).
        "two_idle_cores_per_s": {
            n: round(2000 / pages[n]["server_cpu_ms"], 1) if pages[n]["server_cpu_ms"] else None for n in main_pages
        },
    }
    load_after = os.getloadavg()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in load_after)}; {time.perf_counter() - began:.1f} s in all")
    figures["load_average"] = {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
