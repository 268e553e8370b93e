"""The webhook data migrations fill what they add for the rows that exist.

Rows are written with the models as they were before (the migration state), then the
app is migrated forward to its newest migration and read with today's models.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from api.models import DisabledBy, WebhookDelivery, WebhookSubscription
from api.webhooks.secret_storage import secret_decrypt
from tests import factories

BEFORE = ("api", "0004_webhooks")
SECRET = "whsec_" + "A" * 43 + "="
OLD_SECRET = "whsec_" + "B" * 43 + "="


def _executor():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


def _latest():
    return [key for key in _executor().loader.graph.leaf_nodes() if key[0] == "api"]


@pytest.fixture
def old_apps(transactional_db):
    """The api app migrated back to BEFORE: its historical models. Forward to the newest migration afterwards."""
    executor = _executor()
    executor.migrate([BEFORE])
    yield _executor().loader.project_state([BEFORE]).apps
    _executor().migrate(_latest())


def _migrate_forward():
    _executor().migrate(_latest())


def test_who_turned_a_subscription_off_and_when_a_delivery_was_given_up_are_filled_in(old_apps):
    Subscription = old_apps.get_model("api", "WebhookSubscription")
    Event = old_apps.get_model("api", "WebhookEvent")
    Delivery = old_apps.get_model("api", "WebhookDelivery")
    Attempt = old_apps.get_model("api", "WebhookAttempt")
    organisation_id = factories.OrganisationFactory().pk
    now = timezone.now()

    def subscription(active, reason=""):
        return Subscription.objects.create(
            organisation_id=organisation_id,
            url="https://hooks.example/",
            secret=SECRET,
            active=active,
            disabled_reason=reason,
            disabled_at=None if active else now,
        )

    on = subscription(True)
    gone = subscription(False, "The endpoint answered 410 Gone.")
    failing = subscription(False, "Every attempt has failed since 2026-11-01 10:00 UTC (24 hours or more).")
    by_owner = subscription(False, "Turned off by alice.")
    event = Event.objects.create(organisation_id=organisation_id, type="webhook.test", occurred_at=now, source="test")
    given_up = Delivery.objects.create(event=event, subscription=on, status="failed", attempts=2)
    for number, minutes in ((1, 30), (2, 10)):
        Attempt.objects.create(
            delivery=given_up, number=number, started_at=now - timedelta(minutes=minutes), outcome="failed"
        )
    given_up_unlogged = Delivery.objects.create(
        event=event, subscription=gone, status="failed", created_at=now - timedelta(hours=3)
    )
    pending = Delivery.objects.create(event=event, subscription=failing, status="pending", next_attempt_at=now)

    _migrate_forward()

    by = dict(WebhookSubscription.objects.values_list("pk", "disabled_by"))
    assert by == {
        on.pk: "",
        gone.pk: DisabledBy.GONE,
        failing.pk: DisabledBy.FAILING,
        by_owner.pk: DisabledBy.OWNER,
    }
    failed_at = dict(WebhookDelivery.objects.values_list("pk", "failed_at"))
    assert failed_at == {
        given_up.pk: now - timedelta(minutes=10),  # its last attempt
        given_up_unlogged.pk: now - timedelta(hours=3),  # no attempt on record: its creation
        pending.pk: None,
    }


def _columns():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_webhooksubscription ORDER BY id")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_secrets_kept_in_clear_are_encrypted_and_decrypted_again_going_back(old_apps):
    Subscription = old_apps.get_model("api", "WebhookSubscription")
    organisation_id = factories.OrganisationFactory().pk
    rotated = Subscription.objects.create(
        organisation_id=organisation_id,
        url="https://hooks.example/a",
        secret=SECRET,
        previous_secret=OLD_SECRET,
        previous_secret_until=timezone.now() + timedelta(hours=1),
    )
    plain = Subscription.objects.create(organisation_id=organisation_id, url="https://hooks.example/b", secret=SECRET)

    _migrate_forward()

    rows = {row["id"]: row for row in _columns()}
    assert "secret" not in rows[rotated.pk] and "previous_secret" not in rows[rotated.pk]
    assert not any("whsec_" in str(value) for row in rows.values() for value in row.values())
    assert secret_decrypt(rows[rotated.pk]["secret_encrypted"]) == SECRET
    assert secret_decrypt(rows[rotated.pk]["previous_secret_encrypted"]) == OLD_SECRET
    assert secret_decrypt(rows[plain.pk]["secret_encrypted"]) == SECRET
    assert rows[plain.pk]["previous_secret_encrypted"] == ""
    # Two rows with one secret do not look alike.
    assert rows[rotated.pk]["secret_encrypted"] != rows[plain.pk]["secret_encrypted"]

    _executor().migrate([("api", "0007_webhook_delivery_lease")])
    back = {row["id"]: row for row in _columns()}
    assert (back[rotated.pk]["secret"], back[rotated.pk]["previous_secret"]) == (SECRET, OLD_SECRET)
    assert (back[plain.pk]["secret"], back[plain.pk]["previous_secret"]) == (SECRET, "")
