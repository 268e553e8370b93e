"""Subscriptions: the services the API and the pages call, and who may call them.

An organisation's webhooks are managed by its owners (in the browser) and by its
API keys that carry ``webhooks:manage`` (a key's principal belongs to the key's
organisation only). Another organisation's subscription is not found, exactly
like a missing one. Platform staff (operators, in the Django admin) may turn any
subscription off or on and redeliver any delivery, through these same services,
and do nothing else to it. Every change is audited (``via`` names where it was
made: ``"admin"``); the secret is returned once, by the call that made it, and
never shown again.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.webhooks import types
from api.webhooks.delivery import deliveries_dispatch
from api.webhooks.models import (
    DeliveryStatus,
    DisabledBy,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    WebhookSubscriptionType,
)
from api.webhooks.notifications import webhook_disabled_notify
from api.webhooks.outbound import target_resolve
from api.webhooks.secret_storage import secret_encrypt
from api.webhooks.signing import secret_generate
from portal import public_ids
from portal.actors import actor_label
from portal.audit import audit_log_record
from portal.errors import InvalidInput, TransitionError
from portal.forms import text_problem_later
from portal.i18n import text_later
from portal.models import Membership, MembershipRole
from portal.roles import user_is_platform_staff
from portal.scoping import organisation_ids_of
from portal.transactions import durable_atomic

MAX_SUBSCRIPTIONS_PER_ORGANISATION = 20
DESCRIPTION_MAX = 200


def webhook_organisation_ids(user):
    """The organisations whose webhooks ``user`` manages: a key's principal its key's, a person those it owns."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_webhook_organisation_ids", None)
    if cached is None:
        if user.is_api_principal:
            # A key's principal belongs to its key's organisation only; the scope check did the rest.
            cached = organisation_ids_of(user)
        else:
            cached = frozenset(
                Membership.objects.filter(user=user, role=MembershipRole.OWNER).values_list(
                    "organisation_id", flat=True
                )
            )
        user._webhook_organisation_ids = cached
    return cached


def webhook_subscriptions_visible_to(user):
    return (
        WebhookSubscription.objects.filter(organisation_id__in=webhook_organisation_ids(user))
        .select_related("organisation")
        .prefetch_related("types")
    )


def webhook_deliveries_of(subscription):
    """The delivery log of a subscription, newest first, with each delivery's event."""
    return WebhookDelivery.objects.filter(subscription=subscription).select_related("event").order_by("-id")


def webhook_delivery_or_404(subscription, event_public_id):
    """A delivery of ``subscription`` by its event's ``evt_…`` id; 404 alike for malformed, missing or another's."""
    value = public_ids.decode("evt", event_public_id)
    delivery = None if value is None else webhook_deliveries_of(subscription).filter(event__public_id=value).first()
    if delivery is None:
        raise Http404
    return delivery


def _is_operator(actor):
    # A key's principal is never staff, whatever its groups: a key acts for its organisation only.
    return actor.is_authenticated and not actor.is_api_principal and user_is_platform_staff(actor)


def _require_manager(actor, organisation_id, *, operators_too=False):
    """The actor manages this organisation's webhooks; with ``operators_too``, platform staff may act as well."""
    if organisation_id in webhook_organisation_ids(actor):
        return
    if operators_too and _is_operator(actor):
        return
    raise PermissionDenied(_("Only the organisation's owners and its API keys manage its webhooks."))


def _description(value):
    value = (value or "").strip()
    problem = text_problem_later(value, multiline=False, max_length=DESCRIPTION_MAX)
    if problem:
        error = InvalidInput(text_later(_("Description: %(problem)s"), problem=problem), code="invalid_description")
        error.pointer = "/description"
        raise error
    return value


def _types_write(subscription, event_types):
    WebhookSubscriptionType.objects.filter(subscription=subscription).delete()
    WebhookSubscriptionType.objects.bulk_create(
        [WebhookSubscriptionType(subscription=subscription, event_type=name) for name in event_types]
    )


def _audit(action, subscription, actor, via=None, **data):
    audit_log_record(
        action=f"api.webhook.{action}",
        actor=actor,
        obj=subscription,
        organisation_id=subscription.organisation_id,
        data={"url": subscription.url, **({"via": via} if via else {}), **data},
    )


def webhook_subscription_create(*, organisation, url, event_types, actor, description=""):
    """A new, active subscription. Returns (subscription, secret); the secret is shown this once."""
    _require_manager(actor, organisation.pk)
    url = (url or "").strip()
    target_resolve(url)  # refuses a URL that is malformed or resolves to an address we never call
    event_types = types.event_types_clean(event_types)
    description = _description(description)
    secret = secret_generate()
    with durable_atomic():
        count = WebhookSubscription.objects.filter(organisation=organisation).count()
        if count >= MAX_SUBSCRIPTIONS_PER_ORGANISATION:
            raise TransitionError(
                text_later(
                    _("An organisation has at most %(max)s webhook subscriptions; delete one first."),
                    max=MAX_SUBSCRIPTIONS_PER_ORGANISATION,
                ),
                code="too_many_subscriptions",
            )
        subscription = WebhookSubscription.objects.create(
            organisation=organisation,
            url=url,
            description=description,
            secret_encrypted=secret_encrypt(secret),
            created_by=actor,
        )
        _types_write(subscription, event_types)
        _audit("created", subscription, actor, event_types=event_types)
    return subscription, secret


def webhook_subscription_update(
    *, subscription_id, actor, url=None, event_types=None, description=None, active=None, via=None
):
    """Change what is given (None: unchanged). Turning a subscription on again clears why it was off.

    Platform staff may turn it off or on, and change nothing else: the endpoint and its events are its owners'.
    """
    if url is not None:
        url = url.strip()
        target_resolve(url)
    if event_types is not None:
        event_types = types.event_types_clean(event_types)
    if description is not None:
        description = _description(description)
    now = timezone.now()
    with durable_atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
        only_active = url is None and event_types is None and description is None
        _require_manager(actor, subscription.organisation_id, operators_too=only_active)
        changed = {}
        fields = ["updated_at"]
        if url is not None and url != subscription.url:
            changed["url"] = {"before": subscription.url, "after": url}
            subscription.url = url
            fields.append("url")
        if description is not None and description != subscription.description:
            subscription.description = description
            fields.append("description")
        if event_types is not None:
            before = sorted(subscription.types.values_list("event_type", flat=True))
            if before != sorted(event_types):
                changed["event_types"] = {"before": before, "after": event_types}
                _types_write(subscription, event_types)
        by_operator = subscription.organisation_id not in webhook_organisation_ids(actor)
        if active is not None and active != subscription.active:
            changed["active"] = active
            subscription.active = active
            subscription.disabled_at = None if active else now
            # Staff names stay inside the platform: the owners read this reason.
            who = "the platform's operators" if by_operator else actor_label(actor)
            subscription.disabled_reason = "" if active else f"Turned off by {who}."
            subscription.disabled_by = "" if active else (DisabledBy.OPERATOR if by_operator else DisabledBy.OWNER)
            subscription.failing_since = None
            fields += ["active", "disabled_at", "disabled_reason", "disabled_by", "failing_since"]
        subscription.updated_at = now
        subscription.save(update_fields=fields)
        if changed:
            _audit("updated", subscription, actor, via, changed=changed)
        if by_operator and changed.get("active") is False:
            # The owners did not do this themselves: they are told, as when it is disabled for failing.
            webhook_disabled_notify(subscription)
        if active:
            # Deliveries that waited while it was off go out now.
            deliveries_dispatch()
    return subscription


def webhook_subscription_delete(*, subscription_id, actor):
    """Delete a subscription with its delivery log (the audit log keeps that it existed)."""
    with durable_atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
        _require_manager(actor, subscription.organisation_id)
        _audit("deleted", subscription, actor)
        subscription.delete()


def webhook_secret_rotate(*, subscription_id, actor, now=None):
    """A new secret (returned once); the old one signs too for ``WEBHOOK_SECRET_OVERLAP_HOURS``."""
    now = now or timezone.now()
    with durable_atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
        _require_manager(actor, subscription.organisation_id)
        overlap = timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
        secret = secret_generate()
        # The old secret moves as it is stored: it never needs to be in clear here.
        subscription.previous_secret_encrypted = subscription.secret_encrypted if overlap else ""
        subscription.previous_secret_until = now + overlap if overlap else None
        subscription.secret_encrypted = secret_encrypt(secret)
        subscription.updated_at = now
        subscription.save(
            update_fields=["previous_secret_encrypted", "previous_secret_until", "secret_encrypted", "updated_at"]
        )
        _audit("secret_rotated", subscription, actor, old_secret_signs_until=str(subscription.previous_secret_until))
    return subscription, secret


def webhook_test_send(*, subscription_id, actor, now=None):
    """A ``webhook.test`` event for this subscription alone, sent at once like any event. Returns the delivery."""
    now = now or timezone.now()
    with durable_atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
        _require_manager(actor, subscription.organisation_id)
        if not subscription.active:
            raise TransitionError(
                _("The subscription is turned off; turn it on to send a test event."), code="inactive"
            )
        event = WebhookEvent.objects.create(
            organisation_id=subscription.organisation_id,
            type=types.TEST,
            occurred_at=now,
            source="test",
            data={"message": "A test event, sent on request.", "requested_by": actor_label(actor)},
        )
        delivery = WebhookDelivery.objects.create(event=event, subscription=subscription, next_attempt_at=now)
        _audit("test_sent", subscription, actor)
        deliveries_dispatch()
    return delivery


def webhook_redeliver(*, delivery_id, actor, now=None, via=None):
    """Send a delivery again now, whatever became of it: one more attempt, then no schedule after it.

    A delivery still waiting for its next scheduled attempt is simply made due now. Owners and
    keys redeliver their organisation's deliveries; platform staff any (the admin's action).
    """
    now = now or timezone.now()
    with durable_atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("subscription").get(pk=delivery_id)
        subscription = delivery.subscription
        _require_manager(actor, subscription.organisation_id, operators_too=True)
        if not subscription.active:
            raise TransitionError(_("The subscription is turned off; turn it on to redeliver."), code="inactive")
        if delivery.status != DeliveryStatus.PENDING:
            delivery.manual = True
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.failed_at = None
        delivery.save(update_fields=["status", "next_attempt_at", "failed_at", "manual"])
        _audit("redelivered", subscription, actor, via, delivery=delivery.pk)
        deliveries_dispatch()
    return delivery
