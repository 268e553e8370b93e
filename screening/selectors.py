"""Reading alerts for the inbox (pages and API): who sees which, in what shape, in a fixed number of queries."""

from django.db.models import Q

from portal.models import Membership
from rights_holders.authority import acting_authority
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
    """How many open alerts wait for the user's brands (the navigation's badge): one query.

    The brands are ``acting_authority``'s, as subqueries of the user's memberships, so every page
    pays one query for the badge, whether or not the request read the user's brands already.
    """
    if not user.is_authenticated:
        return 0
    holders, letters = acting_authority(Membership.objects.filter(user=user).values("organisation_id"))
    return ScreeningAlert.objects.filter(
        Q(rights_holder_id__in=holders.values("pk")) | Q(rights_holder_id__in=letters.values("rights_holder_id")),
        status=AlertStatus.OPEN,
    ).count()
