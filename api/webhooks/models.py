"""Webhook subscriptions, events, deliveries and the delivery log (imported by ``api.models``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import public_ids
from portal.models import Organisation


class DisabledBy(models.TextChoices):
    OWNER = "owner", _("Its owners (a page or a key)")
    OPERATOR = "operator", _("The platform's operators")
    GONE = "gone", _("Automatically: the endpoint answered 410 Gone")
    FAILING = "failing", _("Automatically: every attempt failed for a day")

    @classmethod
    def automatic(cls):
        return [cls.GONE, cls.FAILING]


class WebhookSubscription(models.Model):
    """An endpoint of an organisation that receives the event types it chose, signed with its secret."""

    public_id = models.UUIDField(default=public_ids.uuid7, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # ``whsec_`` and the base64 of 32 random bytes, shown once. Signing needs the secret itself, so it is
    # kept encrypted with WEBHOOK_SECRET_KEY (``secret_storage``), never in clear.
    secret_encrypted = models.CharField(max_length=300, editable=False)
    # After a rotation the old secret signs too (a second signature) until this instant, so a
    # receiver can switch secrets without losing a delivery (the specification's zero-downtime rotation).
    previous_secret_encrypted = models.CharField(max_length=300, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    # Why it stopped (its owner, a 410 from the endpoint, a day of failures); '' while active.
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_by = models.CharField(max_length=20, choices=DisabledBy.choices, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # The first failed attempt since the last success: failing this long disables the subscription.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "active"], name="webhook_sub_org_active_idx")]

    def __str__(self):
        return f"Webhook {self.url} ({self.organisation.name})"


class WebhookSubscriptionType(models.Model):
    """An event type a subscription receives (``*``: every type). Rows, so the fan-out joins them in SQL."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="types")
    event_type = models.CharField(max_length=100)

    class Meta:
        ordering = ["event_type"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_type"], name="webhook_sub_type_unique"),
        ]

    def __str__(self):
        return self.event_type


class WebhookEvent(models.Model):
    """Something that happened, for one organisation told about it: one ``webhook-id``, whatever its deliveries.

    Written in the transaction of the change (``fanout``), for organisations with a
    subscription to its type only. ``source``/``source_id`` name the engine's row it
    tells about (an item event, a decided appeal, a membership change); the body is
    rendered from that row once, at the first attempt, and sent unchanged afterwards.
    """

    public_id = models.UUIDField(default=public_ids.uuid7, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=30)
    source_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)  # the data of events with no source row (test events)
    body = models.TextField(blank=True)  # the exact JSON sent, fixed at the first attempt
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "organisation"],
                condition=models.Q(source_id__isnull=False),
                name="webhook_event_once_per_source",
            ),
        ]

    def __str__(self):
        return f"{self.type} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event to one subscription: retried on the schedule until delivered or given up."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    # Attempts made (or started): a claim takes the next number, and only the holder of that
    # number may record its outcome (a worker that outlived its claim records nothing).
    attempts = models.PositiveIntegerField(default=0)
    # Pending: when it may be tried (a claim pushes it past the request's timeout). Null otherwise.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # An attempt is under way until then (a lease): set by the claim, cleared by the holder's record.
    # A killed worker's lease simply runs out. Counted per subscription to limit requests in flight.
    claimed_until = models.DateTimeField("attempt under way until", null=True, blank=True)
    # A redelivery asked for by the subscriber: one attempt, no schedule after it.
    manual = models.BooleanField(default=False)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Failed: when it was given up (the last attempt's outcome recorded). Null otherwise.
    failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once_per_subscription"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            # The claim counts a subscription's attempts under way: the few rows with a lease.
            models.Index(
                fields=["subscription", "claimed_until"],
                condition=models.Q(claimed_until__isnull=False),
                name="webhook_delivery_lease_idx",
            ),
            # /health/ counts the deliveries given up lately; failed rows only, by when.
            models.Index(fields=["failed_at"], condition=models.Q(status="failed"), name="webhook_delivery_failed_idx"),
        ]

    def __str__(self):
        return f"{self.event} to subscription {self.subscription_id} ({self.status})"


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    RETRY = "retry", _("Failed, will retry")
    FAILED = "failed", _("Failed, given up")
    GONE = "gone", _("410 Gone: subscription disabled")
    REFUSED = "refused", _("Refused before sending (address not allowed)")


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: the subscriber's delivery log."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)  # None: no HTTP answer
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number", "id"]
        indexes = [models.Index(fields=["delivery", "number"], name="webhook_attempt_delivery_idx")]

    def __str__(self):
        return f"Attempt {self.number} of delivery {self.delivery_id}: {self.outcome}"
