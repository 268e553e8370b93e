"""API keys. Event, delivery and idempotency tables live beside them in this app."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from api.scopes import scopes_offered_to
from portal.models import Organisation


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(models.Model):
    """A key of one organisation. The secret is shown once; only its SHA-256 is kept.

    Requests made with the key act as ``principal``: a user created for this key
    alone, member of the key's organisation only, so every selector the pages use
    shows exactly what the organisation may see, and the audit log names the key.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    # The public part of the key (``tdp_<key_id>_<secret>``): how the key is found and shown in lists.
    key_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    principal = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="api_keys_created"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} (tdp_{self.key_id}_…)"

    @property
    def prefix(self):
        return f"tdp_{self.key_id}"

    @cached_property
    def scopes_in_force(self):
        """What the key may do now: the scopes it carries that its organisation may still hold.

        A key is checked against ``scopes_offered_to`` when it is created, and its
        organisation may change after (stop being the marketplace, say); asking the same
        rule again here, on every request, keeps the key within it. The row keeps the
        scopes it was given, so a scope comes back if the organisation qualifies again.
        """
        offered = scopes_offered_to(self.organisation)
        return frozenset(scope for scope in self.scopes if scope in offered)


class IdempotencyRecord(models.Model):
    """One ``Idempotency-Key`` of one caller (``api/idempotency.py``): its claim, then the response to replay.

    ``user`` is the caller: an API key's own principal (so a key's records are the
    key's alone) or the browser user. The unique constraint is what lets only one of
    two concurrent requests with the same key run.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path with its query and the body as parsed.
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2048)
    # Whose attempt owns the claim: a retry that takes over a dead attempt's claim writes its own.
    attempt = models.UUIDField()
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    # Set together, in the transaction of the operation (or after it, for an error it raised).
    completed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    # The JSON body exactly as rendered (text, so its key order survives jsonb).
    response_body = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_key_once_per_user")]
        verbose_name = "idempotency record"

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}]"


# Webhooks live in their own module; Django finds models through this one.
from api.webhooks.models import (  # noqa: E402, F401
    AttemptOutcome,
    DeliveryStatus,
    DisabledBy,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    WebhookSubscriptionType,
)
