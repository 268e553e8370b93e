"""Showing instants to a person: in their own time zone, in UTC beside it, with a countdown."""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC

from django.shortcuts import render
from django.utils import timezone


def viewer_zone(user):
    """The user's IANA zone (User.time_zone); UTC if it is empty or unknown."""
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def duration_text(seconds):
    """Two units at most: "2 days 5 hours", "3 hours 10 minutes", "4 minutes"."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _plural(days, "day") + (f" {_plural(hours, 'hour')}" if hours else "")
    if hours:
        return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    if minutes:
        return _plural(minutes, "minute")
    return "less than a minute"


def countdown(when, now=None):
    now = now or timezone.now()
    seconds = (when - now).total_seconds()
    if seconds > 0:
        return f"{duration_text(seconds)} left"
    return f"passed {duration_text(-seconds)} ago"


@dataclass(frozen=True)
class Deadline:
    label: str
    local: str  # "2025-03-04 17:00 Europe/Paris"
    utc: str  # "2025-03-04 16:00 UTC"
    left: str  # "2 days 5 hours left" / "passed 3 hours ago"
    passed: bool


def deadline(label, when, zone, now=None):
    now = now or timezone.now()
    return Deadline(
        label=label,
        local=f"{when.astimezone(zone):%Y-%m-%d %H:%M} {zone.key if hasattr(zone, 'key') else 'UTC'}",
        utc=f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        left=countdown(when, now),
        passed=when <= now,
    )


def render_for_viewer(request, template, context, status=200):
    """Render with every date in the viewer's own time zone."""
    with timezone.override(viewer_zone(request.user)):
        return render(request, template, context, status=status)
