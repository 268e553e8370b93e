"""The Good Faith lists' filters (django-filter; ``portal.lists.list_page`` applies them)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from good_faith.models import MisuseMeasureKind, MisuseMeasureStatus


class MisuseMeasureFilter(django_filters.FilterSet):
    """Platform staff's list of misuse measures: an organisation's name, the kind, the status."""

    q = django_filters.CharFilter(
        label=_("Organisation"), field_name="organisation__name", lookup_expr="icontains", max_length=100
    )
    kind = django_filters.ChoiceFilter(label=_("Measure"), choices=MisuseMeasureKind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=MisuseMeasureStatus.choices, empty_label=_("All"))
