"""``{{ text|recorded }}``: a recorded text in the reader's language where it is the engine's own words
(``takedowns.recorded``); a person's words as written."""

from django import template

from takedowns.recorded import recorded_read

register = template.Library()


@register.filter
def recorded(text):
    return recorded_read(text)
