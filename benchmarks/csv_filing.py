"""Benchmark: bulk filing by CSV, 10,000 rows through the worker path, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal python benchmarks/csv_filing.py [--quick]

Works in its own database (``portal_bench_csv``, recreated from a migrated template
``portal_bench_csv_template`` on every run; ``--database`` names another) on the server DATABASE_URL
names. Uploads go to a temporary folder, deleted at the end. No broker is used: the follow-up tasks the
filing sends after commit (effects, the receipt's e-mail) go to Celery's in-memory transport, and
nobody consumes them; the filing itself is what is timed.

The data (not measured): a brand with three verified assets, 100 stores, and as many live listings as
the file has rows; one row in a hundred is bad (an unknown listing, an infringement type that does not
exist, a row repeating an earlier one, an asset that is not verified), so the checks and the error
report have something to say.

Timed, for each file (``--quick``: one file of 10,000 rows; the full run: three, the median reported):

- the upload: ``filing_import_create`` (the upload page's service: the file read and checked whole,
  stored, the import row written);
- the worker: ``takedowns.tasks.run_filing_import`` run as a worker runs it (``apply``: the task body
  in this process): the rows read into the database, checked with the filing rules and filed through
  ``notice_submit`` in chunks of ``BULK_FILING_CHUNK_ROWS``, each chunk one notice;
- the error report: every problem as CSV, as the download writes it.

Then checked: every good row filed exactly once (one item per good row, none twice), every bad row
refused. The last line of output is one JSON object with the figures.
"""

import argparse
import csv
import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.benchmarking import database_prepare, django_setup  # noqa: E402

BENCH_DB = "portal_bench_csv"
ROWS = 10_000
BAD_EVERY = 100  # one row in a hundred is bad


def world_create(rows, files):
    """The brand, its owner, its assets (verified, and one pending), stores and the listings the files name."""
    import decimal

    from listings.models import Listing, ListingStatus
    from rights_holders.models import VerificationStatus
    from tests import factories

    tag = uuid.uuid4().hex[:8]
    brand = factories.RightsHolderFactory(legal_name=f"CSV Brand {tag}")
    owner = factories.member_of(brand.organisation, role="owner", username=f"owner-{tag}", email=f"o-{tag}@x.test")
    assets = [
        factories.IPAssetFactory(rights_holder=brand, name=f"CSV{tag}-{n}", registration_number=f"C{tag}{n}")
        for n in range(3)
    ]
    pending = factories.IPAssetFactory(
        rights_holder=brand,
        name=f"CSV{tag}-pending",
        registration_number=f"C{tag}p",
        verification_status=VerificationStatus.PENDING,
    )
    stores = [factories.StoreFactory() for _ in range(100)]
    listings = Listing.objects.bulk_create(
        [
            Listing(
                store=stores[n % len(stores)],
                external_id=f"C{tag}-{n}",
                title=f"Sneaker {n}",
                category="shoes",
                price=decimal.Decimal("19.00"),
                status=ListingStatus.LIVE,
            )
            for n in range(rows * files)
        ],
        batch_size=5000,
    )
    return brand, owner, assets, pending, listings


def csv_make(listings, assets, pending):
    """The file's bytes and how many of its rows are good."""
    from portal import public_ids

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["listing_id", "asset", "infringement_type", "explanation"])
    good = 0
    for n, listing in enumerate(listings):
        asset = assets[n % len(assets)]
        row = [listing.external_id, public_ids.encode("ast", asset.public_id), "counterfeit", f"Fake logo, row {n}."]
        if n % BAD_EVERY == BAD_EVERY - 1:
            kind = (n // BAD_EVERY) % 4
            if kind == 0:
                row[0] = f"NOPE-{n}"
            elif kind == 1:
                row[2] = "fakes"
            elif kind == 2:
                row = [listings[n - 1].external_id, *row[1:]]
                row[1] = public_ids.encode("ast", assets[(n - 1) % len(assets)].public_id)
            else:
                row[1] = pending.registration_number
        else:
            good += 1
        writer.writerow(row)
    return out.getvalue().encode(), good


def one_file(owner, data, good, name):
    from rights_holders.authority import acting_roles_of
    from takedowns.bulk_filing import error_report_rows, filing_import_create
    from takedowns.models import FilingImport, FilingImportRow, NoticeItem, RowStatus
    from takedowns.tasks import run_filing_import
    from tests.takedowns.conftest import NOTICE_DATA

    role = acting_roles_of(owner)[0]
    began = time.perf_counter()
    filing_import = filing_import_create(
        actor=owner, role=role, notice_data=dict(NOTICE_DATA), original_name=name, data=data
    )
    upload_s = time.perf_counter() - began
    began = time.perf_counter()
    result = run_filing_import.apply(args=[filing_import.pk])
    worker_s = time.perf_counter() - began
    if result.failed():
        raise SystemExit(f"the task failed: {result.result!r}")
    began = time.perf_counter()
    problems = sum(1 for _ in error_report_rows(filing_import))
    report_s = time.perf_counter() - began
    filing_import.refresh_from_db()
    rows = FilingImportRow.objects.filter(filing_import=filing_import)
    items = NoticeItem.objects.filter(pk__in=rows.filter(status=RowStatus.FILED).values("item"))
    filed_items = items.count()
    exactly_once = (
        filing_import.status == "done"
        and filing_import.filed_rows == good
        and filed_items == good
        and rows.filter(status=RowStatus.FILED).values("item").distinct().count() == good
        and items.values("listing").distinct().count() == good
        and rows.filter(status=RowStatus.REFUSED).count() == filing_import.total_rows - good
    )
    notices = rows.filter(status=RowStatus.FILED).values("item__notice").distinct().count()
    return {
        "rows": filing_import.total_rows,
        "filed": filing_import.filed_rows,
        "refused": filing_import.error_rows,
        "problems_reported": problems,
        "notices": notices,
        "upload_s": round(upload_s, 3),
        "worker_s": round(worker_s, 3),
        "report_s": round(report_s, 3),
        "rows_per_s": round(filing_import.total_rows / worker_s, 1),
        "exactly_once": exactly_once,
        "file_deleted": not FilingImport.objects.get(pk=filing_import.pk).file,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one file of 10,000 rows (the full run: three)")
    parser.add_argument("--rows", type=int, default=ROWS, help=f"rows a file (default {ROWS:,})")
    parser.add_argument("--database", default=BENCH_DB, help=f"benchmark database name (default {BENCH_DB})")
    args = parser.parse_args(argv)
    files = 1 if args.quick else 3
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/portal")
    # The in-memory transport: whatever the environment names, nothing of this run reaches a real broker.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.pop("CELERY_BROKER_KEY_PREFIX", None)
    media = tempfile.TemporaryDirectory(prefix="bench-csv-media-")
    os.environ["MEDIA_ROOT"] = media.name
    total_began = time.perf_counter()
    print(f"Preparing database {args.database} ...", flush=True)
    django_setup(database_prepare(server_url, args.database))

    from django.conf import settings
    from django.db import connection

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media.name}},
    }
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    print(f"Creating a brand and {args.rows * files:,} live listings ...", flush=True)
    brand, owner, assets, pending, listings = world_create(args.rows, files)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    runs = []
    for n in range(files):
        data, good = csv_make(listings[n * args.rows : (n + 1) * args.rows], assets, pending)
        run = one_file(owner, data, good, f"bench-{n}.csv")
        runs.append(run)
        print(
            f"  file {n + 1}: {run['rows']:,} rows ({len(data) / 1e6:.1f} MB): upload {run['upload_s']:.2f} s, "
            f"worker {run['worker_s']:.2f} s = {run['rows_per_s']:,.0f} rows/s ({run['filed']:,} filed in "
            f"{run['notices']} notices, {run['refused']} refused), error report {run['report_s']:.3f} s, "
            f"exactly once: {run['exactly_once']}",
            flush=True,
        )
    media.cleanup()
    load = os.getloadavg()
    summary = {
        "benchmark": "csv_filing",
        "quick": args.quick,
        "rows_per_file": args.rows,
        "files": files,
        "chunk_rows": settings.BULK_FILING_CHUNK_ROWS,
        "rows_per_s": statistics.median(run["rows_per_s"] for run in runs),
        "worker_s": statistics.median(run["worker_s"] for run in runs),
        "upload_s": statistics.median(run["upload_s"] for run in runs),
        "report_s": statistics.median(run["report_s"] for run in runs),
        "exactly_once": all(run["exactly_once"] for run in runs),
        "runs": runs,
        "load_average": [round(x, 2) for x in load],
        "total_s": round(time.perf_counter() - total_began, 1),
    }
    print(json.dumps(summary))
    return 0 if summary["exactly_once"] else 1


if __name__ == "__main__":
    sys.exit(main())
