"""Public pages, no login: the register of stores closed for counterfeiting ("name and shame"), and how many
listings were removed by proactive screening and on complaints (``takedowns.removals``)."""

from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from portal.forms import whole_number
from portal.lists import ListSort, list_page
from takedowns.filters import PublicRegisterFilter
from takedowns.models import PublicRegisterEntry
from takedowns.removals import removals_by_source

PAGE_SIZE = 50
# The periods the public figures cover: a month, and a year (the sources' figures are yearly).
PERIOD_DAYS = (30, 365)
DEFAULT_PERIOD_DAYS = 365
REGISTER_SORTS = {
    "listed": ListSort(_("Closed on"), ("listed_at",)),
    "store": ListSort(_("Store"), ("store_name",)),
    "region": ListSort(_("Region"), ("region", "store_name")),
}


def public_period(request):
    """The period (in days) a public page's figures cover, from ``?days=``, and an error for any other value."""
    raw = request.GET.get("days", str(DEFAULT_PERIOD_DAYS)).strip()
    days = whole_number(raw, minimum=1, maximum=max(PERIOD_DAYS))
    if days in PERIOD_DAYS:
        return days, None
    error = gettext_now("The figures cover the last 30 or 365 days; choose one of those (got %(value)s).") % {
        "value": repr(raw[:20])
    }
    return DEFAULT_PERIOD_DAYS, error


def public_register(request):
    days, error = public_period(request)
    now = timezone.now()
    removals = removals_by_source(since=now - timedelta(days=days), now=now)
    # Only what the register publishes: no merchant identity, no personal data.
    entries = PublicRegisterEntry.objects.only("store_name", "region", "reason", "listed_at")
    listing = list_page(
        request,
        entries,
        sorts=REGISTER_SORTS,
        default_sort="-listed",
        filterset_class=PublicRegisterFilter,
        page_size=PAGE_SIZE,
    )
    context = {
        "listing": listing,
        "page": listing.page,
        "removals": removals,
        "days": days,
        "periods": PERIOD_DAYS,
        "error": error,
    }
    return render(request, "takedowns/public_register.html", context, status=400 if error else 200)
