"""Webhook subscriptions over the API (``webhooks:manage``): the services of ``api.webhooks.subscriptions``.

A key manages its own organisation's subscriptions; a browser session those of
the organisations its user owns. Another organisation's subscription (or
delivery) is a 404 like a missing one. The secret is in the answer of the call
that made it (create, rotate) and nowhere else.
"""

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import PublicIdField, object_by_public_id_or_404
from api.idempotency import Idempotent
from api.models import ApiKey, DeliveryStatus, WebhookDelivery, WebhookSubscription
from api.views.reading import public_id_parameter
from api.webhooks import subscriptions as services
from api.webhooks import types
from portal.errors import InvalidInput
from portal.models import Organisation

SCOPE = "webhooks:manage"
WHK = "whk"
EVT = "evt"


def _subscription_or_404(request, public_id):
    return object_by_public_id_or_404(services.webhook_subscriptions_visible_to(request.user), WHK, public_id)


def _organisation_of(request):
    """The organisation a new subscription belongs to: the key's, or the one its browser user owns."""
    if isinstance(request.auth, ApiKey):
        return request.auth.organisation
    ids = services.webhook_organisation_ids(request.user)
    if len(ids) == 1:
        return Organisation.objects.get(pk=next(iter(ids)))
    if not ids:
        raise PermissionDenied("Only an organisation's owners and its API keys manage its webhooks.")
    raise InvalidInput(
        "You own several organisations: create the subscription with that organisation's API key, "
        "or on its webhooks page.",
        code="organisation_ambiguous",
    )


@extend_schema_serializer(component_name="Webhook")
class WebhookSerializer(serializers.Serializer):
    id = PublicIdField(WHK)
    url = serializers.CharField()
    description = serializers.CharField()
    event_types = serializers.SerializerMethodField()
    active = serializers.BooleanField()
    disabled_reason = serializers.CharField(help_text="Why it is off: its owner, a 410 Gone, a day of failures.")
    disabled_at = serializers.DateTimeField(allow_null=True)
    failing_since = serializers.DateTimeField(
        allow_null=True, help_text="The first failed attempt since the last success; null while it works."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_event_types(self, subscription) -> list[str]:
        return [t.event_type for t in subscription.types.all()]


class _EventTypes(serializers.ListField):
    child = serializers.CharField(max_length=100)

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", 'Event types to receive (GET /api/v1/webhooks/event-types/); ["*"] for every type.'
        )
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)


def _webhook_id_parameter():
    return public_id_parameter("webhook_id", "whk")


def _event_id_parameter():
    return public_id_parameter("event_id", "evt", " (the webhook-id)")


class WebhookListApi(ListAPIView):
    """The caller's webhook subscriptions, newest first."""

    required_scopes = {"GET": SCOPE}
    serializer_class = WebhookSerializer
    queryset = WebhookSubscription.objects.none()  # for the schema generator; requests use get_queryset

    def get_queryset(self):
        return services.webhook_subscriptions_visible_to(self.request.user)

    @extend_schema(operation_id="webhooks_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WebhookCreateApi(Idempotent, APIView):
    """Subscribe an endpoint to event types. The signing secret is in this answer and never again."""

    idempotency = "optional"
    required_scopes = {"POST": SCOPE}

    @extend_schema_serializer(component_name="WebhookCreate")
    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(
            max_length=2000, help_text="https:// endpoint; must resolve to public addresses only."
        )
        event_types = _EventTypes()
        description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema_serializer(component_name="WebhookCreated")
    class OutputSerializer(WebhookSerializer):
        secret = serializers.CharField(help_text="whsec_…: shown once. Verify each delivery's signature with it.")

    @extend_schema(operation_id="webhooks_create", request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription, secret = services.webhook_subscription_create(
            organisation=_organisation_of(request), actor=request.user, **data.validated_data
        )
        subscription = services.webhook_subscriptions_visible_to(request.user).get(pk=subscription.pk)
        body = WebhookSerializer(subscription).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    required_scopes = {"GET": SCOPE}

    @extend_schema(operation_id="webhooks_retrieve", parameters=[_webhook_id_parameter()], responses=WebhookSerializer)
    def get(self, request, webhook_id):
        return Response(WebhookSerializer(_subscription_or_404(request, webhook_id)).data)


class WebhookUpdateApi(APIView):
    """Change what is given: URL, event types, description; ``active`` false turns it off, true on again."""

    required_scopes = {"PATCH": SCOPE}

    @extend_schema_serializer(component_name="WebhookUpdate")
    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000, required=False)
        event_types = _EventTypes(required=False)
        description = serializers.CharField(max_length=200, required=False, allow_blank=True)
        active = serializers.BooleanField(required=False, help_text="false turns it off; true turns it on again.")

    @extend_schema(
        operation_id="webhooks_update",
        parameters=[_webhook_id_parameter()],
        request=InputSerializer,
        responses=WebhookSerializer,
    )
    def patch(self, request, webhook_id):
        subscription = _subscription_or_404(request, webhook_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.webhook_subscription_update(subscription_id=subscription.pk, actor=request.user, **data.validated_data)
        return Response(WebhookSerializer(_subscription_or_404(request, webhook_id)).data)


class WebhookDeleteApi(APIView):
    """Delete a subscription and its delivery log."""

    required_scopes = {"DELETE": SCOPE}

    @extend_schema(operation_id="webhooks_destroy", parameters=[_webhook_id_parameter()], responses={204: None})
    def delete(self, request, webhook_id):
        subscription = _subscription_or_404(request, webhook_id)
        services.webhook_subscription_delete(subscription_id=subscription.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretRotateApi(Idempotent, APIView):
    """A new signing secret, shown once. The old one still signs (a second signature) for a day."""

    idempotency = "optional"
    required_scopes = {"POST": SCOPE}

    @extend_schema_serializer(component_name="WebhookSecret")
    class OutputSerializer(serializers.Serializer):
        id = PublicIdField(WHK)
        secret = serializers.CharField()
        previous_secret_valid_until = serializers.DateTimeField(allow_null=True, source="previous_secret_until")

    @extend_schema(
        operation_id="webhooks_secret_rotate",
        parameters=[_webhook_id_parameter()],
        request=None,
        responses=OutputSerializer,
    )
    def post(self, request, webhook_id):
        subscription = _subscription_or_404(request, webhook_id)
        subscription, secret = services.webhook_secret_rotate(subscription_id=subscription.pk, actor=request.user)
        subscription.secret = secret  # in clear for this answer only; the row keeps it encrypted
        return Response(self.OutputSerializer(subscription).data)


@extend_schema_serializer(component_name="WebhookAttempt")
class AttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True, help_text="null: no HTTP answer (see error).")
    latency_ms = serializers.IntegerField(allow_null=True)
    response_excerpt = serializers.CharField(help_text="The first 1,000 characters of the answer.")
    error = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["delivered", "retry", "failed", "gone", "refused"])
    next_attempt_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="WebhookDelivery")
class DeliverySerializer(serializers.Serializer):
    id = PublicIdField(EVT, source="event.public_id", help_text="The webhook-id this delivery is sent with.")
    type = serializers.CharField(source="event.type")
    occurred_at = serializers.DateTimeField(source="event.occurred_at")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    attempt_log = AttemptSerializer(many=True)


class DeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    type = django_filters.CharFilter(field_name="event__type")

    class Meta:
        model = WebhookDelivery
        fields = ["status", "type"]


class WebhookDeliveryListApi(GenericAPIView):
    """The delivery log: each event sent to this subscription with every attempt, newest first."""

    required_scopes = {"GET": SCOPE}
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, which has no subscription
            return WebhookDelivery.objects.none()
        subscription = _subscription_or_404(self.request, self.kwargs["webhook_id"])
        return services.webhook_deliveries_of(subscription).prefetch_related("attempt_log")

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        parameters=[_webhook_id_parameter()],
        responses=DeliverySerializer(many=True),
    )
    def get(self, request, webhook_id):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


def _delivery_or_404(request, webhook_id, event_id):
    return services.webhook_delivery_or_404(_subscription_or_404(request, webhook_id), event_id)


class WebhookDeliveryDetailApi(APIView):
    required_scopes = {"GET": SCOPE}

    @extend_schema(
        operation_id="webhooks_deliveries_retrieve",
        parameters=[_webhook_id_parameter(), _event_id_parameter()],
        responses=DeliverySerializer,
    )
    def get(self, request, webhook_id, event_id):
        return Response(DeliverySerializer(_delivery_or_404(request, webhook_id, event_id)).data)


class WebhookRedeliverApi(Idempotent, APIView):
    """Send this delivery again now (same webhook-id): one more attempt, whatever became of it."""

    idempotency = "optional"
    required_scopes = {"POST": SCOPE}

    @extend_schema(
        operation_id="webhooks_deliveries_redeliver",
        parameters=[_webhook_id_parameter(), _event_id_parameter()],
        request=None,
        responses={202: DeliverySerializer},
    )
    def post(self, request, webhook_id, event_id):
        delivery = _delivery_or_404(request, webhook_id, event_id)
        services.webhook_redeliver(delivery_id=delivery.pk, actor=request.user)
        return Response(
            DeliverySerializer(_delivery_or_404(request, webhook_id, event_id)).data, status=status.HTTP_202_ACCEPTED
        )


class WebhookTestApi(Idempotent, APIView):
    """Send a ``webhook.test`` event to this subscription now; follow it in the delivery log."""

    idempotency = "optional"
    required_scopes = {"POST": SCOPE}

    @extend_schema(
        operation_id="webhooks_test",
        parameters=[_webhook_id_parameter()],
        request=None,
        responses={202: DeliverySerializer},
    )
    def post(self, request, webhook_id):
        subscription = _subscription_or_404(request, webhook_id)
        delivery = services.webhook_test_send(subscription_id=subscription.pk, actor=request.user)
        delivery = services.webhook_deliveries_of(subscription).prefetch_related("attempt_log").get(pk=delivery.pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookEventTypeListApi(APIView):
    """Every event type a subscription may choose, with what it means (``*``: all, including future types)."""

    required_scopes = {"GET": SCOPE}

    @extend_schema_serializer(component_name="WebhookEventType")
    class OutputSerializer(serializers.Serializer):
        type = serializers.CharField()
        description = serializers.CharField()

    @extend_schema(operation_id="webhooks_event_types_list", responses=OutputSerializer(many=True))
    def get(self, request):
        rows = [{"type": types.ALL, "description": "Every event type, including types added later"}]
        rows += [{"type": name, "description": types.EVENT_TYPES[name]} for name in types.SUBSCRIBABLE[1:]]
        return Response(self.OutputSerializer(rows, many=True).data)
