"""The reviewers' queue: items waiting for a decision, most urgent first; open appeals for seniors."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone

from portal.roles import user_is_reviewer, user_is_senior_reviewer
from takedowns import selectors
from takedowns.views.display import countdown, render_for_viewer


@login_required
def review_queue(request):
    if not user_is_reviewer(request.user):
        raise Http404
    now = timezone.now()
    items = selectors.review_queue()
    for item in items:
        item.overdue = item.review_due_at is not None and item.review_due_at < now
        item.due_left = countdown(item.review_due_at, now) if item.review_due_at else ""
    appeals = []
    is_senior = user_is_senior_reviewer(request.user)
    if is_senior:
        appeals = selectors.open_appeals()
        for appeal in appeals:
            appeal.overdue = appeal.due_at is not None and appeal.due_at < now
            appeal.due_left = countdown(appeal.due_at, now) if appeal.due_at else ""
    return render_for_viewer(
        request, "takedowns/review_queue.html", {"items": items, "appeals": appeals, "is_senior": is_senior}
    )
