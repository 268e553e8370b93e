from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.lists import ListSort, list_page
from portal.redirects import redirect_back
from portal.request_limits import upload_endpoint
from portal.roles import user_is_reviewer
from rights_holders.acting import acting_role_choose
from rights_holders.filters import IPAssetFilter
from rights_holders.forms import AssetDecisionForm, IPAssetForm, ProactiveEnforcementForm
from rights_holders.models import IPAsset, RightsHolder
from rights_holders.scoping import rights_holder_ids_visible_to, rights_holders_readable_by
from rights_holders.selectors import ip_asset_files_shown_to, ip_assets_shown_to
from rights_holders.services import (
    ip_asset_register,
    rights_holder_proactive_enforcement_set,
    user_manages_proactive_enforcement,
)
from rights_holders.verification import VerificationError, ip_asset_reject, ip_asset_verify

ASSET_SORTS = {
    "holder": ListSort(gettext_lazy("Holder"), ("rights_holder__legal_name", "name")),
    "name": ListSort(gettext_lazy("Right"), ("name",)),
    "expires": ListSort(gettext_lazy("Expires"), ("expires_on",)),
    "status": ListSort(gettext_lazy("Status"), ("verification_status",)),
}


@login_required
def asset_list(request):
    listing = list_page(
        request,
        ip_assets_shown_to(request.user),
        sorts=ASSET_SORTS,
        default_sort="holder",
        filterset_class=IPAssetFilter,
    )
    can_register = bool(rights_holder_ids_visible_to(request.user))
    return render(
        request,
        "rights_holders/asset_list.html",
        {"listing": listing, "can_register": can_register, "is_reviewer": user_is_reviewer(request.user)},
    )


@login_required
def asset_detail(request, pk):
    asset = get_object_or_404(ip_assets_shown_to(request.user, proofs=True, reference_images=True), pk=pk)
    context = {
        "asset": asset,
        "is_reviewer": user_is_reviewer(request.user),
        "files_shown": ip_asset_files_shown_to(request.user, asset),
    }
    return render(request, "rights_holders/asset_detail.html", context)


@upload_endpoint("document")
@login_required
def asset_create(request):
    holders = RightsHolder.objects.filter(pk__in=rights_holder_ids_visible_to(request.user))
    if not holders.exists():
        raise Http404("You do not act for any rights holder.")
    form = IPAssetForm(request.POST or None, request.FILES or None, holders=holders)
    if request.method == "POST" and form.is_valid():
        holder, fields, proof = form.registration()
        try:
            asset = ip_asset_register(rights_holder=holder, fields=fields, proof_file=proof, actor=request.user)
        except ValidationError as exc:
            form.add_error("proof", exc)
        else:
            messages.success(request, f"{asset.name} is registered and waits for a reviewer's verification.")
            return redirect("rights:asset-detail", pk=asset.pk)
    return render(request, "rights_holders/asset_form.html", {"form": form})


@login_required
@require_POST
def asset_decide(request, pk):
    if not user_is_reviewer(request.user):
        raise Http404
    asset = get_object_or_404(IPAsset, pk=pk)
    form = AssetDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("rights:asset-detail", pk=asset.pk)
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    try:
        if decision == "verify":
            ip_asset_verify(asset_id=asset.pk, actor=request.user, reason=reason)
            messages.success(request, f"{asset.name} is verified and can now back notices.")
        else:
            ip_asset_reject(asset_id=asset.pk, actor=request.user, reason=reason)
            messages.success(request, f"{asset.name} is rejected; the rights holder sees your reason.")
    except (VerificationError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    return redirect("rights:asset-detail", pk=asset.pk)


@login_required
def proactive_enforcement(request, pk):
    """A brand's opt-in to proactive enforcement: its owners change it, its other people and platform staff read it."""
    holder = get_object_or_404(rights_holders_readable_by(request.user).select_related("organisation"), pk=pk)
    may_change = user_manages_proactive_enforcement(request.user, holder)
    initial = {"enabled": "on" if holder.proactive_enforcement else "off"}
    data = request.POST if request.method == "POST" else None  # an empty POST is a bound form too
    form = ProactiveEnforcementForm(data, initial=initial) if may_change else None
    status = 200
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied("Only an owner of the brand's organisation may change proactive enforcement.")
        if form.is_valid():
            enabled = form.cleaned_data["enabled"]
            rights_holder_proactive_enforcement_set(rights_holder=holder, enabled=enabled, actor=request.user)
            if enabled:
                messages.success(request, f"Proactive enforcement is on for {holder.legal_name}.")
            else:
                messages.success(request, f"Proactive enforcement is off for {holder.legal_name}.")
            return redirect("rights:proactive-enforcement", pk=holder.pk)
        status = 400
    return render(
        request,
        "rights_holders/proactive_enforcement.html",
        {"holder": holder, "form": form, "may_change": may_change},
        status=status,
    )


@login_required
@require_POST
def acting_for_set(request):
    """The top bar's brand switcher: hold the chosen brand (or all of them) for this session, then go back."""
    try:
        role = acting_role_choose(request, (request.POST.get("acting_for") or "").strip()[:50])
    except PermissionDenied as exc:
        messages.error(request, str(exc.args[0] if exc.args else exc))
    else:
        if role is None:
            messages.success(request, _("Now working for all your brands."))
        else:
            messages.success(request, _("Now working for %(brand)s.") % {"brand": role.rights_holder.legal_name})
    return redirect_back(request, reverse("home"))
