"""The merchant's dashboard: complaints against its listings, most urgent first with the time left to
answer each; its stores' penalty points and the restrictions in force, with their end dates and reasons."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import pagecache
from portal.lists import ListSort, list_page
from portal.scoping import organisation_ids_of
from takedowns import selectors
from takedowns.filters import MerchantComplaintFilter
from takedowns.views.display import countdown_words, viewer_zone
from takedowns.views.notices import item_deadlines

COMPLAINT_SORTS = {
    # Must answer first, then open, then decided; within each the nearest deadline first.
    "urgent": ListSort(_("Most urgent"), ("urgency", "answer_by")),
    "filed": ListSort(_("Filed"), ("notice__submitted_at",)),
    "decided": ListSort(_("Decided"), ("decided_at",)),
}


@login_required
def merchant_dashboard(request):
    """The merchant's dashboard, its content one fragment (``portal.pagecache``) shared by everyone of the same
    organisations who asks the same filters, sort and page, until the data changes, a countdown's minute is up,
    a restriction ends or penalty points expire."""
    user = request.user
    if user.is_platform_staff or not pagecache.version_memo(
        user, "is-merchant", lambda: selectors.user_is_merchant(user)
    ):
        raise Http404("This page is for merchants.")
    parts = (sorted(organisation_ids_of(user)), sorted(request.GET.lists()))

    def build():
        zone, now = timezone.get_current_timezone(), timezone.now()
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
        standing = selectors.merchant_standing(user, now=now)
        context = {"listing": listing, "standing": standing}
        html = render_to_string("takedowns/_merchant_dashboard_body.html", context, request=request)
        # The countdowns are shown to the minute; a store's points and restrictions move by themselves when a
        # restriction ends or points expire.
        changes = [now + pagecache.TEXTS_IN_MINUTES, selectors.merchant_standing_changes_at(standing, now=now)]
        return pagecache.Fragment(html, min(when for when in changes if when is not None))

    with timezone.override(viewer_zone(user)):
        body, _meta, _shared = pagecache.shared_fragment(
            request, "merchant-dashboard", parts, build, topics=(pagecache.DATA,)
        )
        context = {"dashboard_body": body, "countdown_words": countdown_words()}
        return render(request, "takedowns/merchant_dashboard.html", context)
