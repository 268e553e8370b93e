"""Webhooks in the Django admin: operators read subscriptions, events and deliveries, and act through the services.

Everything here is a fact (what was subscribed, what happened, each attempt and its
answer), so every page is read-only. Two things may be done, each an action that
calls the very service the owner's page calls (``api.webhooks.subscriptions``),
which locks, checks, writes the change and its audit entry (marked ``via:
admin``) in one transaction and sends deliveries after commit:

* turn subscriptions off or on (``webhook_subscription_update(active=...)``); the
  owners are told when the platform turned theirs off;
* redeliver deliveries (``webhook_redeliver``): one more attempt, now.

Secrets are never shown: the subscription's pages list their fields explicitly,
and neither the secret nor the previous one is among them.
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from api.webhooks.models import (
    DeliveryStatus,
    DisabledBy,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from api.webhooks.subscriptions import webhook_redeliver, webhook_subscription_update
from portal.errors import TransitionError
from portal.public_ids import encode


class ReadOnlyAdminMixin:
    """Viewable by staff, never added, changed or deleted through the admin (actions call the services)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _link(obj, text):
    opts = obj._meta
    return format_html(
        '<a href="{}">{}</a>', reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]), text
    )


def _run_each(model_admin, request, ids, run, *, done, verb):
    """Call ``run(id)`` for each selected row; report how many were done and why the others were not."""
    count, refused = 0, []
    for pk in ids:
        try:
            if run(pk):
                count += 1
        except PermissionDenied as exc:
            model_admin.message_user(request, str(exc), messages.ERROR)
            return
        except TransitionError as exc:
            refused.append(f"#{pk}: {exc}")
        except ObjectDoesNotExist:
            refused.append(f"#{pk}: deleted meanwhile")
    model_admin.message_user(request, done.format(count=count), messages.SUCCESS)
    if refused:
        shown = "; ".join(refused[:10]) + ("…" if len(refused) > 10 else "")
        model_admin.message_user(request, f"{len(refused)} not {verb}: {shown}", messages.WARNING)


# --- Subscriptions ---------------------------------------------------------------------------


class DisabledFilter(admin.SimpleListFilter):
    title = "turned off"
    parameter_name = "off"

    def lookups(self, request, model_admin):
        return [
            ("failing", "Failing now (active, attempts failing)"),
            ("day", "Turned off in the last 24 hours"),
            ("automatically", "Turned off automatically (410 or a day of failures)"),
            ("operator", "Turned off by the platform's operators"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "failing":
            return queryset.filter(active=True, failing_since__isnull=False)
        if self.value() == "day":
            return queryset.filter(active=False, disabled_at__gte=timezone.now() - timedelta(hours=24))
        if self.value() == "automatically":
            return queryset.filter(active=False, disabled_by__in=DisabledBy.automatic())
        if self.value() == "operator":
            return queryset.filter(active=False, disabled_by=DisabledBy.OPERATOR)
        return queryset


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "public",
        "organisation",
        "url",
        "active",
        "failing_since",
        "disabled_at",
        "pending",
        "failed",
        "deliveries_link",
        "created_at",
    )
    list_filter = ("active", DisabledFilter)
    search_fields = ("url", "description", "organisation__name", "organisation__slug")
    list_select_related = ("organisation",)
    # Listed one by one: the secret and the previous secret are never among them.
    fields = (
        "public",
        "organisation",
        "url",
        "description",
        "event_types",
        "active",
        "disabled_at",
        "disabled_by",
        "disabled_reason",
        "failing_since",
        "previous_secret_until",
        "created_by",
        "created_at",
        "updated_at",
        "pending",
        "failed",
        "deliveries_link",
    )
    readonly_fields = fields
    actions = ["disable", "enable"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("types")
            .annotate(
                pending_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
                failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
            )
        )

    @admin.display(description="id")
    def public(self, obj):
        return encode("whk", obj.public_id)

    @admin.display(description="events")
    def event_types(self, obj):
        return ", ".join(t.event_type for t in obj.types.all())

    @admin.display(description="pending", ordering="pending_count")
    def pending(self, obj):
        return obj.pending_count

    @admin.display(description="given up", ordering="failed_count")
    def failed(self, obj):
        return obj.failed_count

    @admin.display(description="deliveries")
    def deliveries_link(self, obj):
        url = reverse("admin:api_webhookdelivery_changelist") + f"?subscription__id__exact={obj.pk}"
        return format_html('<a href="{}">deliveries</a>', url)

    @admin.action(description="Turn the selected subscriptions off (their owners are told)")
    def disable(self, request, queryset):
        self._active_set(request, queryset, active=False)

    @admin.action(description="Turn the selected subscriptions on (waiting deliveries go out)")
    def enable(self, request, queryset):
        self._active_set(request, queryset, active=True)

    def _active_set(self, request, queryset, *, active):
        def run(pk):
            before = WebhookSubscription.objects.filter(pk=pk).values_list("active", flat=True).first()
            webhook_subscription_update(subscription_id=pk, actor=request.user, active=active, via="admin")
            return before is not None and before != active

        _run_each(
            self,
            request,
            list(queryset.values_list("pk", flat=True)),
            run,
            done="{count} subscription(s) turned " + ("on." if active else "off."),
            verb="turned " + ("on" if active else "off"),
        )


# --- Events ---------------------------------------------------------------------------------


class DeliveryOfEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    fields = ("delivery", "subscription", "status", "attempts", "next_attempt_at", "last_status_code", "delivered_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("subscription")

    @admin.display(description="delivery")
    def delivery(self, obj):
        return _link(obj, f"#{obj.pk}")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("public", "type", "organisation", "occurred_at", "source", "source_id", "created_at")
    list_filter = ("type", "source", "occurred_at")
    search_fields = ("type", "organisation__name", "organisation__slug")
    list_select_related = ("organisation",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    fields = ("public", "organisation", "type", "occurred_at", "source", "source_id", "data", "body", "created_at")
    readonly_fields = fields
    inlines = [DeliveryOfEventInline]

    @admin.display(description="id (webhook-id)")
    def public(self, obj):
        return encode("evt", obj.public_id)


# --- Deliveries ---------------------------------------------------------------------------


class DeliveryStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("due", "Due now (pending, its time has come)"),
            ("under_way", "An attempt under way (its lease has not run out)"),
            ("retrying", "Attempted, still pending (retrying, or an attempt under way)"),
            ("failed", "Given up after the last attempt"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "due":
            return queryset.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, subscription__active=True)
        if self.value() == "under_way":
            return queryset.filter(claimed_until__gt=now)
        if self.value() == "retrying":
            return queryset.filter(status=DeliveryStatus.PENDING, attempts__gt=0)
        if self.value() == "failed":
            return queryset.filter(status=DeliveryStatus.FAILED)
        return queryset


class AttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "status_code", "latency_ms", "outcome", "error", "excerpt", "next_attempt_at")
    readonly_fields = fields

    @admin.display(description="response")
    def excerpt(self, obj):
        return Truncator(obj.response_excerpt).chars(200)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "event_link",
        "event_type",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "delivered_at",
        "failed_at",
        "manual",
        "created_at",
    )
    list_filter = ("status", DeliveryStateFilter, "manual", "event__type")
    search_fields = ("subscription__url", "subscription__organisation__name", "event__type")
    list_select_related = ("event", "subscription__organisation")
    show_full_result_count = False
    fields = (
        "event_link",
        "event_type",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "last_status_code",
        "delivered_at",
        "failed_at",
        "manual",
        "created_at",
    )
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["redeliver"]

    @admin.display(description="event")
    def event_link(self, obj):
        return _link(obj.event, encode("evt", obj.event.public_id))

    @admin.display(description="type", ordering="event__type")
    def event_type(self, obj):
        return obj.event.type

    @admin.action(description="Redeliver the selected deliveries now (one more attempt each)")
    def redeliver(self, request, queryset):
        def run(pk):
            webhook_redeliver(delivery_id=pk, actor=request.user, via="admin")
            return True

        _run_each(
            self,
            request,
            list(queryset.values_list("pk", flat=True)),
            run,
            done="{count} delivery(ies) sent again.",
            verb="sent again",
        )
