"""Instants shown to a person: in the active time zone (the viewer's, portal.i18n), in the active language's
date format, with a zone label no reader can take for another zone.

An abbreviation does not do: "CST" is China Standard Time to one reader and US Central to another (UTC+8
against UTC-6). The label is the offset from UTC at that instant: "2026-03-04 17:00 UTC+8",
"2026年3月4日 17:00 UTC+8", "UTC+5:30" in India, "UTC" itself for UTC.
"""

import functools

from django.utils import timezone
from django.utils.formats import date_format, get_format

# The format letters of the portal's date formats (portal/formats, Django's zh_Hans) written the way
# django.utils.dateformat writes them, as str.format fields of the local datetime.
_FIELDS = {
    "Y": "{0.year:04d}",
    "m": "{0.month:02d}",
    "d": "{0.day:02d}",
    "n": "{0.month}",
    "j": "{0.day}",
    "H": "{0.hour:02d}",
    "i": "{0.minute:02d}",
}
_FORMAT_LETTERS = frozenset("aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ")


@functools.lru_cache(maxsize=64)
def _format_template(format_string):
    """``format_string`` (a Django date format) as a str.format template, or None when it has a letter or
    an escape not in ``_FIELDS`` (then Django's own formatter writes it)."""
    pieces = []
    for char in format_string:
        if char in _FIELDS:
            pieces.append(_FIELDS[char])
        elif char in _FORMAT_LETTERS or char == "\\":
            return None
        else:
            pieces.append(char.replace("{", "{{").replace("}", "}}"))
    return "".join(pieces)


def _date_text(local, format_name):
    """``date_format(local, format_name)``, the same text, without Django's formatter (a list page writes
    fifty of these, and the formatter parses its format each time)."""
    template = _format_template(str(get_format(format_name)))
    return template.format(local) if template is not None else date_format(local, format_name)


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
        return f"{_date_text(local, 'DATE_FORMAT')} {local:%H:%M:%S} {zone_label(local)}"
    return f"{_date_text(local, 'DATETIME_FORMAT')} {zone_label(local)}"
