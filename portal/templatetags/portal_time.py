"""``{{ when|instant }}``: an instant in the viewer's zone and language with its offset (portal.instants).

A builtin of every template (settings.TEMPLATES), beside i18n.
"""

from django import template

from portal.instants import instant_text

register = template.Library()


@register.filter
def instant(value, precision=""):
    """The instant as "2026-03-04 17:00 UTC+8" (in Chinese "2026年3月4日 17:00 UTC+8"); "" for no value.
    ``{{ when|instant:"seconds" }}``: "2026-03-04 17:00:05 UTC+8"."""
    return instant_text(value, seconds=precision == "seconds")
