"""One slow endpoint holds at most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT workers; the others deliver everyone else.

Proved with a real receiver on 127.0.0.1 that holds its requests and counts how many
it answers at once, against real concurrency: worker threads sharing PostgreSQL,
and real Celery worker processes. Deliveries over the limit wait, still due: no
attempt is counted for them. A killed worker's place comes back when its lease runs out.
"""

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from api.models import DeliveryStatus, WebhookDelivery
from api.webhooks import subscriptions as subscriptions_module
from api.webhooks.delivery import deliveries_send_due, delivery_attempt, delivery_claim
from api.webhooks.subscriptions import webhook_test_send
from tests import factories
from tests.api.webhooks.receiver import receiver_start, receiver_stop
from tests.services import needs_postgres
from tests.workers import broker_sender, celery_worker, wait_for

WAIT = 30  # seconds: a loaded two-core machine can be ten times slower than a quiet one


@pytest.fixture
def owner(brand_a):
    return factories.member_of(brand_a.organisation, role="owner")


@pytest.fixture
def endpoints():
    """A slow endpoint (each request held until ``slow.gate.set()``, then 0.1 s) and a quick one."""
    slow, quick = receiver_start(held=True, pause=0.1), receiver_start()
    yield slow, quick
    slow.gate.set()
    receiver_stop(slow)
    receiver_stop(quick)


def _queue(subscription, owner, count, start):
    """``count`` test deliveries due since ``start``, without sending them after commit."""
    return [
        webhook_test_send(subscription_id=subscription.pk, actor=owner, now=start + timedelta(milliseconds=n)).pk
        for n in range(count)
    ]


def _attempts(subscription):
    return sorted(WebhookDelivery.objects.filter(subscription=subscription).values_list("status", "attempts"))


def _all_delivered(subscription, count):
    return WebhookDelivery.objects.filter(subscription=subscription, status=DeliveryStatus.DELIVERED).count() == count


def _seen(slow, quick, slow_subscription, quick_subscription):
    return lambda: (
        f"slow: {slow.in_flight} in flight (most {slow.most_in_flight}), {len(slow.requests)} answered, "
        f"{_attempts(slow_subscription)}; quick: {len(quick.requests)} answered, {_attempts(quick_subscription)}"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_threads_give_a_slow_endpoint_its_limit_and_deliver_the_others_meanwhile(
    brand_a, owner, subscribe, endpoints, settings, monkeypatch
):
    needs_postgres()
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 2
    settings.WEBHOOK_TIMEOUT_SECONDS = 60  # held requests must not time out while the test looks
    slow, quick = endpoints
    slow_subscription, _ = subscribe(brand_a.organisation, slow.url, actor=owner)
    quick_subscription, _ = subscribe(brand_a.organisation, quick.url, actor=owner)
    monkeypatch.setattr(subscriptions_module, "deliveries_dispatch", lambda: None)  # the threads below send
    # The slow endpoint's deliveries are the most overdue: without a limit every worker would take one.
    start = timezone.now() - timedelta(minutes=1)
    _queue(slow_subscription, owner, 10, start)
    _queue(quick_subscription, owner, 10, start + timedelta(seconds=1))

    stop, errors = threading.Event(), []

    def worker():
        try:
            while not stop.is_set():
                if not deliveries_send_due():
                    time.sleep(0.05)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(6)]
    seen = _seen(slow, quick, slow_subscription, quick_subscription)
    try:
        for thread in threads:
            thread.start()
        wait_for(lambda: slow.in_flight == 2, timeout=WAIT, message="two requests held at the slow endpoint", seen=seen)
        wait_for(
            lambda: _all_delivered(quick_subscription, 10),
            timeout=WAIT,
            message="the quick endpoint's deliveries, while the slow one holds its requests",
            seen=seen,
        )
        assert slow.in_flight == 2 and slow.most_in_flight == 2, seen()
        # The others wait, still due and never attempted: deferred, not failed.
        assert _attempts(slow_subscription) == [("pending", 0)] * 8 + [("pending", 1)] * 2

        slow.gate.set()
        wait_for(
            lambda: _all_delivered(slow_subscription, 10),
            timeout=WAIT,
            message="the slow endpoint's deliveries, two at a time",
            seen=seen,
        )
    finally:
        stop.set()
        slow.gate.set()
        for thread in threads:
            thread.join(timeout=WAIT)
    assert not errors and not any(thread.is_alive() for thread in threads)
    assert slow.most_in_flight == 2, "never more than the limit at once"
    assert _attempts(slow_subscription) == [("delivered", 1)] * 10
    assert _attempts(quick_subscription) == [("delivered", 1)] * 10
    assert len(slow.requests) == 10 and set(slow.attempts.values()) == {1}
    assert not WebhookDelivery.objects.filter(claimed_until__isnull=False).exists(), "every lease ended"


def test_a_killed_workers_place_is_free_again_when_its_lease_runs_out(brand_a, owner, subscribe, receiver, settings):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 1
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    other, _ = subscribe(brand_a.organisation, receiver.url + "/other", actor=owner)
    start = timezone.now()
    first, second = _queue(subscription, owner, 2, start)
    (elsewhere,) = _queue(other, owner, 1, start + timedelta(seconds=1))
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        claimed, number = delivery_claim()  # ... and its worker is killed: it never records
        assert (claimed.pk, number) == (first, 1)
        # The subscription is at its limit: its second delivery waits; another subscription's goes.
        claimed_elsewhere, number_elsewhere = delivery_claim()
        assert claimed_elsewhere.pk == elsewhere
        assert delivery_claim() is None
        assert delivery_attempt(elsewhere, number_elsewhere) == "delivered"
        waiting = WebhookDelivery.objects.get(pk=second)
        assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == (
            "pending",
            0,
            start + timedelta(milliseconds=1),
        )
    lease = WebhookDelivery.objects.get(pk=first).claimed_until
    with time_machine.travel(lease - timedelta(seconds=1), tick=False):
        assert delivery_claim() is None, "the killed worker's place is still taken"
    with time_machine.travel(lease + timedelta(seconds=1), tick=False):
        taken, number = delivery_claim()
        assert (taken.pk, number) == (second, 1), "the most overdue first"
        assert delivery_claim() is None, "one place again"
        assert delivery_attempt(second, number) == "delivered"
        retried, number = delivery_claim()  # the place is free: the killed worker's delivery again
        assert (retried.pk, number) == (first, 2)
        assert delivery_attempt(first, number) == "delivered"
    assert sorted(WebhookDelivery.objects.filter(subscription=subscription).values_list("attempts", "status")) == [
        (1, "delivered"),
        (2, "delivered"),
    ]
    assert WebhookDelivery.objects.get(pk=first).claimed_until is None


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_celery_worker_processes_keep_the_limit_too(brand_a, owner, subscribe, endpoints, redis_broker, tmp_path):
    needs_postgres()
    slow, quick = endpoints
    slow_subscription, _ = subscribe(brand_a.organisation, slow.url, actor=owner)
    quick_subscription, _ = subscribe(brand_a.organisation, quick.url, actor=owner)
    start = timezone.now() - timedelta(minutes=1)
    _queue(slow_subscription, owner, 4, start)
    _queue(quick_subscription, owner, 4, start + timedelta(seconds=1))
    seen = _seen(slow, quick, slow_subscription, quick_subscription)
    worker_env = {
        "WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT": "1",
        "WEBHOOK_ALLOW_HTTP": "1",
        "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
        "WEBHOOK_TIMEOUT_SECONDS": "60",
    }
    # Two processes (the worker's prefork pool); without the limit both would wait on the slow endpoint.
    with celery_worker(redis_broker, var_dir=tmp_path / "worker", env_extra=worker_env) as worker:
        with broker_sender(redis_broker) as sender:
            for _ in range(4):
                sender.send_task("api.tasks.webhooks_deliver_due")
        wait_for(
            lambda: slow.in_flight == 1 and _all_delivered(quick_subscription, 4),
            timeout=WAIT,
            message="the quick endpoint's deliveries while one process waits on the slow endpoint",
            seen=seen,
            worker=worker,
        )
        assert slow.most_in_flight == 1, seen()
        assert _attempts(slow_subscription) == [("pending", 0)] * 3 + [("pending", 1)]
        slow.gate.set()
        with broker_sender(redis_broker) as sender:
            sender.send_task("api.tasks.webhooks_deliver_due")  # as beat would, every 5 s
        wait_for(
            lambda: _all_delivered(slow_subscription, 4),
            timeout=WAIT,
            message="the slow endpoint's deliveries, one at a time",
            seen=seen,
            worker=worker,
        )
    assert slow.most_in_flight == 1
    assert _attempts(slow_subscription) == [("delivered", 1)] * 4
    assert len(slow.requests) == 4 and len(quick.requests) == 4
