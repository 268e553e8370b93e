"""``{{ text|recorded }}``: a recorded text in the reader's language where it is the engine's own words
(``takedowns.recorded``); a person's words as written. ``{% with read=s|statement_said:item %}``: a statement
of reasons as its reader reads it (``takedowns.reasons.statement_read``)."""

from django import template

from takedowns.reasons import statement_read
from takedowns.recorded import recorded_read

register = template.Library()


@register.filter
def recorded(text):
    return recorded_read(text)


@register.filter
def statement_said(statement, item):
    return statement_read(statement, item or statement.item)
