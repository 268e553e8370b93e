"""A bulk-filing worker SIGKILLed mid-import, through real worker processes on Redis and PostgreSQL: the
import is resumed (beat's stale-import sweep sends it again) and every row is filed exactly once.

The test holds the import's row lock once the first chunks are in, so the worker is stopped inside its
run, waiting for its next chunk, with its task taken and unacknowledged; it is killed there.
"""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from rights_holders.authority import acting_roles_of
from takedowns.bulk_filing import filing_import_create
from takedowns.bulk_filing.importing import filing_imports_resume_stale
from takedowns.models import Channel, FilingImport, FilingImportRow, ImportStatus, NoticeItem, RowStatus
from tests import factories
from tests.services import needs_postgres
from tests.takedowns.conftest import NOTICE_DATA
from tests.takedowns.test_bulk_filing import ast, csv_bytes
from tests.workers import celery_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROWS, CHUNK = 120, 10


@pytest.fixture
def redis_broker(redis_broker):
    needs_postgres()
    return redis_broker


def test_a_worker_killed_mid_import_is_resumed_and_files_every_row_once(redis_broker, tmp_path, settings):
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    brand = factories.RightsHolderFactory()
    owner = factories.member_of(brand.organisation, role="owner")
    asset = factories.IPAssetFactory(rights_holder=brand)
    store = factories.StoreFactory()
    listings = [factories.ListingFactory(store=store) for _ in range(ROWS)]
    data = csv_bytes([[listing.external_id, ast(asset), "counterfeit", "Fake logo."] for listing in listings])
    env = {"BULK_FILING_CHUNK_ROWS": str(CHUNK), "MEDIA_ROOT": settings.MEDIA_ROOT}
    locked, release = threading.Event(), threading.Event()

    def hold_the_import(pk):
        # In a thread of its own (its own connection): the worker's next chunk waits on this lock.
        try:
            with transaction.atomic():
                FilingImport.objects.select_for_update().get(pk=pk)
                locked.set()
                release.wait(600)
        finally:
            close_old_connections()
            connection.close()

    def state(pk):
        return FilingImport.objects.values("status", "checked_rows", "filed_rows").get(pk=pk)

    holder = None
    with celery_worker(redis_broker, var_dir=tmp_path / "var", env_extra=env, name="doomed") as worker:
        role = acting_roles_of(owner)[0]
        # Sent after commit, through the project's app, to this test's broker.
        filing_import = filing_import_create(
            actor=owner, role=role, notice_data=dict(NOTICE_DATA), original_name="big.csv", data=data
        )
        pk = filing_import.pk
        wait_for(
            lambda: state(pk)["filed_rows"] >= CHUNK,
            timeout=300,
            message="the first chunk filed",
            seen=lambda: state(pk),
            worker=worker,
        )
        holder = threading.Thread(target=hold_the_import, args=[pk])
        holder.start()
        assert locked.wait(60)
        before = state(pk)
        assert before["status"] == ImportStatus.RUNNING and CHUNK <= before["filed_rows"] < ROWS, before
        worker.hard_kill()
    release.set()
    holder.join(60)
    assert state(pk) == before  # the kill left no half chunk behind

    with celery_worker(redis_broker, var_dir=tmp_path / "var", env_extra=env, name="successor") as worker:
        later = timezone.now() + timedelta(seconds=settings.BULK_FILING_STALE_SECONDS + 1)
        assert filing_imports_resume_stale(now=later) == [pk]
        wait_for(
            lambda: state(pk)["status"] == ImportStatus.DONE,
            timeout=300,
            message="the import resumed and done",
            seen=lambda: state(pk),
            worker=worker,
        )
    assert state(pk) == {"status": ImportStatus.DONE, "checked_rows": ROWS, "filed_rows": ROWS}
    items = NoticeItem.objects.filter(notice__channel=Channel.BULK)
    assert items.count() == ROWS
    assert items.values("listing").distinct().count() == ROWS
    assert FilingImportRow.objects.filter(status=RowStatus.FILED).values("item").distinct().count() == ROWS
