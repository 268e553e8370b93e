"""Misuse pages: an organisation's warnings and suspensions with their appeal; senior reviewers' appeal queue."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from good_faith.filters import MisuseMeasureFilter
from good_faith.misuse import (
    measure_in_force,
    misuse_appeal_decide,
    misuse_appeals_open,
    misuse_measure_appeal,
    misuse_measures_of,
    misuse_measures_recent,
)
from good_faith.models import MisuseMeasure, MisuseMeasureStatus
from portal.forms import ProseField
from portal.lists import ListSort, list_page
from portal.roles import user_is_senior_reviewer
from takedowns.views.display import render_for_viewer
from takedowns.views.errors import DOMAIN_ERRORS, form_refusal, refused

MEASURE_SORTS = {
    "issued": ListSort(_("Issued"), ("created_at",)),
    "organisation": ListSort(_("Organisation"), ("organisation__name", "-created_at")),
}


class MisuseAppealForm(forms.Form):
    statement = ProseField(
        widget=forms.Textarea(attrs={"rows": 4}), label=_("Why were the notices not manifestly unfounded?")
    )


class MisuseAppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", _("Confirm the measure")), ("lift", _("Lift the measure (a suspension ends now)"))],
        label=_("Decision"),
    )
    reason = ProseField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Reasons for the organisation"))


@login_required
def misuse_list(request):
    return _misuse_page(request)


def _misuse_page(request, status=200):
    user = request.user
    now = timezone.now()
    measures = list(misuse_measures_of(user))
    for measure in measures:
        measure.in_force = measure_in_force(measure, now)
        measure.can_appeal = measure.in_force and measure.status == MisuseMeasureStatus.IN_FORCE
    is_senior = user_is_senior_reviewer(user)
    listing = None
    recent = []
    if user.is_platform_staff:
        listing = list_page(
            request,
            misuse_measures_recent(),
            sorts=MEASURE_SORTS,
            default_sort="-issued",
            filterset_class=MisuseMeasureFilter,
        )
        recent = listing.object_list
    for measure in recent:
        measure.in_force = measure_in_force(measure, now)
    context = {
        "recent": recent,
        "listing": listing,
        "measures": measures,
        "appeal_form": MisuseAppealForm(),
        "is_senior": is_senior,
        "appeals": list(misuse_appeals_open()) if is_senior else [],
        "decision_form": MisuseAppealDecisionForm() if is_senior else None,
    }
    return render_for_viewer(request, "good_faith/misuse_list.html", context, status=status)


@login_required
@require_POST
def misuse_appeal(request, pk):
    # Another organisation's measure answers 404, exactly like a missing one.
    measure = get_object_or_404(misuse_measures_of(request.user), pk=pk)
    form = MisuseAppealForm(request.POST)
    if not form.is_valid():
        return refused(request, form_refusal(form, missing="Explain why the measure should be lifted."), _misuse_page)
    try:
        misuse_measure_appeal(measure_id=measure.pk, actor=request.user, statement=form.cleaned_data["statement"])
    except DOMAIN_ERRORS as exc:
        # E.g. a colleague appealed first, or the measure ran out meanwhile: 409 with the page as it now stands.
        return refused(request, exc, _misuse_page)
    messages.success(
        request, gettext("Your appeal is filed; a senior reviewer will decide. The measure stays meanwhile.")
    )
    return redirect("good_faith:misuse")


@login_required
@require_POST
def misuse_decide(request, pk):
    if not user_is_senior_reviewer(request.user):
        raise Http404
    measure = get_object_or_404(MisuseMeasure, pk=pk)
    form = MisuseAppealDecisionForm(request.POST)
    if not form.is_valid():
        missing = "Choose confirm or lift and give the organisation the reasons."
        return refused(request, form_refusal(form, missing=missing), _misuse_page)
    lift = form.cleaned_data["decision"] == "lift"
    try:
        misuse_appeal_decide(measure_id=measure.pk, actor=request.user, lift=lift, reason=form.cleaned_data["reason"])
    except DOMAIN_ERRORS as exc:
        # E.g. another senior reviewer decided this appeal first: 409 with the page as it now stands.
        return refused(request, exc, _misuse_page)
    messages.success(
        request, gettext("Lifted: the organisation may file again.") if lift else gettext("The measure is confirmed.")
    )
    return redirect("good_faith:misuse")
