"""The quality-audit queue: fast-track takedowns drawn at random, for a reviewer to confirm or reverse."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from good_faith.forms import AuditDecisionForm
from good_faith.models import QualityAudit, QualityAuditStatus
from portal.roles import user_is_reviewer
from takedowns.views.display import countdown, render_for_viewer
from takedowns.views.errors import DOMAIN_ERRORS, form_refusal, refused

PAGE_SIZE = 50


def open_audits():
    """Open audits, the most urgent first, with what the queue shows of each item in the same query."""
    return (
        QualityAudit.objects.filter(status=QualityAuditStatus.OPEN)
        .select_related(
            "item__listing__store",
            "item__ip_asset",
            "item__notice__rights_holder",
            "item__notice__partner__organisation",
        )
        .order_by("due_at", "id")
    )


@login_required
def audit_queue(request):
    if not user_is_reviewer(request.user):
        raise Http404
    return _audit_queue_page(request)


def _audit_queue_page(request, status=200):
    now = timezone.now()
    page = Paginator(open_audits(), PAGE_SIZE).get_page(request.GET.get("page"))
    audits = list(page.object_list)
    for audit in audits:
        audit.overdue = audit.due_at < now
        audit.due_left = countdown(audit.due_at, now)
    context = {"page": page, "audits": audits, "form": AuditDecisionForm(auto_id=False)}
    return render_for_viewer(request, "good_faith/audit_queue.html", context, status=status)


@login_required
@require_POST
def audit_decide(request, pk):
    if not user_is_reviewer(request.user):
        raise Http404
    audit = get_object_or_404(QualityAudit, pk=pk)
    prefix = gettext("Audit of item #%(item)s: ") % {"item": audit.item_id}
    form = AuditDecisionForm(request.POST)
    if not form.is_valid():
        missing = gettext("Choose a decision and give its reasons: none is made for you.")
        return refused(request, form_refusal(form, missing=missing), _audit_queue_page, prefix=prefix)
    from good_faith.audits import quality_audit_decide

    try:
        quality_audit_decide(
            audit_id=audit.pk, actor=request.user, reverse=form.reverse, reason=form.cleaned_data["reason"]
        )
    except DOMAIN_ERRORS as exc:
        # E.g. another reviewer decided this audit first: the queue as it now stands, with why, and 409.
        return refused(request, exc, _audit_queue_page, prefix=prefix)
    if form.reverse:
        messages.success(
            request,
            gettext(
                "Takedown of item #%(item)s reversed: the listing is reinstated and it counts against the filer's "
                "accuracy."
            )
            % {"item": audit.item_id},
        )
    else:
        messages.success(request, gettext("Takedown of item #%(item)s confirmed.") % {"item": audit.item_id})
    return redirect("good_faith:audit-queue")
