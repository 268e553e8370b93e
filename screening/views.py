"""Screening pages: a brand's screening page with its re-screening jobs and their progress (thin views).

Who sees what: platform staff see every brand; a brand's people (its organisation, or an agent firm with a
letter for it) see theirs, and any other brand answers 404 as a missing one. Staff and the brand's owners
start a re-screening (every live listing, as every job screens: ``screening.rescreen``).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.roles import user_is_platform_staff
from rights_holders.scoping import rights_holders_readable_by
from rights_holders.services import user_manages_proactive_enforcement
from screening.models import RescreenJob, RescreenStatus
from screening.rescreen import rescreen_job_progress, rescreen_job_request_by, rescreen_jobs_of


def may_start_rescreen(user, holder):
    return user_is_platform_staff(user) or user_manages_proactive_enforcement(user, holder)


@login_required
def brand_screening(request, pk):
    """The brand's screening: its re-screening jobs with their progress; staff and owners start one."""
    holder = get_object_or_404(rights_holders_readable_by(request.user).select_related("organisation"), pk=pk)
    may_start = may_start_rescreen(request.user, holder)
    is_staff = user_is_platform_staff(request.user)
    if request.method == "POST":
        if not may_start:
            raise PermissionDenied(
                _("Only platform staff or an owner of the brand's organisation may start a re-screening.")
            )
        queued_before = RescreenJob.objects.filter(rights_holder=holder, status=RescreenStatus.QUEUED).exists()
        rescreen_job_request_by(rights_holder=holder, actor=request.user)
        if queued_before:
            messages.info(request, _("A re-screening was already waiting to start; your request joins it."))
        else:
            messages.success(
                request,
                _("Re-screening of the marketplace's live listings for %(brand)s queued.")
                % {"brand": holder.legal_name},
            )
        return redirect("screening:brand", pk=holder.pk)
    jobs = rescreen_jobs_of(holder.pk)
    rows = [(job, rescreen_job_progress(job)) for job in jobs]
    return render(
        request,
        "screening/brand_screening.html",
        {"holder": holder, "rows": rows, "may_start": may_start, "is_staff": is_staff},
    )


@login_required
@require_GET
def rescreen_job_progress_view(request, public_id):
    """A job's progress as JSON, for the page's script (the same rule as the page: another brand's job is 404)."""
    job = RescreenJob.objects.filter(
        public_id=public_id, rights_holder__in=rights_holders_readable_by(request.user).values("pk")
    ).first()
    if job is None:
        raise Http404("No such re-screening job.")
    response = JsonResponse(rescreen_job_progress(job))
    response["Cache-Control"] = "no-store"
    return response
