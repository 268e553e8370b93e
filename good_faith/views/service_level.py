"""The service level page, for platform staff: the same report as ``manage.py service_level_report``."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import gettext as _

from good_faith.service_level.report import KIND_LABELS, MAX_DAYS, service_level_report
from portal.forms import whole_number
from portal.roles import user_is_platform_staff
from takedowns.models import Track
from takedowns.views.display import render_for_viewer

DEFAULT_DAYS = 7


@login_required
def service_level(request):
    # Outsiders learn nothing: the page answers 404 as if it did not exist.
    if not user_is_platform_staff(request.user):
        raise Http404
    raw = request.GET.get("days", str(DEFAULT_DAYS)).strip()
    days = whole_number(raw, minimum=1, maximum=MAX_DAYS)
    if days is None:
        error = _("Days must be a whole number from 1 to %(max)s; got “%(raw)s”.") % {"max": MAX_DAYS, "raw": raw}
        context = {"error": error, "days": raw}
        return render_for_viewer(request, "good_faith/service_level.html", context, status=400)
    report = service_level_report(days=days)
    context = {
        "days": days,
        "max_days": MAX_DAYS,
        "report": report,
        "by_kind": [(KIND_LABELS[k], share) for k, share in report.by_kind.items()],
        "waiting": [(KIND_LABELS[k], n, report.overdue[k]) for k, n in report.waiting.items()],
        "percentiles": [
            (_("All"), report.time_to_decision),
            *((Track(track).label, p) for track, p in report.time_to_decision_by_track.items()),
        ],
    }
    return render_for_viewer(request, "good_faith/service_level.html", context)
