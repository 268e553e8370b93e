"""Real Celery workers (prefork, concurrency 2) on Redis and on the embedded broker.

No mocks: each test starts `celery -A portal worker` as a subprocess sharing
the test database, publishes to the same broker and waits for the effect.
What these tests pin down about a hard-killed worker (SIGKILL of the whole
process group, e.g. the OOM killer) is documented in README:

* Embedded broker (kombu SQLAlchemy transport): a message is marked consumed
  (visible=0) in the broker file when the worker fetches it; acks live only in
  the worker's memory. A hard kill therefore LOSES every message the worker
  held (running and prefetched), even with acks_late. Sweepers that re-drive
  work from database state must cover this.
* Redis: with acks_late the message stays in the unacked index and is
  redelivered once the visibility timeout has passed, when a worker next
  starts (or on its periodic restore check).

Each Redis test has a key prefix of its own (the ``redis_broker`` fixture),
so runs sharing a Redis database never take or delete each other's messages.
Waits are generous (a loaded machine is many times slower than a quiet one)
and return as soon as their condition holds.
"""

import sqlite3
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.broker import embedded_broker_path, prune_consumed_messages
from portal.models import AuditLogEntry
from tests.workers import broker_sender, celery_worker, embedded_broker_url, private_redis_broker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _token():
    return uuid.uuid4().hex


def _entries(action, **data):
    return AuditLogEntry.objects.filter(action=action, **{f"data__{k}": v for k, v in data.items()})


def _wait_for_ping(sender, worker, timeout=300):
    token = _token()
    sender.send_task("portal.tasks.ping", args=[token])
    wait_for(
        lambda: _entries("portal.worker.ping", token=token).exists(),
        timeout=timeout,
        message=f"the worker to record ping {token}",
        seen=lambda: f"{_entries('portal.worker.ping').count()} pings recorded in all",
        worker=worker,
    )
    return token


def _broker_rows(url):
    """(visible, consumed) message counts in an embedded broker file."""
    conn = sqlite3.connect(embedded_broker_path(url))
    try:
        rows = dict(conn.execute("SELECT visible, count(*) FROM kombu_message GROUP BY visible").fetchall())
    finally:
        conn.close()
    return rows.get(1, 0), rows.get(0, 0)


# --- smoke ------------------------------------------------------------------


def test_worker_runs_a_task_sent_through_redis(redis_broker, tmp_path):
    with celery_worker(redis_broker, var_dir=tmp_path / "var") as worker, broker_sender(redis_broker) as sender:
        token = _wait_for_ping(sender, worker)
        assert "portal.tasks.ping[" in worker.log()
    assert _entries("portal.worker.ping", token=token).count() == 1


def test_workers_sharing_a_redis_database_under_different_prefixes_never_take_each_others_messages(tmp_path):
    with private_redis_broker() as ours, private_redis_broker() as theirs:
        assert ours.url == theirs.url and ours.key_prefix != theirs.key_prefix
        with celery_worker(theirs, var_dir=tmp_path / "var") as worker:
            with broker_sender(ours) as sender:
                sender.send_task("portal.tasks.ping", args=["ours"])
            with broker_sender(theirs) as sender:
                _wait_for_ping(sender, worker)
            # Their worker has drained its own queue; ours still holds our message, untouched.
            with ours.client() as client:
                assert client.llen(f"{ours.key_prefix}celery") == 1
            assert not _entries("portal.worker.ping", token="ours").exists()
        with celery_worker(ours, var_dir=tmp_path / "var2") as worker:
            wait_for(
                lambda: _entries("portal.worker.ping", token="ours").exists(),
                timeout=300,
                message="our worker to run our message",
                worker=worker,
            )
        assert ours.own_keys() and theirs.own_keys()
        assert ours.delete_keys() > 0
        assert not ours.own_keys() and theirs.own_keys()


def test_worker_runs_a_task_sent_through_the_embedded_broker(tmp_path):
    var_dir = tmp_path / "var"
    with celery_worker(None, var_dir=var_dir) as worker, broker_sender(worker.broker_url) as sender:
        assert worker.broker_url == embedded_broker_url(var_dir)
        token = _wait_for_ping(sender, worker)
    assert _entries("portal.worker.ping", token=token).count() == 1
    assert (var_dir / "broker.sqlite3").exists()


# --- exactly once under a burst ---------------------------------------------


def test_burst_of_2000_tasks_on_the_embedded_broker_runs_each_exactly_once(tmp_path):
    total, senders = 2000, 2
    run = _token()
    errors = []

    def send(start, sender):
        try:
            with sender.producer_or_acquire() as producer:
                for seq in range(start, total, senders):
                    sender.send_task("portal.tasks.record_delivery", args=[run, seq], producer=producer)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    with celery_worker(None, var_dir=tmp_path / "var") as worker, broker_sender(worker.broker_url) as sender:
        threads = [threading.Thread(target=send, args=(i, sender)) for i in range(senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        rows = _entries("portal.worker.delivery", run=run)
        wait_for(
            lambda: rows.count() >= total,
            timeout=600,
            interval=0.5,
            message=f"{total} deliveries",
            seen=lambda: f"{rows.count()} deliveries",
            worker=worker,
        )
        time.sleep(1)  # a duplicate would arrive right behind the last message
        assert _broker_rows(worker.broker_url) == (0, total)

    seqs = list(rows.values_list("data__seq", flat=True))
    assert len(seqs) == total
    assert sorted(seqs) == list(range(total))


# --- hard kill ----------------------------------------------------------------


def _start_sleeper(sender, worker, seconds):
    token = _token()
    sender.send_task("portal.tasks.sleep_then_record", args=[token, seconds])
    wait_for(
        lambda: _entries("portal.worker.sleep.started", token=token).exists(),
        timeout=300,
        message="the sleeper to start",
        worker=worker,
    )
    return token


def test_hard_kill_on_embedded_broker_loses_held_message_which_sweepers_must_cover(tmp_path):
    var_dir, seconds = tmp_path / "var", 3
    with celery_worker(None, var_dir=var_dir, name="doomed") as worker, broker_sender(worker.broker_url) as sender:
        token = _start_sleeper(sender, worker, seconds)
        worker.hard_kill()
        # The broker already counts the message as consumed: nothing left to redeliver.
        assert _broker_rows(worker.broker_url) == (0, 1)

    with celery_worker(None, var_dir=var_dir, name="successor") as worker, broker_sender(worker.broker_url) as sender:
        _wait_for_ping(sender, worker)  # the new worker consumes; the lost message was not queued ahead of the ping
        time.sleep(seconds + 2)  # long enough for a redelivered sleeper to start and finish
    assert _entries("portal.worker.sleep.started", token=token).count() == 1
    assert not _entries("portal.worker.sleep.finished", token=token).exists()


def test_hard_kill_on_redis_redelivers_acks_late_message_after_visibility_timeout(redis_broker, tmp_path):
    # A worker restores the unacked messages older than its own visibility timeout when it
    # starts (and then about every 100 s, kombu). So the timeout is the restoring worker's:
    # the "early" worker keeps the default hour, which has not passed for the held message
    # however slowly the machine runs; the "late" one a few seconds, which have passed once
    # it starts. (DEBUG lets a worker's timeout go under the production minimum of 60 s.)
    # The late worker's next restore check comes ~100 s after it starts, long after the
    # redelivered 3-second sleeper has run and been acknowledged.
    short = 5
    var_dir, seconds = tmp_path / "var", 3
    with (
        celery_worker(redis_broker, var_dir=var_dir, name="doomed") as worker,
        broker_sender(redis_broker) as sender,
    ):
        token = _start_sleeper(sender, worker, seconds)
        killed_at = time.monotonic()
        worker.hard_kill()
    with redis_broker.client() as client:
        assert client.hlen(f"{redis_broker.key_prefix}unacked") == 1  # held, not lost

    # A worker whose visibility timeout has not passed runs new work but leaves the held message alone.
    with (
        celery_worker(
            redis_broker, var_dir=var_dir, env_extra={"CELERY_VISIBILITY_TIMEOUT": "3600"}, name="early"
        ) as worker,
        broker_sender(redis_broker) as sender,
    ):
        _wait_for_ping(sender, worker)
        time.sleep(1)
        assert _entries("portal.worker.sleep.started", token=token).count() == 1
    with redis_broker.client() as client:
        assert client.hlen(f"{redis_broker.key_prefix}unacked") == 1  # still held

    # Once its timeout has passed, the next worker to start restores the message and runs it, once.
    time.sleep(max(0.0, killed_at + short + 1 - time.monotonic()))
    with celery_worker(
        redis_broker, var_dir=var_dir, env_extra={"CELERY_VISIBILITY_TIMEOUT": str(short)}, name="late"
    ) as worker:
        wait_for(
            lambda: _entries("portal.worker.sleep.finished", token=token).exists(),
            timeout=300,
            message="the redelivered sleeper to finish",
            seen=lambda: f"{_entries('portal.worker.sleep.started', token=token).count()} starts of the sleeper",
            worker=worker,
        )
    assert _entries("portal.worker.sleep.started", token=token).count() == 2
    assert _entries("portal.worker.sleep.finished", token=token).count() == 1


# --- pruning the embedded broker --------------------------------------------


def test_prune_deletes_only_consumed_messages_older_than_the_cutoff(tmp_path):
    var_dir = tmp_path / "var"
    url = embedded_broker_url(var_dir)
    with celery_worker(None, var_dir=var_dir) as worker, broker_sender(url) as sender:
        for _ in range(5):
            _wait_for_ping(sender, worker)
        wait_for(
            lambda: _broker_rows(url) == (0, 5),
            timeout=300,
            message="5 consumed messages (visible, consumed)",
            seen=lambda: _broker_rows(url),
        )
        worker.stop()
        for i in range(3):  # queued with no worker running: never consumed
            sender.send_task("portal.tasks.record_delivery", args=["unconsumed", i])
    assert _broker_rows(url) == (3, 5)

    assert prune_consumed_messages(older_than=timezone.now() - timedelta(hours=1), url=url) == 0
    assert _broker_rows(url) == (3, 5)
    assert prune_consumed_messages(older_than=timezone.now() + timedelta(seconds=1), url=url) == 5
    assert _broker_rows(url) == (3, 0)


def test_prune_uses_the_configured_broker_and_ignores_a_missing_file(settings, tmp_path):
    settings.CELERY_BROKER_URL = embedded_broker_url(tmp_path / "nowhere")
    assert prune_consumed_messages(older_than=timezone.now()) == 0
    assert not (tmp_path / "nowhere").exists()
