"""The navigation's count of open alerts (``{{ user|open_alerts }}``)."""

from django import template

from screening.selectors import open_alert_count

register = template.Library()


@register.filter
def open_alerts(user):
    """Open alerts of the brands the user acts for; counted once per request (kept on the user object)."""
    if not user.is_authenticated:
        return 0
    cached = getattr(user, "_open_alerts", None)
    if cached is None:
        cached = user._open_alerts = open_alert_count(user)
    return cached
