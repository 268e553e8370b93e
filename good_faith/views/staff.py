"""Staff pages: every holder and partner with figures and membership per scope; manual decisions.

Who decides by hand: any platform staff member may read these pages; grants,
revocations and lifting an override are for senior reviewers and platform
admins (``user_is_senior_reviewer``), the same people who decide appeals,
since an override outlasts every nightly run until someone lifts it.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from good_faith.forms import MembershipDecisionForm, OverrideLiftForm, StaffFilterForm
from good_faith.models import Membership
from good_faith.views.holder import bar_settings
from good_faith.views.subjects import subject_changes, subjects_queryset, subjects_summarise
from portal.roles import user_is_platform_staff, user_is_senior_reviewer
from takedowns.views.display import render_for_viewer
from takedowns.views.errors import DOMAIN_ERRORS, form_refusal, refused

PAGE_SIZE = 50
KIND_BY_SEGMENT = {"holders": "rights_holder", "partners": "partner"}
SEGMENT_BY_KIND = {v: k for k, v in KIND_BY_SEGMENT.items()}


def _require_staff(user):
    # Outsiders learn nothing: the staff pages answer 404 as if they did not exist.
    if not user_is_platform_staff(user):
        raise Http404


def _kind(segment):
    try:
        return KIND_BY_SEGMENT[segment]
    except KeyError:
        raise Http404 from None


@login_required
def staff_list(request):
    _require_staff(request.user)
    form = StaffFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    kind = filters.get("kind") or "rights_holder"
    status = filters.get("status") or ""
    name = (filters.get("q") or "").strip()
    page = Paginator(subjects_queryset(kind, status=status, name=name), PAGE_SIZE).get_page(request.GET.get("page"))
    summaries = subjects_summarise(kind, page.object_list, all_scopes=False)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "kind": kind,
        "segment": SEGMENT_BY_KIND[kind],
        "page": page,
        "summaries": summaries,
        "query": query.urlencode(),
        "bar": bar_settings(),
    }
    return render_for_viewer(request, "good_faith/staff_list.html", context)


@login_required
def staff_detail(request, segment, pk):
    _require_staff(request.user)
    return _staff_detail_page(request, segment, pk)


def _staff_detail_page(request, segment, pk, status=200):
    kind = _kind(segment)
    summaries = subjects_summarise(kind, subjects_queryset(kind).filter(pk=pk))
    if not summaries:
        raise Http404
    summary = summaries[0]
    can_decide = user_is_senior_reviewer(request.user)
    context = {
        "summary": summary,
        "segment": segment,
        "changes": subject_changes(kind, pk),
        "bar": bar_settings(),
        "can_decide": can_decide,
        # Two forms of one class on the page: their own id prefixes keep labels pointing at the right box.
        "grant_form": MembershipDecisionForm(auto_id="grant_%s") if can_decide else None,
        "revoke_form": MembershipDecisionForm(auto_id="revoke_%s") if can_decide else None,
        "lift_form": OverrideLiftForm(auto_id=False) if can_decide else None,
        "show_staff_names": True,
    }
    return render_for_viewer(request, "good_faith/staff_detail.html", context, status=status)


def _may_decide(user):
    if not user_is_senior_reviewer(user):
        raise PermissionDenied(_("Only senior reviewers and platform admins grant, revoke or lift memberships."))


@login_required
@require_POST
def staff_membership_decide(request, segment, pk, action):
    """Grant or revoke by hand for one scope, with a reason; the decision holds until lifted."""
    kind = _kind(segment)
    _require_staff(request.user)
    subject = get_object_or_404(subjects_queryset(kind).model, pk=pk)
    page = partial(_staff_detail_page, segment=segment, pk=subject.pk)
    form = MembershipDecisionForm(request.POST)
    from good_faith import membership

    service = {"grant": membership.membership_grant, "revoke": membership.membership_revoke}[action]
    try:
        _may_decide(request.user)
        if not form.is_valid():
            raise form_refusal(form, missing=_("Give the reason for the decision."))
        service(
            **{f"{kind}_id": subject.pk},
            infringement_type=form.cleaned_data["infringement_type"] or "",
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except DOMAIN_ERRORS as exc:
        return refused(request, exc, page)
    if action == "grant":
        done = _("Membership granted; it holds across nightly runs until staff lift the override.")
    else:
        done = _("Membership revoked; it holds across nightly runs until staff lift the override.")
    messages.success(request, done)
    return redirect("good_faith:staff-detail", segment=segment, pk=subject.pk)


@login_required
@require_POST
def staff_override_lift(request, pk):
    """Hand a scope back to the nightly evaluation."""
    _require_staff(request.user)
    member = get_object_or_404(Membership, pk=pk)
    kind = "rights_holder" if member.rights_holder_id else "partner"
    segment, subject_id = SEGMENT_BY_KIND[kind], getattr(member, f"{kind}_id")
    form = OverrideLiftForm(request.POST)
    from good_faith.membership import membership_override_lift

    try:
        _may_decide(request.user)
        if not form.is_valid():
            raise form_refusal(form, missing=_("Give the reason for lifting the override."))
        membership_override_lift(membership_id=member.pk, actor=request.user, reason=form.cleaned_data["reason"])
    except DOMAIN_ERRORS as exc:
        # E.g. another staff member lifted it first: 409 with the page as it now stands.
        return refused(request, exc, partial(_staff_detail_page, segment=segment, pk=subject_id))
    messages.success(request, _("Override lifted: the nightly evaluation decides this scope again."))
    return redirect("good_faith:staff-detail", segment=segment, pk=subject_id)
