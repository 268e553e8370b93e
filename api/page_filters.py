"""The filters of the owners' pages (API keys, webhooks), applied by ``portal.lists.list_page``."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKeyFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=(("active", _("Active")), ("expired", _("Expired")), ("revoked", _("Revoked"))),
        empty_label=_("All"),
        method="filter_state",
    )

    def filter_state(self, queryset, name, value):
        now = timezone.now()
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        expired = Q(expires_at__isnull=False, expires_at__lte=now)
        if value == "expired":
            return queryset.filter(expired, revoked_at__isnull=True)
        return queryset.filter(revoked_at__isnull=True).exclude(expired)


class WebhookFilter(django_filters.FilterSet):
    active = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=(("on", _("On")), ("off", _("Off"))),
        empty_label=_("All"),
        method="filter_active",
    )

    def filter_active(self, queryset, name, value):
        return queryset.filter(active=value == "on")
