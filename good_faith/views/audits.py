"""The quality-audit queue: fast-track takedowns drawn at random, for a reviewer to confirm or reverse.

Opening an audit (its own page) claims it for the reviewer (``good_faith.audits``, the claim rule every
kind of reviewer work shares): another reviewer then sees who holds it and until when, and cannot decide
it, here or in the queue; deciding ends the claim.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from good_faith.audits import AUDIT_CLAIMS, quality_audit_claim_release, quality_audit_claim_take, quality_audit_decide
from good_faith.forms import AuditDecisionForm
from good_faith.models import QualityAudit, QualityAuditStatus
from portal.claims import ClaimHeld, work_claims_running
from portal.roles import user_is_reviewer
from portal.views.claims import claim_release_answer
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
    claims = work_claims_running(AUDIT_CLAIMS, [a.pk for a in audits], now)
    for audit in audits:
        audit.overdue = audit.due_at < now
        audit.due_left = countdown(audit.due_at, now)
        # Another reviewer's running claim: the row says who and until when, and offers no decision.
        audit.running_claim = claims.get(audit.pk)
        audit.held_by_other = audit.running_claim is not None and audit.running_claim.reviewer_id != request.user.pk
    context = {"page": page, "audits": audits, "form": AuditDecisionForm(auto_id=False)}
    return render_for_viewer(request, "good_faith/audit_queue.html", context, status=status)


@login_required
def audit_detail(request, pk):
    """One audit, to decide: the takedown as it stands; opening an open audit claims it."""
    if not user_is_reviewer(request.user):
        raise Http404
    audit = get_object_or_404(
        QualityAudit.objects.select_related(
            "item__listing__store",
            "item__ip_asset",
            "item__notice__rights_holder",
            "item__notice__partner__organisation",
            "decided_by",
        ),
        pk=pk,
    )
    now = timezone.now()
    claim = claim_blocked = None
    if audit.status == QualityAuditStatus.OPEN:
        try:
            claim = quality_audit_claim_take(audit_id=audit.pk, actor=request.user, now=now)
        except ClaimHeld as exc:
            claim_blocked = exc.claim
    context = {
        "audit": audit,
        "item": audit.item,
        "overdue": audit.due_at < now,
        "due_left": countdown(audit.due_at, now),
        "claim": claim,
        "claim_blocked": claim_blocked,
        "release_url": reverse("good_faith:audit-release", args=[audit.pk]),
        "form": AuditDecisionForm() if claim is not None else None,
    }
    return render_for_viewer(request, "good_faith/audit_detail.html", context)


@login_required
@require_POST
def audit_release(request, pk):
    """The holder of an audit's claim lets it go back to the queue."""
    return claim_release_answer(
        request,
        model=QualityAudit,
        pk=pk,
        release=lambda audit: quality_audit_claim_release(audit_id=audit.pk, actor=request.user),
        released=lambda audit: gettext(
            "The audit of item #%(item)s is released: it is back in the queue for any reviewer."
        )
        % {"item": audit.item_id},
        refused=lambda request, audit, exc: refused(request, exc, _audit_queue_page),
        queue="good_faith:audit-queue",
    )


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
    try:
        quality_audit_decide(
            audit_id=audit.pk, actor=request.user, reverse=form.reverse, reason=form.cleaned_data["reason"]
        )
    except DOMAIN_ERRORS as exc:
        # E.g. another reviewer holds the audit, or decided it first: the queue as it now stands, with why, and 409.
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
