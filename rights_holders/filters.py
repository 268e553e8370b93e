"""The IP asset list's filters (django-filter; ``portal.lists.list_page`` applies them)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rights_holders.models import IPAssetKind, VerificationStatus


class IPAssetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or registration"), method="filter_text")
    status = django_filters.ChoiceFilter(
        label=_("Status"), field_name="verification_status", choices=VerificationStatus.choices, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=IPAssetKind.choices, empty_label=_("All"))

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.form.fields["q"].widget.input_type = "search"
        self.form.fields["q"].max_length = 100

    def filter_text(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(registration_number__icontains=value)
            | Q(rights_holder__legal_name__icontains=value)
        )
