"""Deadlines are instants in UTC; each person reads them in their own time zone, next to UTC."""

from datetime import UTC
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def user_zone(user):
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        # A bad stored zone must not stop a deadline from being told: fall back to UTC.
        return UTC


def instant_for(user, instant):
    """'Thu 03 Jul 2025 16:00 CEST (Europe/Paris) / 2025-07-03 14:00 UTC'; 'Thu 03 Jul 2025 14:00 UTC' for UTC users."""
    if instant is None:
        return ""
    utc = instant.astimezone(UTC)
    zone = user_zone(user)
    utc_text = f"{utc:%Y-%m-%d %H:%M} UTC"
    if zone is UTC or getattr(zone, "key", "UTC") in {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu"}:
        return f"{utc:%a %d %b %Y %H:%M} UTC"
    local = instant.astimezone(zone)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()} ({zone.key}) / {utc_text}"
