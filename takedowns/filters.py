"""The filters of the takedown lists (django-filter; ``portal.lists.list_page`` applies them)."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from rights_holders.models import RightsHolder
from rights_holders.scoping import rights_holder_ids_visible_to
from takedowns.models import Channel, ItemStatus, NoticeItem
from takedowns.models.effects import EffectKind


class NoticeFilter(django_filters.FilterSet):
    """The notice list: by brand (for someone who sees several), channel, an item's status, and the filing day."""

    rights_holder = django_filters.ModelChoiceFilter(
        label=_("Rights holder"), queryset=RightsHolder.objects.none(), empty_label=_("All")
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices, empty_label=_("All"))
    item_status = django_filters.ChoiceFilter(
        label=_("An item is"), choices=ItemStatus.choices, empty_label=_("Any status"), method="filter_item_status"
    )
    filed_from = django_filters.DateFilter(label=_("Filed from"), field_name="submitted_at", lookup_expr="date__gte")
    filed_to = django_filters.DateFilter(label=_("Filed to"), field_name="submitted_at", lookup_expr="date__lte")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = request.user
        if user.is_platform_staff:
            self.filters["rights_holder"].queryset = RightsHolder.objects.order_by("legal_name")
        elif len(rights_holder_ids_visible_to(user)) > 1:
            ids = rights_holder_ids_visible_to(user)
            self.filters["rights_holder"].queryset = RightsHolder.objects.filter(pk__in=ids).order_by("legal_name")
        else:  # one brand, or a merchant: nothing to choose
            del self.filters["rights_holder"]
        for name in ("filed_from", "filed_to"):
            self.form.fields[name].widget.input_type = "date"

    def filter_item_status(self, queryset, name, value):
        # An item of the notice in this status, among those the viewer may see (a merchant: its own).
        visible = NoticeItem.objects.visible_to(self.request.user).filter(notice=OuterRef("pk"), status=value)
        return queryset.filter(Exists(visible))


class NotificationFilter(django_filters.FilterSet):
    """The notifications page: unread ones only, or read ones only."""

    state = django_filters.ChoiceFilter(
        label=_("Show"),
        choices=(("unread", _("Unread")), ("read", _("Read"))),
        empty_label=_("All"),
        method="filter_state",
    )

    def filter_state(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "unread")


class PublicRegisterFilter(django_filters.FilterSet):
    """The public register: a store's name, a region."""

    q = django_filters.CharFilter(
        label=_("Store name"), field_name="store_name", lookup_expr="icontains", max_length=100
    )
    region = django_filters.CharFilter(label=_("Region"), field_name="region", lookup_expr="iexact", max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.input_type = "search"


class FailedEffectFilter(django_filters.FilterSet):
    """The failed effects (staff): by kind, and by the item they belong to."""

    kind = django_filters.ChoiceFilter(label=_("Effect"), choices=EffectKind.choices, empty_label=_("All"))
    item = django_filters.NumberFilter(label=_("Item"), field_name="item_id", min_value=1)


class MerchantComplaintFilter(django_filters.FilterSet):
    """The merchant's complaints: those still open (the default view's first rows) or decided, by status."""

    state = django_filters.ChoiceFilter(
        label=_("Show"),
        choices=(("open", _("Open")), ("decided", _("Decided"))),
        empty_label=_("All"),
        method="filter_state",
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ItemStatus.choices, empty_label=_("Any status"))

    def filter_state(self, queryset, name, value):
        from takedowns.models import OPEN_STATUSES

        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)
