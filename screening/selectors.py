"""Reading alerts for the inbox (pages and API): who sees which, in what shape, in a fixed number of queries."""

import functools

from django.db import router
from django.db.models import Count

from portal import pagecache
from portal.statements import ValuesStatement
from rights_holders.scoping import rights_holder_ids_visible_to
from screening.models import AlertStatus, ScreeningAlert

# Everything a row of the inbox shows, in the alerts' own query: the listing and its store, the asset,
# the brand, the result (score and evidence) and the notice a confirmation filed.
ALERT_RELATED = ("listing__store", "asset", "rights_holder", "result", "notice")


def alerts_visible_to(user):
    """The alerts of the brands the user acts for (``ScreeningAlert.objects.visible_to``), newest first."""
    return ScreeningAlert.objects.visible_to(user).select_related(*ALERT_RELATED).order_by("-created_at", "-id")


# The inbox's orders, by the name its sort choice gives; each ends on the id, so pages never repeat a tie.
ALERT_ORDERS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "score": ("-result__score", "-created_at", "-id"),
}


def alert_list(user, *, status=None, rights_holder_id=None, asset_id=None, sort="newest"):
    """The inbox: the user's alerts, narrowed by status, brand and asset (each optional), in ``sort``'s order."""
    alerts = alerts_visible_to(user).order_by(*ALERT_ORDERS.get(sort, ALERT_ORDERS["newest"]))
    if status:
        alerts = alerts.filter(status=status)
    if rights_holder_id:
        alerts = alerts.filter(rights_holder_id=rights_holder_id)
    if asset_id:
        alerts = alerts.filter(asset_id=asset_id)
    return alerts


def open_alert_count(user):
    """How many open alerts wait for the user's brands (the navigation's badge): one query, none for a user
    who acts for no brand.

    The brands are ``rights_holder_ids_visible_to``'s (``acting_authority``'s rule), which the top bar
    has read already: the count is a plain filter on ids, cheap to build and to plan. For one brand (nearly
    every brand-side user) the count's SQL is compiled once per process (``portal.statements``).
    """
    if not user.is_authenticated:
        return 0
    holder_ids = rights_holder_ids_visible_to(user)
    if not holder_ids:
        return 0

    def count():
        if len(holder_ids) == 1:
            rows = _one_brands_open_alerts_statement(router.db_for_read(ScreeningAlert)).rows(next(iter(holder_ids)))
            return rows[0][0] if rows else 0
        return _open_alerts(rights_holder_id__in=holder_ids).count()

    # The brands decide it (which themselves may change with time, for an agent): kept per data version and
    # set of brands (portal.pagecache).
    return pagecache.version_memo(user, ("open-alerts", holder_ids), count)


def _open_alerts(**brands):
    """The alerts still open of the brands ``brands`` names (a lookup on ``rights_holder_id``)."""
    return ScreeningAlert.objects.filter(status=AlertStatus.OPEN, **brands)


def _one_brands_open_alert_count(holder_id):
    return (
        _open_alerts(rights_holder_id=holder_id)
        .order_by()
        .values("rights_holder_id")
        .annotate(n=Count("pk"))
        .values_list("n")
    )


@functools.cache
def _one_brands_open_alerts_statement(alias):
    return ValuesStatement(_one_brands_open_alert_count, alias)
