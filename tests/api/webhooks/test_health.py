"""/health/ tells staff (and the token's holder) about the webhook backlog and what gave up lately; the public nothing.

A warning, never a failure: HTTP 200 and the instance stays in its load balancer.
"""

import secrets
from datetime import timedelta

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone

from api.models import DeliveryStatus, WebhookDelivery
from api.webhooks.delivery import deliveries_send_due, delivery_claim
from api.webhooks.subscriptions import webhook_redeliver, webhook_subscription_update, webhook_test_send
from tests import factories
from tests.api.webhooks.receiver import fail_first, receiver_start, receiver_stop

TOKEN = secrets.token_urlsafe(32)
CALM = {"due": 0, "overdue": 0, "in_flight": 0, "failed_last_24h": 0, "disabled_automatically_last_24h": 0}


@pytest.fixture
def owner(brand_a):
    return factories.member_of(brand_a.organisation, role="owner")


@pytest.fixture
def staff(db):
    return factories.UserFactory(is_superuser=True)


def _health(client):
    response = client.get("/health/")
    assert response.status_code == 200, response.content  # a warning keeps the instance in
    body = response.json()
    return body["status"], body["checks"].get("webhooks")


def _figures(check):
    return {name: check[name] for name in CALM}


def _send_due():
    with TestCase.captureOnCommitCallbacks(execute=True):
        return deliveries_send_due()


def test_a_calm_system_reports_zeros_and_no_warning(client, staff):
    client.force_login(staff)
    status, check = _health(client)
    assert status == "ok"
    assert check["ok"] is True and _figures(check) == CALM and "warning" not in check


def test_a_backlog_is_normal_until_it_is_overdue(client, staff, brand_a, owner, subscribe, receiver):
    client.force_login(staff)
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(3):
            webhook_test_send(subscription_id=subscription.pk, actor=owner)  # no commit: nobody sends them
        status, check = _health(client)
        assert status == "ok" and _figures(check) == {**CALM, "due": 3}

        clock.move_to(start + timedelta(minutes=5, seconds=1))
        status, check = _health(client)
        assert status == "warning"
        assert _figures(check) == {**CALM, "due": 3, "overdue": 3}
        assert "3 webhook delivery(ies) due for more than 5 min" in check["warning"]
        assert "/admin/api/webhookdelivery/?state=due" in check["warning"]

        # A subscription that is off holds its deliveries back: not a backlog of the workers.
        webhook_subscription_update(subscription_id=subscription.pk, actor=owner, active=False)
        status, check = _health(client)
        assert status == "ok" and _figures(check) == CALM

        with TestCase.captureOnCommitCallbacks(execute=True):
            webhook_subscription_update(subscription_id=subscription.pk, actor=owner, active=True)  # sent now
        status, check = _health(client)
        assert status == "ok" and _figures(check) == CALM
    assert len(receiver.processed) == 3


def test_deliveries_given_up_warn_for_a_day(client, staff, brand_a, owner, subscribe, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [1]
    client.force_login(staff)
    receiver = receiver_start(fail_first(99, status=500))
    try:
        subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            with TestCase.captureOnCommitCallbacks(execute=True):
                delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)  # first attempt: 500
            status, check = _health(client)
            assert status == "ok" and _figures(check) == CALM, "retrying is normal"
            clock.move_to(start + timedelta(seconds=1))
            assert _send_due() == 1  # the last attempt: given up
            delivery.refresh_from_db()
            assert delivery.status == DeliveryStatus.FAILED and delivery.failed_at == timezone.now()
            status, check = _health(client)
            assert status == "warning" and _figures(check) == {**CALM, "failed_last_24h": 1}
            assert "1 webhook delivery(ies) given up in the last 24 h" in check["warning"]

            clock.move_to(start + timedelta(hours=24, seconds=2))
            status, check = _health(client)
            assert status == "ok" and _figures(check) == CALM, "a day later it is history"

            # Redelivered, it is pending again and no longer counts as given up.
            clock.move_to(start + timedelta(hours=1))
            webhook_redeliver(delivery_id=delivery.pk, actor=owner)
            delivery.refresh_from_db()
            assert delivery.failed_at is None and _health(client)[1]["failed_last_24h"] == 0
    finally:
        receiver_stop(receiver)


def test_subscriptions_turned_off_automatically_warn_and_those_turned_off_by_hand_do_not(
    client, staff, brand_a, owner, subscribe, receiver
):
    client.force_login(staff)
    gone = receiver_start(fail_first(99, status=410))
    try:
        by_410, _ = subscribe(brand_a.organisation, gone.url, actor=owner)
        by_hand, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
        webhook_subscription_update(subscription_id=by_hand.pk, actor=owner, active=False)
        with TestCase.captureOnCommitCallbacks(execute=True):
            webhook_test_send(subscription_id=by_410.pk, actor=owner)
    finally:
        receiver_stop(gone)
    status, check = _health(client)
    assert status == "warning"
    # The 410's delivery is given up too.
    assert _figures(check) == {**CALM, "failed_last_24h": 1, "disabled_automatically_last_24h": 1}
    assert "1 webhook subscription(s) turned off automatically in the last 24 h" in check["warning"]
    assert "/admin/api/webhooksubscription/?off=automatically" in check["warning"]
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        assert _health(client)[0] == "ok"


def test_the_public_learns_nothing_and_the_token_holder_everything(client, settings, brand_a, owner, subscribe):
    settings.HEALTH_CHECK_TOKEN = TOKEN
    subscription, _ = subscribe(brand_a.organisation, "http://127.0.0.1:9/hooks", actor=owner)
    webhook_test_send(subscription_id=subscription.pk, actor=owner, now=timezone.now() - timedelta(hours=1))
    public = client.get("/health/").json()
    assert public["status"] == "ok" and "webhooks" not in public["checks"]
    detailed = client.get("/health/", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert detailed["status"] == "warning" and detailed["checks"]["webhooks"]["overdue"] == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING  # the probe sends nothing


def test_the_check_costs_four_queries(staff, django_assert_num_queries, brand_a, owner, subscribe, receiver):
    from api.webhooks.health import webhooks_health

    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    for _ in range(5):
        webhook_test_send(subscription_id=subscription.pk, actor=owner)
    delivery_claim()  # one attempt under way (its worker never records it here)
    with django_assert_num_queries(4):
        assert webhooks_health() | {"warning": ""} == {**CALM, "due": 4, "in_flight": 1, "warning": ""}
