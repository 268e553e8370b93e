"""The reviewers' queue: everything waiting for a person, most urgent first; appeals for seniors only."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone

from portal.roles import user_is_reviewer, user_is_senior_reviewer
from takedowns import effects, selectors
from takedowns.views.display import countdown, render_for_viewer


@login_required
def review_queue(request):
    if not user_is_reviewer(request.user):
        raise Http404
    now = timezone.now()
    is_senior = user_is_senior_reviewer(request.user)
    entries = selectors.review_queue(include_appeals=is_senior)
    for entry in entries:
        entry.overdue = entry.due_at < now
        entry.due_left = countdown(entry.due_at, now)
    return render_for_viewer(
        request,
        "takedowns/review_queue.html",
        {
            "entries": entries,
            "is_senior": is_senior,
            "sla_hours": settings.TAKEDOWN_REVIEW_SLA_HOURS,
            "overdue_count": sum(e.overdue for e in entries),
            "appeal_count": sum(e.kind == "appeal" for e in entries),
            "audit_count": sum(e.kind == "audit" for e in entries),
            # Dead letters need a person too: one count, the list is on its own page.
            "failed_effect_count": effects.effects_failed().count(),
        },
    )
