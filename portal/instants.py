"""Instants shown to a person: in the active time zone (the viewer's, portal.i18n), in the active language's
date format, with a zone label no reader can take for another zone.

An abbreviation does not do: "CST" is China Standard Time to one reader and US Central to another (UTC+8
against UTC-6). The label is the offset from UTC at that instant: "2026-03-04 17:00 UTC+8",
"2026年3月4日 17:00 UTC+8", "UTC+5:30" in India, "UTC" itself for UTC.
"""

from django.utils import timezone
from django.utils.formats import date_format


def zone_label(local):
    """The UTC offset of an aware ``local`` datetime: "UTC", "UTC+8", "UTC-3", "UTC+5:30"."""
    offset = local.utcoffset()
    if offset is None or not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes > 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def instant_text(value, zone=None, *, seconds=False):
    """``value`` in ``zone`` (default: the active one) as the active language writes it, with its label;
    ``seconds``: the date and the time to the second (a delivery log's attempts)."""
    if value in (None, ""):
        return ""
    local = timezone.localtime(value, zone)
    if seconds:
        return f"{date_format(local, 'DATE_FORMAT')} {local:%H:%M:%S} {zone_label(local)}"
    return f"{date_format(local, 'DATETIME_FORMAT')} {zone_label(local)}"
