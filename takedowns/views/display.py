"""Showing instants to a person: in their own time zone, in UTC beside it, with a countdown."""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.instants import instant_text


def viewer_zone(user):
    """The user's IANA zone (User.time_zone); UTC if it is empty or unknown."""
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


# The units of a countdown, for the page and for static/js/countdown.js (which gets them as data, so
# a countdown ticking in the browser reads as the server wrote it, in the reader's language).
def _days(n):
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def _hours(n):
    return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}


def _minutes(n):
    return ngettext("%(n)d minute", "%(n)d minutes", n) % {"n": n}


def duration_text(seconds):
    """Two units at most: "2 days 5 hours", "3 hours 10 minutes", "4 minutes" (in the active language)."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _days(days) + (f" {_hours(hours)}" if hours else "")
    if hours:
        return _hours(hours) + (f" {_minutes(minutes)}" if minutes else "")
    if minutes:
        return _minutes(minutes)
    return _("less than a minute")


def countdown(when, now=None):
    now = now or timezone.now()
    seconds = (when - now).total_seconds()
    if seconds > 0:
        return _("%(time)s left") % {"time": duration_text(seconds)}
    return _("passed %(time)s ago") % {"time": duration_text(-seconds)}


def countdown_words():
    """What static/js/countdown.js needs to write a countdown as ``countdown`` does, in the active language."""
    return {
        "day": [ngettext("%(n)d day", "%(n)d days", 1), ngettext("%(n)d day", "%(n)d days", 2)],
        "hour": [ngettext("%(n)d hour", "%(n)d hours", 1), ngettext("%(n)d hour", "%(n)d hours", 2)],
        "minute": [ngettext("%(n)d minute", "%(n)d minutes", 1), ngettext("%(n)d minute", "%(n)d minutes", 2)],
        "less": _("less than a minute"),
        "left": _("%(time)s left"),
        "passed": _("passed %(time)s ago"),
    }


@dataclass(frozen=True)
class Deadline:
    label: str
    local: str  # "2025-03-04 17:00 UTC+1 (Europe/Paris)", in the viewer's language
    utc: str  # "2025-03-04 16:00 UTC"; "" where the viewer's zone is at UTC then (nothing to add)
    left: str  # "2 days 5 hours left" / "passed 3 hours ago"
    passed: bool
    iso: str = ""  # the instant for the browser's countdown, "2025-03-04T16:00:00Z"

    @property
    def full(self):
        """The local time, and UTC beside it where it differs: "2025-03-04 17:00 UTC+1 (Europe/Paris)
        (2025-03-04 16:00 UTC)"; a Dublin reader in winter reads the time once."""
        return f"{self.local} ({self.utc})" if self.utc else self.local


def zone_key(zone):
    return getattr(zone, "key", "UTC")


def deadline(label, when, zone, now=None):
    now = now or timezone.now()
    key = zone_key(zone)
    local = instant_text(when, zone)
    return Deadline(
        label=label,
        local=local if key == "UTC" else f"{local} ({key})",
        utc="" if not timezone.localtime(when, zone).utcoffset() else f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        left=countdown(when, now),
        passed=when <= now,
        iso=when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def render_for_viewer(request, template, context, status=200):
    """Render with every date in the viewer's own time zone."""
    with timezone.override(viewer_zone(request.user)):
        return render(request, template, context, status=status)
