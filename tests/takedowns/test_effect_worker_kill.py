"""A poison effect that kills every worker taking it ends as a dead letter, through real worker processes.

An effect is claimed in a transaction of its own before its handler runs, so a
worker SIGKILLed mid-effect leaves the claim behind. The next worker to pick the
effect up counts that lost attempt like any failed one (back-off, then FAILED
after ``TAKEDOWN_EFFECT_MAX_ATTEMPTS``), instead of running it again at once,
forever. Here the handler is stuck on a listing row this test holds locked, so
each kill lands mid-effect, inside the handler's transaction.
"""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from listings.models import Listing
from portal.models import AuditLogEntry
from portal.roles import ensure_platform_groups
from takedowns import lifecycle
from takedowns.effects import effect_run, effects_health, item_effects_run
from takedowns.models import Effect, EffectKind, EffectStatus
from takedowns.notices import notice_submit
from takedowns.tasks import run_item_effects
from tests import factories
from tests.services import needs_postgres
from tests.takedowns.conftest import NOTICE_DATA, draft
from tests.workers import broker_sender, celery_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLAIM_SECONDS = 1
MAX_ATTEMPTS = 2
# The workers' settings: a claim is taken for lost after a second, a failed attempt waits a second.
WORKER_ENV = {
    "TAKEDOWN_EFFECT_CLAIM_SECONDS": str(CLAIM_SECONDS),
    "TAKEDOWN_EFFECT_RETRY_BASE_SECONDS": "1",
    "TAKEDOWN_EFFECT_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
}
# A loaded machine is many times slower than a quiet one: bounds are generous, never sleeps.
WAIT = 180


@pytest.fixture
def redis_broker(redis_broker):
    needs_postgres()  # the handler must block on a row lock: SQLite would block the claim instead
    return redis_broker


def poison_effect():
    """An accepted item whose effects all ran, and one more effect of it that syncs its listing."""
    ensure_platform_groups()
    brand = factories.RightsHolderFactory()
    owner = factories.member_of(brand.organisation, role="owner")
    reviewer = factories.UserFactory()
    reviewer.groups.add(*ensure_platform_groups().values())
    listing = factories.ListingFactory()
    (item,) = notice_submit(
        actor=owner,
        rights_holder=brand,
        acting_organisation=brand.organisation,
        data=dict(NOTICE_DATA),
        drafts=[draft(listing, factories.IPAssetFactory(rights_holder=brand))],
    ).accepted
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    item_effects_run(item.pk)
    assert not Effect.objects.filter(item=item).exclude(status=EffectStatus.DONE).exists()
    return Effect.objects.create(
        item=item, kind=EffectKind.MARK_UNDER_COMPLAINT, key="poison", payload={"listing": listing.pk}
    )


class ListingLocked:
    """Hold a listing's row lock in a thread of this test: a handler that syncs the listing waits on it."""

    def __init__(self, listing_id):
        self.listing_id = listing_id
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        try:
            with transaction.atomic():
                Listing.objects.select_for_update().get(pk=self.listing_id)
                self.held.set()
                self.release.wait(WAIT * 2)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(WAIT), "the test could not lock the listing"
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the listing lock was not released"


def _backend_waits_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _effect_unlocked(effect_id):
    """Nobody holds the effect's row: the killed worker's database session has ended."""
    with transaction.atomic():
        return Effect.objects.select_for_update(skip_locked=True).filter(pk=effect_id).exists()


def _send(broker, item_id):
    with broker_sender(broker) as sender:
        sender.send_task(run_item_effects.name, args=[item_id])


def _claim_older_than_its_time(effect_id):
    claimed_at = Effect.objects.get(pk=effect_id).claimed_at
    return claimed_at is not None and timezone.now() - claimed_at > timedelta(seconds=CLAIM_SECONDS)


def _kill_mid_effect(broker, worker, effect):
    """Send the effect's task to ``worker``, wait until its handler is stuck on the listing, SIGKILL the worker."""
    listing_id = effect.payload["listing"]
    with ListingLocked(listing_id):
        _send(broker, effect.item_id)
        wait_for(
            lambda: Effect.objects.get(pk=effect.pk).claimed_at is not None and _backend_waits_on_a_lock(),
            timeout=WAIT,
            message="the worker claiming the effect and waiting on the listing's lock",
            seen=lambda: f"{Effect.objects.filter(pk=effect.pk).values('status', 'attempts', 'claimed_at').get()}",
            worker=worker,
        )
        worker.hard_kill()
    # Its session rolls back once it gets the lock and finds its client gone.
    wait_for(lambda: _effect_unlocked(effect.pk), timeout=WAIT, message="the killed worker's session to end")
    close_old_connections()


def test_a_poison_effect_that_kills_its_workers_ends_as_a_dead_letter(redis_broker, tmp_path):
    effect = poison_effect()
    redis_broker.delete_keys()  # what the moves sent after commit: only the tasks sent below run
    var_dir = tmp_path / "var"

    with celery_worker(redis_broker, var_dir=var_dir, env_extra=WORKER_ENV, name="first") as worker:
        _kill_mid_effect(redis_broker, worker, effect)
    effect.refresh_from_db()
    # The kill rolled the handler's transaction back, but not the claim: the attempt is on record.
    assert (effect.status, effect.attempts, effect.claimed_at is not None) == (EffectStatus.PENDING, 0, True)

    with celery_worker(redis_broker, var_dir=var_dir, env_extra=WORKER_ENV, name="second") as worker:
        wait_for(lambda: _claim_older_than_its_time(effect.pk), timeout=WAIT, message="the lost claim's time to pass")
        _send(redis_broker, effect.item_id)  # the sweeper's re-send
        wait_for(
            lambda: Effect.objects.get(pk=effect.pk).attempts == 1,
            timeout=WAIT,
            message="the lost attempt counted",
            seen=lambda: f"{Effect.objects.filter(pk=effect.pk).values('status', 'attempts', 'claimed_at').get()}",
            worker=worker,
        )
        effect.refresh_from_db()
        assert effect.status == EffectStatus.PENDING and effect.claimed_at is None
        assert "worker" in effect.last_error and effect.next_attempt_at is not None
        # It backs off like any failed attempt, then the re-send runs it again, and it kills this worker too.
        wait_for(
            lambda: Effect.objects.get(pk=effect.pk).next_attempt_at <= timezone.now(),
            timeout=WAIT,
            message="the back-off to pass",
        )
        _kill_mid_effect(redis_broker, worker, effect)

    with celery_worker(redis_broker, var_dir=var_dir, env_extra=WORKER_ENV, name="third") as worker:
        wait_for(lambda: _claim_older_than_its_time(effect.pk), timeout=WAIT, message="the lost claim's time to pass")
        _send(redis_broker, effect.item_id)
        wait_for(
            lambda: Effect.objects.get(pk=effect.pk).status == EffectStatus.FAILED,
            timeout=WAIT,
            message="the effect set aside as failed (dead letter)",
            seen=lambda: f"{Effect.objects.filter(pk=effect.pk).values('status', 'attempts', 'claimed_at').get()}",
            worker=worker,
        )
    effect.refresh_from_db()
    assert (effect.attempts, effect.claimed_at) == (MAX_ATTEMPTS, None)
    assert "worker" in effect.last_error and effect.failed_at is not None
    assert AuditLogEntry.objects.filter(action="takedowns.effect.failed", object_id=str(effect.pk)).count() == 1
    assert effects_health()["failed"] == 1
    # A dead letter is not run again until staff retry it.
    assert effect_run(effect.pk) is False
