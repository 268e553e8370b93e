"""Every list page loads in a constant number of queries: the same count with 10 rows as with 500.

One helper for every list's test (portal/lists.py says how a list is built)::

    def test_the_notice_list_costs_the_same_queries_for_10_or_500_notices(client, owner_a, brand_a):
        client.force_login(owner_a)
        list_queries_constant(client, reverse("takedowns:notice-list"), lambda n: notices_make(brand_a, n))

``make(n)`` adds ``n`` rows the page lists (in bulk: 500 rows must stay cheap to make). The helper makes 10,
counts the queries of a fetch (after a warming fetch: the session), makes 490 more, counts again, and fails
when the counts differ; with ``params`` (a filter, a sort) each fetch uses them too. It also checks that the
page answered 200 and, when its context has a ``listing`` (portal.lists.ListPage), that it shows a full
page of rows (``shown``: how many the page must show at 500 when the view narrows them).

The 500-row case proves that nothing is read per row and that the page does not load the whole table.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

LIST_SIZES = (10, 500)


def list_page_queries(client, url, params=None):
    """(the SQL of one fetch of ``url``, the response), after a warming fetch."""
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return [q["sql"] for q in captured.captured_queries], response


def list_queries_constant(client, url, make, *, params=None, sizes=LIST_SIZES, shown=None):
    """Fail unless ``url`` costs the same queries with each of ``sizes`` rows made by ``make``; the count."""
    counts, made, last = {}, 0, None
    for size in sizes:
        make(size - made)
        made = size
        queries, response = list_page_queries(client, url, params)
        counts[size] = len(queries)
        listing = response.context.get("listing") if response.context else None
        if listing is not None:
            per_page = listing.page.paginator.per_page
            expected = min(size, per_page) if shown is None else min(shown, per_page)
            assert len(listing.page.object_list) == expected, (
                f"{url} shows {len(listing.page.object_list)} rows with {size} made, expected {expected}"
            )
        if last is not None and len(queries) != len(last):
            extra = [q[:140] for q in queries if q not in last] or queries
            raise AssertionError(f"{url}: queries by rows {counts}; differing: {extra}")
        last = queries
    return counts[sizes[-1]]
