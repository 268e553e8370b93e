"""Public ids in serializers and look-ups (``portal.public_ids``)."""

from django.http import Http404
from rest_framework import serializers

from portal import public_ids

PREFIXES = {
    "notice": "ntc",
    "item": "itm",
    "listing": "lst",
    "asset": "ast",
    "store": "sto",
    "counter_notice": "cnt",
    "webhook": "whk",
    "event": "evt",
    "key": "key",
    "rights_holder": "rhd",
    "listing_image": "img",
    "alert": "alr",
    "keyword": "kwd",
    "reported_seller": "rsl",
    "counterfeit_image": "cfi",
}


class PublicIdField(serializers.Field):
    """Reads ``<source>.public_id`` (or the given source) and shows it as ``<prefix>_<base32>``."""

    def __init__(self, prefix, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("source", "public_id")
        super().__init__(**kwargs)

    def to_representation(self, value):
        return public_ids.encode(self.prefix, value)

    def to_internal_value(self, data):
        value = public_ids.decode(self.prefix, data)
        if value is None:
            raise serializers.ValidationError(f"Not an id of the form {self.prefix}_…", code="invalid_id")
        return value


def object_by_public_id_or_404(queryset, prefix, text):
    """The object of ``queryset`` with this public id; 404 alike for a malformed, missing or hidden id."""
    value = public_ids.decode(prefix, text)
    if value is None:
        raise Http404
    try:
        return queryset.get(public_id=value)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def rights_holder_input(brand):
    """An input's brand (``rhd_…``), read into ``rights_holder_public_id`` for the view to resolve; optional, as
    a brand's own key acts for its one brand. ``brand`` says which brand, for the documentation."""
    return PublicIdField(
        PREFIXES["rights_holder"],
        read_only=False,
        required=False,
        source="rights_holder_public_id",
        help_text=f"{brand} (rhd_…). A brand's own key may leave it out.",
    )
