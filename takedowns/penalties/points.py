"""A store's live penalty points: its unreversed penalties that have not expired yet.

The rule is here once, as a query for any number of stores and as a test of one
penalty the ladder already holds in memory (``StoreLedger``, which asks it at the
instant of a decision rather than now).
"""

from django.db.models import Sum

from takedowns.models import Penalty


def penalty_live_at(penalty, *, at):
    """Whether ``penalty``'s points count at ``at``: not reversed, and expiring after ``at``."""
    return penalty.reversed_at is None and penalty.expires_at > at


def stores_live_penalties(store_ids, *, now):
    """The penalties whose points count at ``now`` for these stores (``penalty_live_at`` as a query)."""
    return Penalty.objects.filter(store_id__in=store_ids, reversed_at__isnull=True, expires_at__gt=now)


def stores_live_points(store_ids, *, now):
    """{store id: its live penalty points at ``now``} for every one of ``store_ids`` (0 without any), in one query."""
    store_ids = set(store_ids)
    points = dict.fromkeys(store_ids, 0)
    if store_ids:
        rows = stores_live_penalties(store_ids, now=now).order_by().values("store_id").annotate(total=Sum("points"))
        points.update((row["store_id"], row["total"]) for row in rows)
    return points


def store_live_points(store, *, now):
    """The store's live penalty points at ``now`` (``stores_live_points`` of one)."""
    return stores_live_points([store.pk], now=now)[store.pk]
