"""Filters the API's lists share: instants are read as ISO 8601 and handed to the database in UTC.

A client may write any offset ISO 8601 allows (``+17:40``), but PostgreSQL refuses
offsets past 15:59 ("time zone displacement out of range", a 500 schemathesis found),
and an instant near the ends of the calendar may not exist in UTC at all. Converted
here, such a value is either an ordinary UTC instant or a 400 that names the parameter.
"""

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django_filters import fields


class UtcIsoDateTimeField(fields.IsoDateTimeField):
    def to_python(self, value):
        instant = super().to_python(value)
        if instant is None:
            return None
        try:
            return instant.astimezone(UTC)
        except OverflowError:
            raise ValidationError("This instant is outside the calendar once in UTC.", code="invalid") from None


class UtcIsoDateTimeRangeField(fields.RangeField):
    widget = fields.DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((UtcIsoDateTimeField(), UtcIsoDateTimeField()), *args, **kwargs)


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``django_filters.IsoDateTimeFilter``, in UTC."""

    field_class = UtcIsoDateTimeField


class IsoDateTimeFromToRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    """``django_filters.IsoDateTimeFromToRangeFilter`` (``<name>_after``, ``<name>_before``), in UTC."""

    field_class = UtcIsoDateTimeRangeField
