"""Deadlines are instants in UTC; each person reads them in their own time zone, next to UTC, in their language."""

from datetime import UTC

from portal.i18n import user_zone
from portal.instants import instant_text

UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu"})


def instant_for(user, instant):
    """'2025-07-03 16:00 UTC+2 (Europe/Paris) / 2025-07-03 14:00 UTC'; '2025-07-03 14:00 UTC' for UTC users.

    In the active language's date format (a message is written under its recipient's language).
    """
    if instant is None:
        return ""
    zone = user_zone(user)
    utc_text = instant_text(instant, UTC)
    if zone is UTC or getattr(zone, "key", "UTC") in UTC_NAMES:
        return utc_text
    return f"{instant_text(instant, zone)} ({zone.key}) / {utc_text}"
