"""Reading alerts for the inbox (pages and API): who sees which, in what shape, in a fixed number of queries."""

from rights_holders.scoping import rights_holder_ids_visible_to
from screening.models import AlertStatus, ScreeningAlert

# Everything a row of the inbox shows, in the alerts' own query: the listing and its store, the asset,
# the brand, the result (score and evidence) and the notice a confirmation filed.
ALERT_RELATED = ("listing__store", "asset", "rights_holder", "result", "notice")


def alerts_visible_to(user):
    """The alerts of the brands the user acts for (``ScreeningAlert.objects.visible_to``), newest first."""
    return ScreeningAlert.objects.visible_to(user).select_related(*ALERT_RELATED).order_by("-created_at", "-id")


def alert_list(user, *, status=None, rights_holder_id=None, asset_id=None):
    """The inbox: the user's alerts, narrowed by status, brand and asset (each optional)."""
    alerts = alerts_visible_to(user)
    if status:
        alerts = alerts.filter(status=status)
    if rights_holder_id:
        alerts = alerts.filter(rights_holder_id=rights_holder_id)
    if asset_id:
        alerts = alerts.filter(asset_id=asset_id)
    return alerts


def open_alert_count(user):
    """How many open alerts wait for the user's brands (the navigation's badge); no query for anyone else."""
    holders = rights_holder_ids_visible_to(user)
    if not holders:
        return 0
    return ScreeningAlert.objects.filter(rights_holder_id__in=holders, status=AlertStatus.OPEN).count()
