"""``{% sort_header listing "key" %}``: a table's sortable column header (portal/lists.py)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def sort_header(listing, key, label=None, css_class=""):
    """A <th> whose link sorts the list by ``key`` (ascending, then descending); aria-sort says the order in
    force on the column that has it."""
    sort = listing.sorts[key]
    label = label or sort.label
    current = listing.sort_key == key
    if current:
        direction = "descending" if listing.descending else "ascending"
        mark = "\u25bc" if listing.descending else "\u25b2"
        hint = _("sorted descending; sort ascending") if listing.descending else _("sorted ascending; sort descending")
        return format_html(
            '<th scope="col" class="{}" aria-sort="{}"><a class="sort" href="{}" title="{}">{} '
            '<span class="sort-mark" aria-hidden="true">{}</span></a></th>',
            css_class,
            direction,
            listing.sort_query(key),
            hint,
            label,
            mark,
        )
    return format_html(
        '<th scope="col" class="{}"><a class="sort" href="{}" title="{}">{}</a></th>',
        css_class,
        listing.sort_query(key),
        _("sort by this column"),
        label,
    )
