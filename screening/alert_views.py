"""The alerts inbox in the browser: the list, one alert with its evidence, confirm (a pre-filled notice) and
dismiss (thin views: ``screening.alerts`` decides).

A listing already under the brand's open notice for the alert's asset: the alert's page and the
confirm page say so with a link to that notice and offer one button, "Close as already filed"
(no form to sign for a notice nobody files); a confirmation that meets such a notice (opened
meanwhile) closes the alert the same way and comes back to the alert's page saying so.

Who sees what: the brand's staff and the agent firms with a letter in force for it
(``screening.selectors``); anyone else's alert answers 404 like a missing one. A refused action
answers with its page as it now stands and why: 400 bad input, 403 a missing right, 409 an alert
already decided or a listing or asset that no longer allows a notice.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import InvalidInput, TransitionError
from portal.request_limits import upload_endpoint
from rights_holders.authority import acting_roles_of
from rights_holders.models import IPAsset, RightsHolder
from rights_holders.scoping import rights_holder_ids_visible_to
from screening.alert_forms import AlertConfirmForm, AlertDismissForm, AlertFilterForm
from screening.alerts import alert_close_already_filed, alert_confirm, alert_dismiss, alert_open_item
from screening.evidence import signals_shown
from screening.models import AlertStatus
from screening.selectors import alert_list, alerts_visible_to
from takedowns.models import Channel
from takedowns.views.display import render_for_viewer
from takedowns.views.errors import error_messages, error_status, form_add_domain_error

PAGE_SIZE = 25


def _holder_ids_or_404(user):
    holder_ids = rights_holder_ids_visible_to(user)
    if not holder_ids:
        raise Http404("You do not act for any rights holder.")
    return holder_ids


@login_required
def alert_inbox(request):
    """Open alerts of the user's brands, newest first; filters by status, brand and asset; 25 a page."""
    holder_ids = _holder_ids_or_404(request.user)
    holders = list(RightsHolder.objects.filter(pk__in=holder_ids).order_by("legal_name"))
    assets = list(
        IPAsset.objects.filter(rights_holder_id__in=holder_ids)
        .select_related("rights_holder")
        .order_by("rights_holder__legal_name", "name", "pk")
    )
    form = AlertFilterForm(request.GET, holders=holders, assets=assets)
    status = 200
    if form.is_valid():
        alerts = alert_list(request.user, **form.filters())
    else:
        status = 400
        alerts = alert_list(request.user, status=AlertStatus.OPEN).none()
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    for alert in page:
        alert.signals_shown = signals_shown(alert.result.signals)
    query = request.GET.copy()
    query.pop("page", None)
    return render_for_viewer(
        request,
        "screening/alert_inbox.html",
        {"form": form, "page": page, "query": query.urlencode(), "many_brands": len(holders) > 1},
        status=status,
    )


def _alert_or_404(user, pk):
    return get_object_or_404(alerts_visible_to(user), pk=pk)


def _detail(request, alert, *, dismiss_form=None, status=200):
    is_open = alert.status == AlertStatus.OPEN
    return render_for_viewer(
        request,
        "screening/alert_detail.html",
        {
            "alert": alert,
            "signals": signals_shown(alert.result.signals),
            "dismiss_form": dismiss_form or AlertDismissForm(),
            "is_open": is_open,
            "open_item": alert_open_item(alert) if is_open else None,
        },
        status=status,
    )


@login_required
def alert_detail(request, pk):
    return _detail(request, _alert_or_404(request.user, pk))


def _refused(request, alert, exc, **kwargs):
    """The alert's page as it now stands (read afresh: the refusal may be a decision made meanwhile) and why."""
    for line in error_messages(exc):
        messages.error(request, line)
    return _detail(request, _alert_or_404(request.user, alert.pk), status=error_status(exc), **kwargs)


@upload_endpoint("document")
@login_required
def alert_confirm_view(request, pk):
    """The notice a confirmation files, pre-filled from the alert; the filer reviews, signs and submits it."""
    alert = _alert_or_404(request.user, pk)
    if alert.status != AlertStatus.OPEN:
        return _refused(request, alert, TransitionError(_decided_text(alert), item=alert, code="alert_not_open"))
    roles = acting_roles_of(request.user, rights_holder=alert.rights_holder)
    if not roles:
        raise Http404("You do not act for this rights holder.")
    post = request.method == "POST"
    if not post and (open_item := alert_open_item(alert)) is not None:
        # Nothing to file: the page says where the complaint already is and offers to close the alert.
        return render_for_viewer(
            request,
            "screening/alert_confirm.html",
            {"alert": alert, "open_item": open_item, "signals": signals_shown(alert.result.signals)},
        )
    form = AlertConfirmForm(
        request.POST if post else None, request.FILES if post else None, alert=alert, roles=roles, user=request.user
    )
    status = 200
    if post:
        status = 400
        if form.is_valid():
            role = form.cleaned_data["acting_for"]
            try:
                decision = alert_confirm(
                    alert_id=alert.pk,
                    actor=request.user,
                    data=form.notice_data(),
                    acting_organisation=role.organisation,
                    channel=Channel.WEB,
                    infringement_type=form.cleaned_data["infringement_type"],
                    explanation=form.cleaned_data["explanation"],
                    evidence=form.cleaned_data["evidence"],
                )
            except TransitionError as exc:
                if exc.code == "alert_not_open":
                    return _refused(request, alert, exc)
                form.add_error(None, str(exc))
                status = exc.http_status
            except InvalidInput as exc:
                form.add_error("explanation" if exc.code.startswith("explanation") else None, str(exc))
            except (ValidationError, PermissionDenied) as exc:
                form_add_domain_error(form, exc)
                status = error_status(exc)
            else:
                if decision.already_filed:
                    return _closed_already_filed(request, decision)
                messages.success(
                    request,
                    _("Alert confirmed: notice #%(notice)s filed against the listing.")
                    % {"notice": decision.receipt.notice.pk},
                )
                return redirect("takedowns:notice-receipt", pk=decision.receipt.notice.pk)
    if post and status != 200 and request.FILES:
        messages.warning(request, _("Files are not kept when a form comes back: choose the evidence files again."))
    return render_for_viewer(
        request,
        "screening/alert_confirm.html",
        {"alert": alert, "form": form, "signals": signals_shown(alert.result.signals)},
        status=status,
    )


def _closed_already_filed(request, decision):
    alert = decision.alert
    messages.info(
        request,
        _(
            "Listing %(listing)s is already under your notice #%(notice)s: no second notice was filed, "
            "and this alert is closed as already filed."
        )
        % {"listing": alert.listing.external_id, "notice": alert.notice_id},
    )
    if request.FILES:
        messages.warning(request, _("The evidence files you chose were not stored: no notice was filed with them."))
    return redirect("screening:alert-detail", pk=alert.pk)


@login_required
@require_POST
def alert_close_already_filed_view(request, pk):
    """The one button of an alert whose listing is under the brand's open notice already."""
    alert = _alert_or_404(request.user, pk)
    try:
        decision = alert_close_already_filed(alert_id=alert.pk, actor=request.user)
    except (TransitionError, PermissionDenied) as exc:
        return _refused(request, alert, exc)
    return _closed_already_filed(request, decision)


@login_required
@require_POST
def alert_dismiss_view(request, pk):
    alert = _alert_or_404(request.user, pk)
    form = AlertDismissForm(request.POST)
    if not form.is_valid():
        return _detail(request, alert, dismiss_form=form, status=400)
    try:
        alert_dismiss(
            alert_id=alert.pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except InvalidInput as exc:
        form.add_error("note" if exc.code.startswith("note") else "reason", str(exc))
        return _detail(request, alert, dismiss_form=form, status=400)
    except (TransitionError, PermissionDenied) as exc:
        return _refused(request, alert, exc)
    messages.success(request, _("Alert on listing %(listing)s dismissed.") % {"listing": alert.listing.external_id})
    return redirect("screening:alert-inbox")


def _decided_text(alert):
    if alert.status == AlertStatus.CONFIRMED:
        return _("This alert was confirmed already: its notice was filed.")
    if alert.status == AlertStatus.ALREADY_FILED:
        return _("This alert was closed already: its listing is under your notice #%(notice)s.") % {
            "notice": alert.notice_id
        }
    return _("This alert was dismissed already.")
