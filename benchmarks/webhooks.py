"""Benchmark: what webhooks cost the deadline sweep, and how fast deliveries go out, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python benchmarks/webhooks.py [--quick]

Works in its own database (``portal_bench_webhooks``, recreated from a migrated
template on every run) on the server DATABASE_URL names. Three phases:

1. **sweep, nobody subscribed**: N due items (one holder, asset and store) upheld
   by ``takedowns.sweep.deadlines_sweep`` in one process: the announcement is one
   query per batch;
2. **sweep, both sides subscribed to everything**: as many items again, the holder's
   and the merchant's organisations each with an active subscription to ``*``: each
   item fans out to two events and two deliveries, in the batch's transaction
   (``api.webhooks.fanout``); every item's events and deliveries are counted;
3. **delivery**: the deliveries of phase 2 (``--deliveries`` of them) sent by worker
   processes running ``deliveries_send_due`` (the task's code) to a real HTTP
   receiver on 127.0.0.1 that answers 200; the receiver counts each ``webhook-id``
   and each signature is checked, so a delivery sent twice or badly signed shows.

The last line is one JSON object: ``sweep_items_per_s`` without and with
subscriptions, their ratio, ``deliveries_per_s``, and ``exactly_once``.
The load average before each phase is reported: other processes skew every figure.
"""

import argparse
import json
import multiprocessing
import os
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.benchmarking import database_prepare, django_setup  # noqa: E402

BENCH_DB = "portal_bench_webhooks"


def _receiver(secrets):
    """An endpoint on 127.0.0.1 that answers 200 and counts each webhook-id and each bad signature."""
    from standardwebhooks import Webhook
    from standardwebhooks.webhooks import WebhookVerificationError

    seen, bad, lock = Counter(), [0], threading.Lock()
    verifiers = [Webhook(secret) for secret in secrets]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            ok = False
            for verifier in verifiers:
                try:
                    verifier.verify(body, headers)
                    ok = True
                    break
                except WebhookVerificationError:
                    continue
            with lock:
                seen[headers.get("webhook-id")] += 1
                bad[0] += 0 if ok else 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen, bad


def _deliver_worker(start, results):
    from django.db import connection

    from api.webhooks.delivery import deliveries_send_due

    connection.ensure_connection()
    start.wait()
    began = time.perf_counter()
    sent = 0
    while True:
        batch = deliveries_send_due(limit=500, seconds=600)
        sent += batch
        if batch == 0:
            break
    results.put((sent, time.perf_counter() - began))
    connection.close()


def _deliver_with_workers(workers):
    from django.db import connections

    connections.close_all()  # forked children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=_deliver_worker, args=(start, results)) for _ in range(workers)]
    for process in processes:
        process.start()
    time.sleep(1.0)  # let every worker connect before the clock starts
    began = time.perf_counter()
    start.set()
    reports = [results.get() for _ in processes]
    seconds = time.perf_counter() - began
    for process in processes:
        process.join()
    return reports, seconds


def _sweep(now):
    from takedowns.sweep import deadlines_sweep

    load = os.getloadavg()[0]
    began = time.perf_counter()
    counts = deadlines_sweep(now=now)
    return counts["upheld"], time.perf_counter() - began, load


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 items per sweep instead of 50,000")
    parser.add_argument("--items", type=int)
    parser.add_argument("--deliveries", type=int, help="how many deliveries to send (default: 2,000; --quick 1,000)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    items = args.items or (10_000 if args.quick else 50_000)
    deliveries_wanted = args.deliveries or (1_000 if args.quick else 2_000)

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/portal")
    os.environ["WEBHOOK_ALLOW_HTTP"] = "1"
    os.environ["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    print(f"Preparing database {BENCH_DB} ...", flush=True)
    django_setup(database_prepare(server_url, BENCH_DB))

    from datetime import timedelta

    from django.utils import timezone

    from api.models import DeliveryStatus, WebhookDelivery, WebhookEvent
    from api.webhooks import fanout
    from api.webhooks.subscriptions import webhook_subscription_create
    from portal.models import MembershipRole
    from takedowns.models import NoticeItem
    from tests import factories
    from tests.bulk import due_items_bulk_create

    # The sweep's after-commit effects and deliveries are not what phases 1 and 2 time.
    fanout.deliveries_dispatch = lambda: None
    now = timezone.now()

    print(f"Phase 1: sweeping {items:,} due items, nobody subscribed ...", flush=True)
    due_items_bulk_create(items, deadline=now - timedelta(minutes=5))
    swept_plain, seconds_plain, load_plain = _sweep(now)
    rate_plain = swept_plain / seconds_plain
    print(f"  {swept_plain:,} items in {seconds_plain:.2f} s: {rate_plain:,.0f} items/s (load {load_plain:.1f})")

    print(f"Phase 2: sweeping {items:,} due items, holder and merchant subscribed to every event ...", flush=True)
    ids = due_items_bulk_create(items, deadline=now - timedelta(minutes=5))
    item = NoticeItem.objects.select_related("notice__rights_holder", "listing__store__merchant").get(pk=ids[0])
    server, seen, bad = None, None, None
    secrets = []
    for organisation in (item.notice.rights_holder.organisation, item.listing.store.merchant.organisation):
        owner = factories.member_of(organisation, role=MembershipRole.OWNER)
        # The URL is filled in once the receiver runs; a placeholder on 127.0.0.1 passes the guard now.
        subscription, secret = webhook_subscription_create(
            organisation=organisation, url="http://127.0.0.1:9/hooks", event_types=["*"], actor=owner
        )
        secrets.append((subscription, secret))
    swept_hooked, seconds_hooked, load_hooked = _sweep(now)
    rate_hooked = swept_hooked / seconds_hooked
    events = WebhookEvent.objects.filter(source="item_event").count()
    deliveries = WebhookDelivery.objects.count()
    print(f"  {swept_hooked:,} items in {seconds_hooked:.2f} s: {rate_hooked:,.0f} items/s (load {load_hooked:.1f})")
    print(f"  {events:,} events and {deliveries:,} deliveries written in the sweep's transactions")
    fanned_out = events == 2 * items and deliveries == 2 * items

    # Phase 3: only the first --deliveries stay due; the rest are marked delivered (not timed, not sent).
    keep = list(WebhookDelivery.objects.order_by("id").values_list("pk", flat=True)[:deliveries_wanted])
    WebhookDelivery.objects.exclude(pk__in=keep).update(status=DeliveryStatus.DELIVERED, next_attempt_at=None)
    server, seen, bad = _receiver([secret for _, secret in secrets])
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    for subscription, _ in secrets:
        type(subscription).objects.filter(pk=subscription.pk).update(url=url)
    print(f"Phase 3: sending {len(keep):,} deliveries with {args.workers} worker processes ...", flush=True)
    load_deliver = os.getloadavg()[0]
    reports, seconds_deliver = _deliver_with_workers(args.workers)
    sent = sum(count for count, _ in reports)
    rate_deliver = sent / seconds_deliver
    server.shutdown()
    delivered = WebhookDelivery.objects.filter(pk__in=keep, status=DeliveryStatus.DELIVERED).count()
    print(f"  {sent:,} sent in {seconds_deliver:.2f} s: {rate_deliver:,.0f} deliveries/s (load {load_deliver:.1f})")
    once = len(seen) == len(keep) and set(seen.values()) == {1}
    print(f"  receiver: {len(seen):,} webhook-ids, each once: {once}; bad signatures: {bad[0]}")
    exactly_once = fanned_out and once and bad[0] == 0 and delivered == len(keep) and sent == len(keep)
    print(
        json.dumps(
            {
                "items": items,
                "sweep_items_per_s_unsubscribed": round(rate_plain),
                "sweep_items_per_s_subscribed": round(rate_hooked),
                "sweep_subscribed_ratio": round(rate_hooked / rate_plain, 2),
                "events_per_item": round(events / items, 2),
                "deliveries": len(keep),
                "delivery_workers": args.workers,
                "deliveries_per_s": round(rate_deliver),
                "exactly_once": exactly_once,
                "load_average_before": {
                    "sweep_unsubscribed": round(load_plain, 1),
                    "sweep_subscribed": round(load_hooked, 1),
                    "deliveries": round(load_deliver, 1),
                },
                "cpus": os.cpu_count(),
            }
        )
    )
    return 0 if exactly_once else 1


if __name__ == "__main__":
    sys.exit(main())
