"""Benchmark: a Good Faith member files fast-track notices through the filing page, on PostgreSQL and Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
        python benchmarks/fast_track.py [--quick]

Works in its own database (``portal_bench_fast``, recreated from a migrated
template ``portal_bench_fast_template`` on every run; ``--database`` names
another) on the server DATABASE_URL names, and publishes to the Redis broker
CELERY_BROKER_URL names, under a key prefix of its own
(``<CELERY_BROKER_KEY_PREFIX>bench-fast-track-<random>:``) whose keys it
deletes at the end; it never empties a Redis database. No worker consumes the
messages: the takedown does not wait for one.

The data (fixture, not measured):

- a background of other brands' open complaints (20,000 items, ``--quick``
  3,000, across a tenth as many rights holders, three tenths as many assets,
  a fifth as many stores, every infringement type; ``tests.bulk``), so the
  tables and indexes the filing reads are not empty;
- the member brand: five verified assets (two trademarks, a copyright work, a
  design, a patent) and Good Faith memberships of every kind the fast-track
  rule reads: an active overall membership, active own memberships for
  counterfeits and trademark misuse, a copyright row judged on too few items
  of its own (so copyright rides on the overall one), no row for designs;
- the listings it names, live, on stores drawn from the background's.

Each notice has 10 items mixing the assets and four infringement types
(counterfeit, trademark misuse, copyright, design); 1,000 notices
(``--quick``: 100) are POSTed to ``takedowns:notice-create`` with Django's test
client, logged in as the brand's owner: the same view, form, service and
lifecycle code the page runs, in one process, without the network. Each notice
is timed from the request until every one of its ten listings reads
``taken_down`` in the database (the check is part of the time).

Right after each notice, the same client GETs a trivial view (a login-protected
view that answers "ok": the middleware, the session and the user, nothing
else), timed the same way. The machine is shared: whatever else runs slows both
alike, so the ratio of the two is the figure that survives the load. Then,
untimed, the client opens the receipt page the filing redirected to, as a
browser does.

The queries of a filing request are counted (with Django's query capture,
which slows a request, so on separate, untimed notices filed after the warm-up
ones: 20, ``--quick`` 10); the figure is the most any of them took, and the
median.

The last line of output is one JSON object with the figures.
"""

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.benchmarking import (  # noqa: E402
    database_prepare,
    django_setup,
    trivial_view_install,
    trivial_view_time,
)

BENCH_DB = "portal_bench_fast"
ITEMS_PER_NOTICE = 10
WARM_UP_NOTICES = 5
COUNTED_NOTICES = 20  # untimed notices whose queries are counted (after the warm-up ones); --quick: 10

# (asset index, infringement type) of a notice's lines, cycled; the notice number shifts the start.
ASSET_KINDS = ("trademark", "trademark", "copyright", "design", "patent")
LINES = (
    (0, "counterfeit"),
    (1, "counterfeit"),
    (0, "trademark_misuse"),
    (2, "copyright"),
    (3, "design"),
    (1, "trademark_misuse"),
    (4, "design"),
    (2, "copyright"),
    (0, "counterfeit"),
    (3, "design"),
)


def background_create(count):
    """Other brands' open complaints, spread over many holders, assets and stores (tests.bulk)."""
    from django.utils import timezone

    from tests.bulk import mixed_due_items_bulk_create

    world = mixed_due_items_bulk_create(
        count,
        holders=max(1, count // 10),
        assets=max(1, count * 3 // 10),
        stores=max(1, count // 5),
        # Their counter-notice windows still run: open items, as most are at any time.
        deadline=timezone.now() + timedelta(hours=48),
    )
    return world.counts


def member_create(listing_count):
    """The member brand, its owner, five assets, its memberships, and live listings on the background's stores."""
    import decimal

    from django.utils import timezone

    from good_faith.models import Membership, MembershipStatus
    from listings.models import Listing, ListingStatus, Store
    from tests import factories

    tag = uuid.uuid4().hex[:8]
    now = timezone.now()
    brand = factories.RightsHolderFactory(legal_name=f"Member Brand {tag}")
    owner = factories.member_of(brand.organisation, role="owner", username=f"owner-{tag}", email=f"o-{tag}@x.test")
    assets = [
        factories.IPAssetFactory(
            rights_holder=brand, kind=kind, name=f"MEMBER{tag}-{n}", registration_number=f"M{tag}{n}"
        )
        for n, kind in enumerate(ASSET_KINDS)
    ]
    figures = {"decided": 400, "upheld_percent": 99.0, "counter_notice_percent": 1.0}
    since = now - timedelta(days=120)
    Membership.objects.bulk_create(
        [
            Membership(rights_holder=brand, status=MembershipStatus.MEMBER, member_since=since, last_figures=figures),
            Membership(
                rights_holder=brand,
                infringement_type="counterfeit",
                status=MembershipStatus.MEMBER,
                member_since=since,
                last_figures={**figures, "decided": 250},
            ),
            Membership(
                rights_holder=brand,
                infringement_type="trademark_misuse",
                status=MembershipStatus.MEMBER,
                member_since=since,
                last_figures={**figures, "decided": 120},
            ),
            # Judged on too few items of its own: says nothing, copyright rides on the overall membership.
            Membership(
                rights_holder=brand,
                infringement_type="copyright",
                status=MembershipStatus.NOT_MEMBER,
                last_figures={**figures, "decided": 8},
            ),
        ]
    )
    stores = list(Store.objects.order_by("?")[:200])
    listings = Listing.objects.bulk_create(
        [
            Listing(
                store=stores[n % len(stores)],
                external_id=f"F{tag}-{n}",
                title=f"Sneaker {n}",
                category="shoes",
                price=decimal.Decimal("19.00"),
                status=ListingStatus.LIVE,
            )
            for n in range(listing_count)
        ],
        batch_size=5000,
    )
    return brand, owner, assets, listings


def form_data(brand, assets, listings, shift):
    data = {
        "acting_for": f"{brand.organisation_id}:{brand.pk}",  # the brand's own staff file
        "filer_name": "Ada Member",
        "filer_address": "1 Brand Street, Paris",
        "filer_phone": "+33 1 23 45 67 89",
        "filer_email": "ada@member.test",
        "good_faith_statement": "on",
        "accuracy_statement": "on",
        "authority_statement": "on",
        "signature": "Ada Member",
        "items-TOTAL_FORMS": str(len(listings)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "50",
    }
    for n, listing in enumerate(listings):
        asset_index, infringement_type = LINES[(n + shift) % len(LINES)]
        data[f"items-{n}-listing_ref"] = listing.external_id
        data[f"items-{n}-ip_asset"] = str(assets[asset_index].pk)
        data[f"items-{n}-infringement_type"] = infringement_type
        data[f"items-{n}-explanation"] = f"Fake logo and wrong stitching on {listing.external_id}."
    return data


def file_and_wait(client, url, data, listing_ids):
    """POST one notice; return (response, ms from the request until all its listings read taken_down)."""
    from listings.models import Listing, ListingStatus

    began = time.perf_counter()
    response = client.post(url, data)
    down = Listing.objects.filter(pk__in=listing_ids, status=ListingStatus.TAKEN_DOWN).count()
    elapsed = (time.perf_counter() - began) * 1000
    if response.status_code != 302 or down != len(listing_ids):
        raise SystemExit(f"notice not taken down: HTTP {response.status_code}, {down} of {len(listing_ids)} down")
    return response, elapsed


def receipt_read(client, response):
    """Open the receipt as the filer's browser does after the redirect: it reads the page's message, so
    messages do not pile up in one session over a thousand notices."""
    page = client.get(response["Location"])
    if page.status_code != 200:
        raise SystemExit(f"receipt page answered HTTP {page.status_code}")


def filing_queries(client, url, data, listing_ids, *, show=False):
    """The queries of one filing request (the check after it and the receipt page not counted)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data)
    # Read before the next request: its start clears the connection's query log.
    queries = captured.captured_queries
    if show:
        for query in queries:
            print(f"    {query['time']}s {' '.join(query['sql'].split())[:160]}")
    file_check(listing_ids, response)
    receipt_read(client, response)
    return len(queries)


def file_check(listing_ids, response):
    from listings.models import Listing, ListingStatus

    down = Listing.objects.filter(pk__in=listing_ids, status=ListingStatus.TAKEN_DOWN).count()
    if response.status_code != 302 or down != len(listing_ids):
        raise SystemExit(f"notice not taken down: HTTP {response.status_code}, {down} of {len(listing_ids)} down")


def outcome_check(brand):
    from good_faith.models import QualityAudit
    from takedowns.models import ItemStatus, NoticeItem, Track

    items = NoticeItem.objects.filter(notice__rights_holder=brand)
    return {
        "items": items.count(),
        "fast_tracked": items.filter(track=Track.FAST, status=ItemStatus.AWAITING_COUNTER_NOTICE).count(),
        "types": sorted(set(items.values_list("infringement_type", flat=True))),
        "assets": items.values("ip_asset_id").distinct().count(),
        "quality_audits": QualityAudit.objects.filter(item__notice__rights_holder=brand).count(),
    }


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def broker_prepare():
    """A key prefix of this run's own under the configured one; refuses anything but Redis."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis"):
        raise SystemExit("Set CELERY_BROKER_URL to a Redis broker, e.g. redis://127.0.0.1:6379/0")
    prefix = f"{os.environ.get('CELERY_BROKER_KEY_PREFIX', '')}bench-fast-track-{uuid.uuid4().hex[:8]}:"
    os.environ["CELERY_BROKER_KEY_PREFIX"] = prefix
    return url, prefix


def broker_messages_and_clean_up(url, prefix):
    """How many messages wait in this run's queues; then its keys are deleted (nobody else's)."""
    from tests.workers import RedisBroker

    broker = RedisBroker(url, prefix)
    with broker.client() as client:
        waiting = sum(client.llen(key) for key in client.scan_iter(match=f"{prefix}*") if client.type(key) == b"list")
    broker.delete_keys()
    return waiting


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 notices, 3,000 background items, 10 notices counted")
    parser.add_argument("--notices", type=int, help="how many notices to file")
    parser.add_argument("--background", type=int, help="other brands' open items in the data")
    parser.add_argument("--database", default=BENCH_DB, help=f"benchmark database name (default {BENCH_DB})")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of one notice's request")
    args = parser.parse_args(argv)
    notices = args.notices or (100 if args.quick else 1_000)
    background = args.background if args.background is not None else (3_000 if args.quick else 20_000)

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/portal")
    broker_url, prefix = broker_prepare()
    total_began = time.perf_counter()
    print(f"Preparing database {args.database} ...", flush=True)
    django_setup(database_prepare(server_url, args.database))

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    # The test client's host and an in-memory mailbox; the requests themselves run the real stack.
    setup_test_environment(debug=False)
    trivial_view_install()
    per = ITEMS_PER_NOTICE
    counted = WARM_UP_NOTICES + (COUNTED_NOTICES // 2 if args.quick else COUNTED_NOTICES)
    needed = (notices + counted) * per
    print(f"Creating {background:,} open items of other brands, a member brand and {needed:,} live listings ...")
    began = time.perf_counter()
    background_counts = background_create(background) if background else {}
    brand, owner, assets, listings = member_create(needed)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  {time.perf_counter() - began:.1f} s; background {background_counts}", flush=True)
    client = Client()
    client.force_login(owner)
    url = reverse("takedowns:notice-create")
    batches = [listings[n * per : (n + 1) * per] for n in range(notices + counted)]

    def notice_data(n):
        batch = batches[n]
        return form_data(brand, assets, batch, n), [listing.pk for listing in batch]

    query_counts = []
    for n in range(counted):
        data, ids = notice_data(n)
        count = filing_queries(client, url, data, ids, show=args.show_queries and n == WARM_UP_NOTICES)
        if n >= WARM_UP_NOTICES:
            query_counts.append(count)
    print(
        f"  queries of a {per}-item notice's request: at most {max(query_counts)}, "
        f"median {statistics.median(query_counts):g} (over {len(query_counts)} notices)",
        flush=True,
    )

    print(f"Filing {notices:,} notices of {per} items through the filing page ...", flush=True)
    timings, trivial = [], []
    # Other processes competing for the CPUs slow every figure: the trivial view says how much.
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    for n in range(counted, counted + notices):
        data, ids = notice_data(n)
        response, elapsed = file_and_wait(client, url, data, ids)
        timings.append(elapsed)
        trivial.append(trivial_view_time(client))
        receipt_read(client, response)
    wall_seconds = time.perf_counter() - began
    load_after = os.getloadavg()[0]
    seconds = sum(timings) / 1000
    p50, p95 = statistics.median(timings), percentile(timings, 0.95)
    t50, t95 = statistics.median(trivial), percentile(trivial, 0.95)
    print(f"  filing: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(timings):.1f} ms per notice", flush=True)
    print(f"  trivial view: p50 {t50:.2f} ms, p95 {t95:.2f} ms", flush=True)
    print(f"  ratio filing / trivial view: p50 {p50 / t50:.1f}, p95 {p95 / t95:.1f}", flush=True)
    print(
        f"  {notices / seconds:.1f} notices/s ({notices * per / seconds:.0f} items/s) of filing; "
        f"{wall_seconds:.1f} s with the trivial and receipt pages; load average {load_before:.1f} -> {load_after:.1f}",
        flush=True,
    )

    outcome = outcome_check(brand)
    filed = (notices + counted) * per
    all_down = outcome["items"] == filed and outcome["fast_tracked"] == filed
    print(f"  {outcome}", flush=True)
    waiting = broker_messages_and_clean_up(broker_url, prefix)
    print(f"  {waiting} messages published to Redis under {prefix} (deleted)", flush=True)
    print(f"Total run time {time.perf_counter() - total_began:.1f} s", flush=True)
    print(
        json.dumps(
            {
                "notices": notices,
                "items_per_notice": per,
                "p50_ms": round(p50, 1),
                "p95_ms": round(p95, 1),
                "max_ms": round(max(timings), 1),
                "notices_per_second": round(notices / seconds, 1),
                "queries_per_notice": max(query_counts),
                "queries_per_notice_median": statistics.median(query_counts),
                "trivial_view_p50_ms": round(t50, 2),
                "trivial_view_p95_ms": round(t95, 2),
                "ratio_p50": round(p50 / t50, 1),
                "ratio_p95": round(p95 / t95, 1),
                "all_taken_down": all_down,
                "infringement_types": len(outcome["types"]),
                "assets": outcome["assets"],
                "background_items": background,
                "quality_audit_share_percent": round(100 * outcome["quality_audits"] / max(1, outcome["items"]), 1),
                "audit_percent_setting": settings.GOOD_FAITH_AUDIT_PERCENT,
                "broker": "redis",
                "messages_published": waiting,
                "goal_p95_ms": 100,
                "load_average_before": round(load_before, 1),
                "load_average_after": round(load_after, 1),
                "cpus": os.cpu_count(),
            }
        )
    )
    return 0 if all_down and p95 < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
