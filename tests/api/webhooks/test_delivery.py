"""Delivery: a real endpoint on 127.0.0.1, signatures checked by the reference library, retries on the schedule.

Time is moved with time-machine, so the schedule's minutes and hours pass in no time.
"""

import json
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from api.models import AttemptOutcome, DeliveryStatus, DisabledBy, WebhookAttempt, WebhookDelivery, WebhookSubscription
from api.webhooks import outbound
from api.webhooks import subscriptions as subscriptions_module
from api.webhooks.delivery import deliveries_send_due, delivery_attempt, delivery_claim
from api.webhooks.subscriptions import webhook_redeliver, webhook_secret_rotate, webhook_test_send
from portal.models import AuditLogEntry
from portal.public_ids import encode
from takedowns.models import Notification
from tests import factories
from tests.api.webhooks.receiver import fail_first, receiver_start, receiver_stop
from tests.services import needs_postgres
from tests.takedowns.conftest import draft, file_notice


def _send_due():
    with TestCase.captureOnCommitCallbacks(execute=True):
        return deliveries_send_due()


def _delay_seconds(delivery):
    attempts = list(delivery.attempt_log.order_by("number"))
    return attempts[-1].next_attempt_at


@pytest.fixture
def owner(brand_a):
    return factories.member_of(brand_a.organisation, role="owner", email="owner@brand-a.test")


def test_a_receiver_failing_three_times_gets_each_event_exactly_once(brand_a, owner, asset_a, listing, subscribe):
    receiver = receiver_start(fail_first(3))
    try:
        subscription, secret = subscribe(brand_a.organisation, receiver.url, actor=owner)
        receiver.secret = secret
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            notice = file_notice(owner, brand_a, [draft(listing, asset_a)]).notice  # sent at once, after commit
            item = notice.items.get()
            deliveries = list(WebhookDelivery.objects.filter(subscription=subscription).select_related("event"))
            assert sorted(d.event.type for d in deliveries) == ["notice_item.queued", "notice_item.submitted"]
            assert set(receiver.attempts.values()) == {1}
            # The specification's schedule: 5 s, 5 min, 30 min after the first, second and third failures.
            elapsed = 0
            for wait in (5, 300, 1800):
                clock.move_to(start + timedelta(seconds=elapsed + wait - 1))
                assert _send_due() == 0, "nothing is due before its time"
                clock.move_to(start + timedelta(seconds=elapsed + wait))
                assert _send_due() == 2
                elapsed += wait
            clock.move_to(start + timedelta(days=3))
            assert _send_due() == 0, "delivered messages are not sent again"
    finally:
        receiver_stop(receiver)

    assert all(request.verified for request in receiver.requests), "every attempt carries a valid signature"
    assert len(receiver.requests) == 8 and set(receiver.attempts.values()) == {4}
    assert len(receiver.processed) == 2, "each event processed exactly once"
    bodies = {json.loads(body)["type"]: json.loads(body) for body in receiver.processed.values()}
    queued = bodies["notice_item.queued"]
    assert set(queued) == {"type", "timestamp", "data"}
    assert queued["data"] == {
        "item": encode("itm", item.public_id),
        "notice": encode("ntc", notice.public_id),
        "listing": encode("lst", listing.public_id),
        "action": "queued",
        "from_status": "submitted",
        "to_status": "pending_review",
        "reason": item.events.get(action="queued").reason,
    }
    assert queued["timestamp"].endswith("Z")
    # Every attempt of one message carries the same id and the very same body.
    for msg_id in receiver.attempts:
        assert len({r.body for r in receiver.requests if r.headers["webhook-id"] == msg_id}) == 1
    for delivery in WebhookDelivery.objects.filter(subscription=subscription):
        assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 4
        log = list(delivery.attempt_log.order_by("number"))
        assert [a.outcome for a in log] == ["retry", "retry", "retry", "delivered"]
        assert [a.status_code for a in log] == [500, 500, 500, 200]
        assert all(a.latency_ms is not None and a.response_excerpt == "ok" for a in log)
        waits = [(log[n].next_attempt_at - log[n].started_at).total_seconds() for n in range(3)]
        assert [round(w) for w in waits] == [5, 300, 1800]
    subscription.refresh_from_db()
    assert subscription.active and subscription.failing_since is None


def test_a_redelivery_is_the_same_message_which_the_receiver_drops(brand_a, owner, subscribe, receiver):
    subscription, secret = subscribe(brand_a.organisation, receiver.url, actor=owner)
    receiver.secret = secret
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
    assert len(receiver.processed) == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhook_redeliver(delivery_id=delivery.pk, actor=owner)
    assert len(receiver.requests) == 2 and all(r.verified for r in receiver.requests)
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]
    assert len(receiver.processed) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2 and delivery.manual


def test_retry_after_and_429_are_honoured(brand_a, owner, subscribe):
    receiver = receiver_start(fail_first(1, status=429, headers={"Retry-After": "600"}))
    try:
        subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
        with TestCase.captureOnCommitCallbacks(execute=True):
            delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
        attempt = WebhookAttempt.objects.get(delivery=delivery)
        assert attempt.status_code == 429 and attempt.outcome == AttemptOutcome.RETRY
        assert round((attempt.next_attempt_at - attempt.started_at).total_seconds()) == 600  # not the schedule's 5 s
        with time_machine.travel(attempt.started_at + timedelta(seconds=300), tick=False):
            assert _send_due() == 0
        with time_machine.travel(attempt.started_at + timedelta(seconds=601), tick=False):
            assert _send_due() == 1
    finally:
        receiver_stop(receiver)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_410_gone_disables_the_subscription_and_tells_its_owners(brand_a, owner, subscribe):
    receiver = receiver_start(fail_first(99, status=410))
    try:
        subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
        with TestCase.captureOnCommitCallbacks(execute=True):
            delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
    finally:
        receiver_stop(receiver)
    subscription.refresh_from_db()
    delivery.refresh_from_db()
    assert not subscription.active and "410" in subscription.disabled_reason
    assert subscription.disabled_by == DisabledBy.GONE
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempt_log.get().outcome == AttemptOutcome.GONE
    assert Notification.objects.filter(recipient=owner, subject__startswith="Webhook disabled").count() == 1
    assert AuditLogEntry.objects.filter(action="api.webhook.disabled", object_id=str(subscription.pk)).exists()
    assert [m.to for m in mail.outbox] == [["owner@brand-a.test"]]


def test_a_subscription_failing_for_24_hours_is_disabled_and_its_owner_notified(brand_a, owner, subscribe):
    receiver = receiver_start(fail_first(99))
    try:
        subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            with TestCase.captureOnCommitCallbacks(execute=True):
                delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
            # Follow the schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h (17 h 35 min in), 14 h (31 h 35 min in).
            while True:
                delivery.refresh_from_db()
                subscription.refresh_from_db()
                if not subscription.active:
                    break
                assert timezone.now() - start < timedelta(hours=24), "still on after a day of failures"
                clock.move_to(delivery.next_attempt_at)
                assert _send_due() == 1
    finally:
        receiver_stop(receiver)
    assert subscription.disabled_at - start >= timedelta(hours=24)
    assert delivery.attempts == 8  # 17 h 35 min in it was still on; the attempt 31 h 35 min in turned it off
    assert "24 hours" in subscription.disabled_reason and subscription.disabled_by == DisabledBy.FAILING
    assert subscription.failing_since is not None
    notification = Notification.objects.get(recipient=owner, subject__startswith="Webhook disabled")
    assert subscription.url in notification.body and "24 hours" in notification.body
    assert len(mail.outbox) == 1
    # Disabled: due deliveries wait, nothing is sent.
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        assert _send_due() == 0
    assert len(receiver.requests) == 8


def test_a_delivery_is_given_up_after_the_last_wait(brand_a, owner, subscribe, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [1, 2]
    receiver = receiver_start(fail_first(99, status=503))
    try:
        subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
        with TestCase.captureOnCommitCallbacks(execute=True):
            delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
        for _ in range(2):
            delivery.refresh_from_db()
            with time_machine.travel(delivery.next_attempt_at, tick=False):
                assert _send_due() == 1
    finally:
        receiver_stop(receiver)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert [a.outcome for a in delivery.attempt_log.order_by("number")] == ["retry", "retry", "failed"]
    assert WebhookSubscription.objects.get(pk=subscription.pk).active  # failed for seconds, not a day


def test_an_endpoint_that_now_resolves_to_a_private_address_is_not_called(
    brand_a, owner, subscribe, receiver, monkeypatch
):
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    monkeypatch.setattr(outbound.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.0.0.7", 80))])
    WebhookSubscription.objects.filter(pk=subscription.pk).update(url="http://hooks.example.com/in")
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
    attempt = delivery.attempt_log.get()
    assert attempt.outcome == AttemptOutcome.REFUSED and "10.0.0.7" in attempt.error
    assert attempt.status_code is None and attempt.next_attempt_at is not None
    assert receiver.requests == []


def test_after_a_rotation_both_secrets_sign_for_a_while(brand_a, owner, subscribe, receiver):
    subscription, old = subscribe(brand_a.organisation, receiver.url, actor=owner)
    subscription, new = webhook_secret_rotate(subscription_id=subscription.pk, actor=owner)
    assert new != old
    receiver.secret = old
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhook_test_send(subscription_id=subscription.pk, actor=owner)
    receiver.secret = new
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhook_test_send(subscription_id=subscription.pk, actor=owner)
    assert [r.verified for r in receiver.requests] == [True, True]
    assert len(receiver.requests[0].headers["webhook-signature"].split(" ")) == 2
    with (
        time_machine.travel(timezone.now() + timedelta(hours=25), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        webhook_test_send(subscription_id=subscription.pk, actor=owner)
    assert len(receiver.requests[2].headers["webhook-signature"].split(" ")) == 1


def test_a_worker_that_outlived_its_claim_changes_nothing_but_the_log(brand_a, owner, subscribe, receiver):
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)  # not sent: no commit
    first, number = delivery_claim()
    assert delivery_claim() is None, "a claimed delivery is not claimed twice"
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        second, number_2 = delivery_claim()  # the first claim ran out: another worker takes it
        assert (second.pk, number_2) == (delivery.pk, 2)
        delivery_attempt(delivery.pk, number)  # the slow first worker finally sends and records
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 2
        delivery_attempt(delivery.pk, number_2)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempt_log.count() == 2
    assert len(receiver.processed) == 1 and len(receiver.requests) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_deliveries_send_each_exactly_once(brand_a, subscribe, receiver, monkeypatch):
    needs_postgres()
    owner = factories.member_of(brand_a.organisation, role="owner")
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    # Created without sending them after commit: the racing workers below send them.
    monkeypatch.setattr(subscriptions_module, "deliveries_dispatch", lambda: None)
    for _ in range(40):
        webhook_test_send(subscription_id=subscription.pk, actor=owner)
    results, errors = [], []

    def work():
        from django.db import connection

        try:
            results.append(deliveries_send_due())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and not any(t.is_alive() for t in threads)
    assert sum(results) == 40
    assert len(receiver.requests) == 40 and set(receiver.attempts.values()) == {1}, "no delivery was sent twice"
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def _readme_webhook_verify():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "def webhook_verify" in b)
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 (our own README's example)
    return namespace["webhook_verify"]


def test_the_readme_verification_accepts_a_real_delivery_and_nothing_else(brand_a, owner, subscribe, receiver):
    webhook_verify = _readme_webhook_verify()
    subscription, secret = subscribe(brand_a.organisation, receiver.url, actor=owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhook_test_send(subscription_id=subscription.pk, actor=owner)
    (request,) = receiver.requests
    assert webhook_verify(secret, request.headers, request.body)["type"] == "webhook.test"
    with pytest.raises(ValueError):
        webhook_verify(secret, request.headers, request.body.replace(b"test", b"tesT"))
    with pytest.raises(ValueError):
        webhook_verify(secret, {**request.headers, "webhook-id": "evt_other"}, request.body)
    with pytest.raises(ValueError):
        webhook_verify(secret, {**request.headers, "webhook-timestamp": "1000000000"}, request.body)


def test_a_subscription_deleted_while_its_delivery_is_out_records_nothing(brand_a, owner, subscribe, receiver):
    from api.webhooks.subscriptions import webhook_subscription_delete

    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
    claimed, number = delivery_claim()
    webhook_subscription_delete(subscription_id=subscription.pk, actor=owner)
    assert delivery_attempt(claimed.pk, number) is None
    assert not WebhookDelivery.objects.filter(pk=delivery.pk).exists()
