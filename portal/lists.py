"""Every list page's pagination, sorting and filters, in a constant number of queries.

A view builds its queryset (scoped, with its ``select_related``/``prefetch_related``), then::

    listing = list_page(
        request,
        queryset,
        sorts={"filed": ListSort(_("Filed"), ("submitted_at",)), "holder": ListSort(_("Rights holder"), ...)},
        default_sort="-filed",
        filterset_class=NoticeFilter,  # a django-filter FilterSet, or None
    )
    return render(request, "…", {"listing": listing})

and the template shows ``{% include "portal/_list_filters.html" %}`` (the filter bar, with a "Sort by" choice
for phones, where the column headers are hidden), ``{% sort_header listing "filed" %}`` in the table's
head (``{% load portal_lists %}``), ``listing.page.object_list`` in the body and
``{% include "portal/_list_pager.html" %}`` under it.

Queries: the page's rows (plus the queryset's prefetches) and one count, whatever the table's size. The sort
keys are a whitelist: the query string names a key, never a field, so nothing but the listed orderings can
reach ``order_by``; an unknown key falls back to the default. Every ordering ends on the primary key, so
pages never repeat or skip a row that ties.
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator

from portal.forms import whole_number

DEFAULT_PAGE_SIZE = 50
SORT_PARAM = "sort"
PAGE_PARAM = "page"


@dataclass(frozen=True)
class ListSort:
    """One sortable column: its label and the fields it orders by, ascending (``-key`` reverses them all)."""

    label: str
    fields: tuple = field(default_factory=tuple)

    def order_by(self, descending):
        if not descending:
            return self.fields
        return tuple(f[1:] if f.startswith("-") else f"-{f}" for f in self.fields)


@dataclass
class ListPage:
    """What a list template reads: the page, the current sort, the filters, and the links' query strings."""

    page: object
    sorts: dict
    sort: str  # the key in force, "-" first when descending
    filterset: object
    params: object  # the request's GET (a QueryDict)

    @property
    def object_list(self):
        return self.page.object_list

    @property
    def count(self):
        return self.page.paginator.count

    @property
    def sort_key(self):
        return self.sort.lstrip("-")

    @property
    def descending(self):
        return self.sort.startswith("-")

    @property
    def filtered(self):
        """Whether any filter is set (the empty state then says so, with a way to clear them)."""
        if self.filterset is None:
            return False
        return any(self.params.get(name) for name in self.filterset.form.fields)

    def query(self, **changes):
        """The current query string with ``changes`` (None removes a key); for links that keep the filters."""
        params = self.params.copy()
        for key, value in changes.items():
            params.pop(key, None)
            if value is not None:
                params[key] = value
        encoded = params.urlencode()
        return f"?{encoded}" if encoded else "?"

    def sort_query(self, key):
        """The link a column header points at: ascending first, then the reverse; back to page one."""
        next_sort = f"-{key}" if self.sort == key else key
        return self.query(**{SORT_PARAM: next_sort, PAGE_PARAM: None})

    @property
    def previous_query(self):
        return self.query(**{PAGE_PARAM: str(self.page.previous_page_number())}) if self.page.has_previous() else ""

    @property
    def next_query(self):
        return self.query(**{PAGE_PARAM: str(self.page.next_page_number())}) if self.page.has_next() else ""

    @property
    def sort_choices(self):
        """(value, label, selected) for the filter bar's "Sort by" select: each key both ways."""
        choices = []
        for key, sort in self.sorts.items():
            for value, arrow in ((key, "\u2191"), (f"-{key}", "\u2193")):
                choices.append((value, f"{sort.label} {arrow}", value == self.sort))
        return choices

    @property
    def hidden_params(self):
        """(name, value) of the query string that the filter bar's form does not carry itself (kept on submit)."""
        own = {SORT_PARAM, PAGE_PARAM}
        if self.filterset is not None:
            own |= set(self.filterset.form.fields)
        return [(k, v) for k in self.params for v in self.params.getlist(k) if k not in own]


def list_page(
    request,
    queryset,
    *,
    sorts,
    default_sort,
    filterset_class=None,
    filterset_kwargs=None,
    page_size=DEFAULT_PAGE_SIZE,
    count=None,
):
    """Filter, sort and paginate ``queryset`` as the request's query string asks (see the module's docstring).
    ``count``: the rows of ``queryset`` when the view counted them already (with other figures, in one query):
    the pager then asks no count of its own. ``queryset`` None (with ``count``): the view reads the page's rows
    itself (``page.object_list``) from the order and the page number chosen here."""
    params = request.GET
    filterset = None
    if filterset_class is not None:
        filterset = filterset_class(params or None, queryset=queryset, request=request, **(filterset_kwargs or {}))
        queryset = filterset.qs
    sort = params.get(SORT_PARAM, "")
    if sort.lstrip("-") not in sorts:
        sort = default_sort
    order = sorts[sort.lstrip("-")].order_by(sort.startswith("-"))
    if queryset is not None:
        queryset = queryset.order_by(*order, "-pk" if sort.startswith("-") else "pk")
    number = whole_number(params.get(PAGE_PARAM, "1"), minimum=1) or 1
    paginator = Paginator(queryset if queryset is not None else [], page_size)
    if count is not None:
        paginator.count = count  # a cached_property: the instance's value is the one read
    page = paginator.get_page(number)
    return ListPage(page=page, sorts=sorts, sort=sort, filterset=filterset, params=params)
