"""Exactly one penalty per upheld item through real Celery worker processes on Redis and PostgreSQL.

A worker SIGKILLed in the middle of a batch leaves its effects pending (the
transaction that would have marked them done dies with it) with their claim;
the sweeper's re-send hands them to another worker, which counts that lost
attempt for each of them and runs them once their back-off has passed; the
unique (item, generation) penalty plus the per-merchant store lock make every
penalty and every ladder step land exactly once.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from listings.models import Store
from portal.models import AuditLogEntry
from portal.roles import ensure_platform_groups
from takedowns import lifecycle
from takedowns.effects import effects_resend_stale
from takedowns.models import Effect, EffectKind, EffectStatus, NoticeItem, Penalty, Sanction
from takedowns.notices import notice_submit
from takedowns.tasks import run_item_effects, run_items_effects
from tests import factories
from tests.services import needs_postgres
from tests.takedowns.conftest import NOTICE_DATA, draft
from tests.workers import broker_sender, celery_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ITEMS_PER_STORE = 5  # trademark misuse, 4 points each: 4, 8, 12, 16, 20 -> a warning and one restriction


@pytest.fixture
def redis_broker(redis_broker):
    needs_postgres()
    return redis_broker


def upheld_items(stores):
    """Upheld items, ITEMS_PER_STORE per store, through the real lifecycle; their effects left pending."""
    ensure_platform_groups()
    brand = factories.RightsHolderFactory()
    owner = factories.member_of(brand.organisation, role="owner")
    reviewer = factories.UserFactory()
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    asset = factories.IPAssetFactory(rights_holder=brand)
    drafts = []
    for _ in range(stores):
        store = factories.StoreFactory()
        for _ in range(ITEMS_PER_STORE):
            drafts.append(draft(factories.ListingFactory(store=store), asset, infringement_type="trademark_misuse"))
    receipt = notice_submit(
        actor=owner, rights_holder=brand, acting_organisation=brand.organisation, data=dict(NOTICE_DATA), drafts=drafts
    )
    assert len(receipt.accepted) == len(drafts), receipt.invalid or receipt.refused
    later = timezone.now() + timedelta(hours=settings.TAKEDOWN_COUNTER_NOTICE_HOURS + 1)
    for item in receipt.accepted:
        lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
        assert lifecycle.notice_item_uphold_by_default(item_id=item.pk, now=later)
    return [item.pk for item in receipt.accepted]


def penalise_pending():
    return Effect.objects.filter(kind=EffectKind.PENALISE).exclude(status=EffectStatus.DONE)


def send_effects(broker, item_ids, *, times=1):
    with broker_sender(broker) as sender, sender.producer_or_acquire() as producer:
        for _ in range(times):
            for item_id in item_ids:
                sender.send_task(run_item_effects.name, args=[item_id], producer=producer)


def assert_exactly_once(item_ids):
    assert not penalise_pending().exists()
    per_item = Counter(Penalty.objects.values_list("item_id", flat=True))
    assert set(per_item) == set(item_ids)
    assert set(per_item.values()) == {1}
    assert AuditLogEntry.objects.filter(action="takedowns.penalty.awarded").count() == len(item_ids)
    # Every store crossed 6 and 12 exactly once, however its five penalties interleaved.
    steps = Counter(Sanction.objects.values_list("store_id", "kind", "level"))
    stores = set(NoticeItem.objects.filter(pk__in=item_ids).values_list("listing__store_id", flat=True))
    assert steps == Counter(
        {(s, kind, level): 1 for s in stores for kind, level in [("warning", "6"), ("restriction", "12")]}
    )


# The successor's settings: a claim the killed worker left is taken for lost after a second, and the
# attempt it counts waits a second (the defaults, a minute each, would outlast the test's patience).
SUCCESSOR_ENV = {"TAKEDOWN_EFFECT_CLAIM_SECONDS": "1", "TAKEDOWN_EFFECT_RETRY_BASE_SECONDS": "1"}


def test_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(redis_broker, tmp_path, settings):
    item_ids = upheld_items(stores=40)
    assert penalise_pending().count() == 200
    # Drop what the moves sent after commit (this test's keys only): the batch is exactly the one sent below.
    redis_broker.delete_keys()
    send_effects(redis_broker, item_ids)

    with celery_worker(redis_broker, var_dir=tmp_path / "var", name="doomed") as worker:
        wait_for(
            lambda: Penalty.objects.count() >= 20,
            timeout=300,
            interval=0.02,
            message="20 penalties (the batch under way)",
            seen=lambda: f"{Penalty.objects.count()} penalties",
            worker=worker,
        )
        worker.hard_kill()
    left = penalise_pending().count()
    print(f"killed with {left} of 200 penalties pending")
    assert 0 < left < 200, f"the kill must land mid-batch ({left} pending)"

    with celery_worker(redis_broker, var_dir=tmp_path / "var", env_extra=SUCCESSOR_ENV, name="successor") as worker:
        # What the killed worker held stays in Redis until the visibility timeout; the sweeper's
        # re-send (pending effects last sent long enough ago) does not wait for it.
        later = timezone.now() + timedelta(seconds=settings.TAKEDOWN_EFFECT_RESEND_SECONDS + 1)
        assert effects_resend_stale(now=later) >= left
        # The effects the killed worker was in the middle of (one per pool process at most) count that
        # attempt and back off; the beat's re-send, done here at each poll, sends them again when due.
        settings.TAKEDOWN_EFFECT_RESEND_SECONDS = 5

        def done():
            effects_resend_stale()
            return not penalise_pending().exists()

        wait_for(
            done,
            timeout=600,
            interval=0.5,
            message="no pending penalty",
            seen=lambda: f"{penalise_pending().count()} of 200 penalties pending",
            worker=worker,
        )
    assert_exactly_once(item_ids)
    # Only the effects in flight at the kill (the pool runs two at once) counted a lost attempt.
    assert Effect.objects.filter(kind=EffectKind.PENALISE, attempts__gt=1).count() <= 2


def test_effect_task_sent_twice_to_a_worker_applies_each_penalty_once(redis_broker, tmp_path):
    item_ids = upheld_items(stores=8)
    redis_broker.delete_keys()  # what the moves sent after commit: only the copies sent below run
    # Both copies of a task may run at the same time on the two pool processes.
    send_effects(redis_broker, item_ids, times=2)
    with celery_worker(redis_broker, var_dir=tmp_path / "var") as worker:
        wait_for(
            lambda: not Effect.objects.exclude(status=EffectStatus.DONE).exists(),
            timeout=600,
            interval=0.2,
            message="every effect done",
            seen=lambda: f"{penalise_pending().count()} of {len(item_ids)} penalties and "
            f"{Effect.objects.exclude(status=EffectStatus.DONE).count()} effects in all pending",
            worker=worker,
        )
    assert_exactly_once(item_ids)


def test_effect_task_run_twice_in_process_does_nothing_the_second_time(redis_broker):
    (item_id, *_) = upheld_items(stores=1)
    first = run_item_effects.apply(args=[item_id]).get()
    assert first >= 2  # delist, penalise and the notifications
    assert run_item_effects.apply(args=[item_id]).get() == 0
    assert Penalty.objects.filter(item_id=item_id).count() == 1


class StoreLocked:
    """Hold a store's row lock in a thread of this test: a batch of penalties that names the store waits on it."""

    def __init__(self, store_id):
        self.store_id = store_id
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        try:
            with transaction.atomic():
                Store.objects.select_for_update().get(pk=self.store_id)
                self.held.set()
                self.release.wait(600)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(120), "the test could not lock the store"
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(120)
        assert not self.thread.is_alive(), "the store lock was not released"


def _a_backend_waits_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _penalties_unlocked():
    """Nobody holds the penalise effects' rows: the killed worker's session has ended."""
    pending = penalise_pending()
    with transaction.atomic():
        return pending.select_for_update(skip_locked=True).count() == pending.count()


def test_worker_killed_mid_batch_counts_the_attempt_for_every_effect_of_the_batch_and_loses_nothing(
    redis_broker, tmp_path, settings
):
    """The sweep's kind of task: one batch of fifty items' penalties, killed while it waits for a store's lock."""
    item_ids = upheld_items(stores=10)
    stores = sorted(set(NoticeItem.objects.filter(pk__in=item_ids).values_list("listing__store_id", flat=True)))
    redis_broker.delete_keys()  # what the moves sent after commit: only the task sent below runs

    with celery_worker(redis_broker, var_dir=tmp_path / "var", name="doomed") as worker, StoreLocked(stores[4]):
        with broker_sender(redis_broker) as sender:
            sender.send_task(run_items_effects.name, args=[item_ids])
        wait_for(
            lambda: penalise_pending().filter(claimed_at__isnull=False).count() == 50 and _a_backend_waits_on_a_lock(),
            timeout=300,
            message="the batch's fifty penalties claimed and waiting on the store's lock",
            seen=lambda: f"{penalise_pending().filter(claimed_at__isnull=False).count()} claimed",
            worker=worker,
        )
        worker.hard_kill()
    wait_for(_penalties_unlocked, timeout=300, message="the killed worker's session to end")
    close_old_connections()
    # The kill rolled the batch back, but not its claim: the attempt is on record for every effect of it.
    assert set(penalise_pending().values_list("attempts", flat=True)) == {0}
    assert not penalise_pending().filter(claimed_at__isnull=True).exists()
    assert not Penalty.objects.exists()
    # The effects of the kinds before it (the listings) were done in their own batch.
    assert not Effect.objects.filter(kind=EffectKind.DELIST).exclude(status=EffectStatus.DONE).exists()

    with celery_worker(redis_broker, var_dir=tmp_path / "var", env_extra=SUCCESSOR_ENV, name="successor") as worker:
        settings.TAKEDOWN_EFFECT_RESEND_SECONDS = 5

        def done():
            # The beat's re-send: the lost claims are counted once they are a second old, then sent when due.
            effects_resend_stale(now=timezone.now() + timedelta(seconds=settings.TAKEDOWN_EFFECT_RESEND_SECONDS + 1))
            return not penalise_pending().exists()

        wait_for(
            done,
            timeout=600,
            interval=1.0,
            message="no pending penalty",
            seen=lambda: f"{penalise_pending().count()} of 50 penalties pending",
            worker=worker,
        )
    assert_exactly_once(item_ids)
    # Each penalty: the attempt lost with the killed worker, then the one that did it.
    assert set(Effect.objects.filter(kind=EffectKind.PENALISE).values_list("attempts", flat=True)) == {2}
