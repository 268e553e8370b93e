"""The merchant's dashboard: complaints against its listings, most urgent first with the time left to
answer each; its stores' penalty points and the restrictions in force, with their end dates and reasons."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.lists import ListSort, list_page
from takedowns import selectors
from takedowns.filters import MerchantComplaintFilter
from takedowns.views.display import countdown_words, render_for_viewer, viewer_zone
from takedowns.views.notices import item_deadlines

COMPLAINT_SORTS = {
    # Must answer first, then open, then decided; within each the nearest deadline first.
    "urgent": ListSort(_("Most urgent"), ("urgency", "answer_by")),
    "filed": ListSort(_("Filed"), ("notice__submitted_at",)),
    "decided": ListSort(_("Decided"), ("decided_at",)),
}


@login_required
def merchant_dashboard(request):
    user = request.user
    if user.is_platform_staff or not selectors.user_is_merchant(user):
        raise Http404("This page is for merchants.")
    zone, now = viewer_zone(user), timezone.now()
    listing = list_page(
        request,
        selectors.merchant_complaints(user),
        sorts=COMPLAINT_SORTS,
        default_sort="urgent",
        filterset_class=MerchantComplaintFilter,
    )
    for item in listing.object_list:
        item.deadlines = item_deadlines(item, zone, now)
        item.reasons = [s for s in item.statements.all() if s.decision_generation == item.decision_generation]
    context = {
        "listing": listing,
        "standing": selectors.merchant_standing(user, now=now),
        "countdown_words": countdown_words(),
    }
    return render_for_viewer(request, "takedowns/merchant_dashboard.html", context)
