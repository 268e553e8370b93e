"""The screening report page: platform staff see every brand; a brand's people (staff, owners, agents with a
letter) see their own brands only; anyone else gets 404, as if the page did not exist."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.forms import whole_number
from portal.roles import user_is_platform_staff
from rights_holders.scoping import rights_holder_ids_visible_to
from screening.report.figures import DEFAULT_DAYS, MAX_DAYS, screening_report
from screening.report.suggestions import MIN_DECISIONS, NOTICE_PRECISION_TARGET
from takedowns.views.display import render_for_viewer

TEMPLATE = "screening/report.html"


@login_required
def report(request):
    if user_is_platform_staff(request.user):
        holder_ids = None
    else:
        holder_ids = rights_holder_ids_visible_to(request.user)
        if not holder_ids:
            raise Http404
    raw = request.GET.get("days", str(DEFAULT_DAYS)).strip()
    days = whole_number(raw, minimum=1, maximum=MAX_DAYS)
    context = {
        "days": raw,
        "max_days": MAX_DAYS,
        "all_brands": holder_ids is None,
        "min_decisions": MIN_DECISIONS,
        "precision_target": NOTICE_PRECISION_TARGET,
    }
    if days is None:
        context["error"] = _("Days must be a whole number from 1 to %(max)s; got “%(raw)s”.") % {
            "max": MAX_DAYS,
            "raw": raw,
        }
        return render_for_viewer(request, TEMPLATE, context, status=400)
    until = timezone.now()
    context["days"] = days
    context["report"] = screening_report(since=until - timedelta(days=days), until=until, rights_holder_ids=holder_ids)
    return render_for_viewer(request, TEMPLATE, context)
