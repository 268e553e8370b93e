"""A rights holder's own standing in the programme: figures, memberships, what it lacks, the history."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect

from good_faith.views.subjects import subject_changes, subjects_queryset, subjects_summarise
from rights_holders.scoping import rights_holder_ids_visible_to
from takedowns.views.display import render_for_viewer


def bar_settings():
    """The bar in words the pages show beside the figures."""
    return {
        "window_days": settings.GOOD_FAITH_WINDOW_DAYS,
        "min_decided": settings.GOOD_FAITH_MIN_DECIDED,
        "min_upheld": settings.GOOD_FAITH_MIN_UPHELD_PERCENT,
        "max_counter_notice": settings.GOOD_FAITH_MAX_COUNTER_NOTICE_PERCENT,
        "cooling_off_days": settings.GOOD_FAITH_COOLING_OFF_DAYS,
    }


@login_required
def holder_overview(request):
    """Every rights holder the user acts for (its own organisation, or by a letter of authorisation)."""
    ids = rights_holder_ids_visible_to(request.user)
    if not ids and request.user.is_platform_staff:
        return redirect("good_faith:staff-list")
    summaries = subjects_summarise("rights_holder", subjects_queryset("rights_holder").filter(pk__in=ids))
    return render_for_viewer(
        request, "good_faith/holder_overview.html", {"summaries": summaries, "bar": bar_settings()}
    )


@login_required
def holder_detail(request, pk):
    """One holder's standing and history; another holder's page answers 404 like a missing one."""
    if pk not in rights_holder_ids_visible_to(request.user) and not request.user.is_platform_staff:
        raise Http404("No such rights holder.")
    summaries = subjects_summarise("rights_holder", subjects_queryset("rights_holder").filter(pk=pk))
    if not summaries:
        raise Http404("No such rights holder.")
    context = {
        "summary": summaries[0],
        "changes": subject_changes("rights_holder", pk),
        "bar": bar_settings(),
        "show_staff_names": request.user.is_platform_staff,
    }
    return render_for_viewer(request, "good_faith/holder_detail.html", context)
