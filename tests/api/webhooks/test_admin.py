"""Operators in the Django admin: webhooks read-only, turned off and on and redelivered through the services, audited.

No page shows a secret; an admin without the platform staff role changes nothing.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import DeliveryStatus, DisabledBy, WebhookDelivery, WebhookEvent, WebhookSubscription
from api.webhooks.subscriptions import webhook_secret_rotate, webhook_subscription_update, webhook_test_send
from portal.models import AuditLogEntry
from portal.roles import PlatformRole
from takedowns.models import Notification
from tests import factories
from tests.api.webhooks.receiver import fail_first, receiver_start, receiver_stop


@pytest.fixture
def owner(brand_a):
    return factories.member_of(brand_a.organisation, role="owner", email="owner@brand-a.test")


@pytest.fixture
def operator(client, db):
    user = factories.UserFactory(username="operator", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _changelist(model):
    return reverse(f"admin:api_{model._meta.model_name}_changelist")


def _change(obj):
    return reverse(f"admin:api_{obj._meta.model_name}_change", args=[obj.pk])


def _act(client, model, action, ids):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(_changelist(model), {"action": action, "_selected_action": ids}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_every_webhook_page_opens_read_only_and_shows_no_secret(client, operator, brand_a, owner, subscribe, receiver):
    subscription, secret = subscribe(brand_a.organisation, receiver.url, actor=owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
    _, new_secret = webhook_secret_rotate(subscription_id=subscription.pk, actor=owner)  # two secrets in use now
    event = WebhookEvent.objects.get()
    pages = [
        _changelist(WebhookSubscription),
        _change(subscription),
        _changelist(WebhookEvent),
        _change(event),
        _changelist(WebhookDelivery),
        _change(delivery),
    ]
    stored = WebhookSubscription.objects.values_list("secret_encrypted", "previous_secret_encrypted").get()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        for value in (secret, new_secret):
            # Neither the whsec_ value nor its base64 key (a part of it) appears anywhere.
            assert value.removeprefix("whsec_")[:16] not in html, f"a secret is on {page}"
        for value in stored:
            # Nor what is stored (a Fernet token: its end is the ciphertext and its MAC).
            assert value[-24:] not in html, f"a stored secret is on {page}"
        assert 'name="_save"' not in html  # nothing to save: the facts are read-only
    body = client.get(_change(delivery)).content.decode()
    assert "webhook.test" in body and "delivered" in body and receiver.url in body
    for model in (WebhookSubscription, WebhookEvent, WebhookDelivery):
        assert client.get(reverse(f"admin:api_{model._meta.model_name}_add")).status_code == 403


def test_an_operator_turns_a_subscription_off_audited_and_its_owners_are_told(
    client, operator, brand_a, owner, subscribe, receiver
):
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    body = _act(client, WebhookSubscription, "disable", [subscription.pk])
    assert "1 subscription(s) turned off." in body
    subscription.refresh_from_db()
    assert not subscription.active and subscription.disabled_by == DisabledBy.OPERATOR
    # The owners read the reason: it names no member of staff.
    assert subscription.disabled_reason == "Turned off by the platform's operators."
    entry = AuditLogEntry.objects.get(action="api.webhook.updated", object_id=str(subscription.pk))
    assert entry.actor == operator and entry.organisation_id == brand_a.organisation_id
    assert entry.data["via"] == "admin" and entry.data["changed"] == {"active": False}
    assert not any("whsec_" in str(value) for value in entry.data.values())
    notification = Notification.objects.get(recipient=owner, subject__startswith="Webhook disabled")
    assert "operators" in notification.body
    assert [m.to for m in mail.outbox] == [["owner@brand-a.test"]]

    # Run twice: nothing more happens, and nothing more is written.
    body = _act(client, WebhookSubscription, "disable", [subscription.pk])
    assert "0 subscription(s) turned off." in body
    assert AuditLogEntry.objects.filter(action="api.webhook.updated").count() == 1
    assert Notification.objects.filter(subject__startswith="Webhook disabled").count() == 1


def test_an_operator_turns_a_subscription_on_and_waiting_deliveries_go_out(
    client, operator, brand_a, owner, subscribe, receiver
):
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)  # not sent: no commit
    webhook_subscription_update(subscription_id=subscription.pk, actor=owner, active=False)
    body = _act(client, WebhookSubscription, "enable", [subscription.pk])
    assert "1 subscription(s) turned on." in body
    subscription.refresh_from_db()
    delivery.refresh_from_db()
    assert subscription.active and subscription.disabled_by == "" and subscription.disabled_reason == ""
    assert delivery.status == DeliveryStatus.DELIVERED and len(receiver.requests) == 1
    entry = AuditLogEntry.objects.filter(action="api.webhook.updated", actor=operator).get()
    assert entry.data["via"] == "admin" and entry.data["changed"] == {"active": True}
    # The owner's own change was by its owner.
    assert AuditLogEntry.objects.filter(action="api.webhook.updated", actor=owner).get().data.get("via") is None


def test_an_operator_redelivers_a_failed_delivery_through_the_owners_service(
    client, operator, brand_a, owner, subscribe
):
    receiver = receiver_start(fail_first(1, status=500))
    try:
        subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
        with TestCase.captureOnCommitCallbacks(execute=True):
            delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
        # Given up after that 500 (as after the last wait of the schedule).
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        body = _act(client, WebhookDelivery, "redeliver", [delivery.pk])
    finally:
        receiver_stop(receiver)
    assert "1 delivery(ies) sent again." in body
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.manual and delivery.attempts == 2
    assert [r.status for r in receiver.requests] == [500, 200] and len(receiver.processed) == 1
    entry = AuditLogEntry.objects.get(action="api.webhook.redelivered")
    assert entry.actor == operator and entry.data == {"url": subscription.url, "via": "admin", "delivery": delivery.pk}
    assert entry.organisation_id == brand_a.organisation_id


def test_a_redelivery_to_a_subscription_that_is_off_is_refused_with_the_reason(
    client, operator, brand_a, owner, subscribe, receiver
):
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
    webhook_subscription_update(subscription_id=subscription.pk, actor=owner, active=False)
    body = _act(client, WebhookDelivery, "redeliver", [delivery.pk])
    assert "0 delivery(ies) sent again." in body and "turn it on to redeliver" in body
    assert not AuditLogEntry.objects.filter(action="api.webhook.redelivered").exists()
    assert receiver.requests == []


def test_an_admin_without_the_platform_staff_role_changes_nothing(client, brand_a, owner, subscribe, receiver):
    # Django lets an is_staff user with the view permissions open the pages; the services still want staff.
    clerk = factories.UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="api", codename__in=["view_webhooksubscription", "view_webhookdelivery"]
        )
    )
    client.force_login(clerk)
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
    assert client.get(_changelist(WebhookSubscription)).status_code == 200
    body = _act(client, WebhookSubscription, "disable", [subscription.pk])
    assert "Only the organisation&#x27;s owners" in body
    body = _act(client, WebhookDelivery, "redeliver", [delivery.pk])
    assert "Only the organisation&#x27;s owners" in body
    subscription.refresh_from_db()
    assert subscription.active
    assert not AuditLogEntry.objects.filter(actor=clerk).exists()
    # With the role, the same user may.
    clerk.groups.add(Group.objects.get_or_create(name=PlatformRole.ADMIN)[0])
    assert "1 subscription(s) turned off." in _act(client, WebhookSubscription, "disable", [subscription.pk])


def test_an_operator_may_turn_a_subscription_off_and_on_and_change_nothing_else(brand_a, owner, subscribe, receiver):
    from django.core.exceptions import PermissionDenied

    staff = factories.UserFactory(is_superuser=True)
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    for change in ({"url": receiver.url + "/other"}, {"event_types": ["*"]}, {"description": "x"}):
        with pytest.raises(PermissionDenied):
            webhook_subscription_update(subscription_id=subscription.pk, actor=staff, active=False, **change)
    subscription.refresh_from_db()
    assert subscription.active and subscription.url == receiver.url


@pytest.mark.parametrize("model", [WebhookSubscription, WebhookEvent, WebhookDelivery], ids=lambda m: m.__name__)
def test_the_changelists_take_the_same_queries_for_two_rows_and_for_eight(
    client, operator, brand_a, owner, subscribe, receiver, model
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_changelist(model)).status_code == 200
        return len(queries)

    def add(n):
        for _ in range(n):
            subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
            webhook_test_send(subscription_id=subscription.pk, actor=owner, now=timezone.now())

    add(2)
    few = count()
    add(6)
    assert count() == few
