from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.claims import ClaimHeld
from portal.errors import DomainError
from portal.lists import ListSort, list_page
from portal.redirects import redirect_back
from portal.request_limits import upload_endpoint
from portal.roles import user_is_reviewer
from portal.views.claims import claim_release_answer
from rights_holders.acting import acting_role_choose
from rights_holders.asset_details import (
    authorised_store_add,
    authorised_store_remove,
    ip_asset_reference_image_add,
    ip_asset_reference_price_set,
)
from rights_holders.filters import IPAssetFilter
from rights_holders.forms import (
    AssetDecisionForm,
    AuthorisedStoreForm,
    IPAssetForm,
    ProactiveEnforcementForm,
    ProofAddForm,
    ReferenceImageAddForm,
    ReferencePriceForm,
)
from rights_holders.models import AuthorisedStore, IPAsset, RightsHolder, VerificationStatus
from rights_holders.scoping import rights_holder_ids_visible_to, rights_holders_readable_by
from rights_holders.selectors import ip_asset_files_shown_to, ip_assets_shown_to
from rights_holders.services import (
    ip_asset_proof_add,
    ip_asset_register,
    rights_holder_proactive_enforcement_set,
    user_manages_proactive_enforcement,
)
from rights_holders.verification import (
    VerificationError,
    ip_asset_claim_release,
    ip_asset_claim_take,
    ip_asset_reject,
    ip_asset_verify,
)

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
    holder_ids = rights_holder_ids_visible_to(request.user)
    can_register = bool(holder_ids)
    my_holders = (
        []
        if request.user.is_platform_staff or not holder_ids
        else RightsHolder.objects.filter(pk__in=holder_ids).order_by("legal_name")[:10]
    )
    return render(
        request,
        "rights_holders/asset_list.html",
        {
            "listing": listing,
            "can_register": can_register,
            "my_holders": my_holders,
            "is_reviewer": user_is_reviewer(request.user),
        },
    )


def _asset_shown(request, pk):
    return get_object_or_404(ip_assets_shown_to(request.user, proofs=True, reference_images=True), pk=pk)


def _may_change(user, holder_id):
    """The brand's own people (and its agents) add to its IP; platform staff read it."""
    return not user.is_platform_staff and holder_id in rights_holder_ids_visible_to(user)


def _asset_page(request, asset, *, status=200, **forms):
    may_change = _may_change(request.user, asset.rights_holder_id)
    is_reviewer = user_is_reviewer(request.user)
    # Opening a pending asset claims its verification for the reviewer; another reviewer's running claim
    # takes the decision away (the decision verbs refuse them too).
    claim = claim_blocked = None
    if is_reviewer and asset.verification_status == VerificationStatus.PENDING:
        try:
            claim = ip_asset_claim_take(asset_id=asset.pk, actor=request.user)
        except ClaimHeld as exc:
            claim_blocked = exc.claim
    if may_change:
        forms.setdefault("proof_form", ProofAddForm())
        forms.setdefault("image_form", ReferenceImageAddForm())
        forms.setdefault(
            "price_form",
            ReferencePriceForm(
                initial={"reference_price": asset.reference_price, "reference_currency": asset.reference_currency}
            ),
        )
    context = {
        "asset": asset,
        "is_reviewer": is_reviewer,
        "claim": claim,
        "claim_blocked": claim_blocked,
        "files_shown": ip_asset_files_shown_to(request.user, asset),
        "may_change": may_change,
        **forms,
    }
    return render(request, "rights_holders/asset_detail.html", context, status=status)


@login_required
def asset_detail(request, pk):
    return _asset_page(request, _asset_shown(request, pk))


def _asset_for_change(request, pk):
    asset = _asset_shown(request, pk)
    if not _may_change(request.user, asset.rights_holder_id):
        raise PermissionDenied(_("Only the brand's people may change its IP assets."))
    return asset


@upload_endpoint("document")
@login_required
@require_POST
def asset_proof_add(request, pk):
    asset = _asset_for_change(request, pk)
    form = ProofAddForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            ip_asset_proof_add(asset=asset, uploaded_file=form.cleaned_data["proof"], actor=request.user)
        except ValidationError as exc:
            form.add_error("proof", exc)
        else:
            messages.success(request, _("The proof document is added."))
            return redirect("rights:asset-detail", pk=asset.pk)
    return _asset_page(request, asset, status=400, proof_form=form)


@upload_endpoint("image")
@login_required
@require_POST
def asset_reference_image_add(request, pk):
    asset = _asset_for_change(request, pk)
    form = ReferenceImageAddForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            ip_asset_reference_image_add(
                asset_id=asset.pk, uploaded_file=form.cleaned_data["image"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error("image", exc)
        else:
            messages.success(request, _("The reference image is added; screening compares listings to it."))
            return redirect("rights:asset-detail", pk=asset.pk)
    return _asset_page(request, asset, status=400, image_form=form)


@login_required
@require_POST
def asset_reference_price_set(request, pk):
    asset = _asset_for_change(request, pk)
    form = ReferencePriceForm(request.POST)
    if form.is_valid():
        try:
            ip_asset_reference_price_set(
                asset_id=asset.pk,
                price=form.cleaned_data["reference_price"],
                currency=form.cleaned_data["reference_currency"],
                actor=request.user,
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("The reference price is saved."))
            return redirect("rights:asset-detail", pk=asset.pk)
    return _asset_page(request, asset, status=400, price_form=form)


def form_errors_add(form, exc):
    """A service's ValidationError on the form's fields (by name) or on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def authorised_stores(request, pk):
    """A brand's authorised stores (resellers, licensees): its people add and remove them, staff read them."""
    holder = get_object_or_404(rights_holders_readable_by(request.user).select_related("organisation"), pk=pk)
    may_change = _may_change(request.user, holder.pk)
    form = None
    status = 200
    if may_change:
        form = AuthorisedStoreForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied(_("Only the brand's people may change its authorised stores."))
        if form.is_valid():
            try:
                authorisation = authorised_store_add(rights_holder=holder, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(
                    request, _("%(store)s is on your authorised list.") % {"store": authorisation.store.name}
                )
                return redirect("rights:authorised-stores", pk=holder.pk)
        status = 400
    stores = AuthorisedStore.objects.filter(rights_holder=holder).select_related("store").order_by("store__name", "pk")
    return render(
        request,
        "rights_holders/authorised_stores.html",
        {"holder": holder, "form": form, "may_change": may_change, "stores": stores, "today": timezone.now().date()},
        status=status,
    )


@login_required
@require_POST
def authorised_store_remove_view(request, pk, authorisation_pk):
    holder = get_object_or_404(rights_holders_readable_by(request.user), pk=pk)
    authorisation = get_object_or_404(
        AuthorisedStore.objects.select_related("store"), pk=authorisation_pk, rights_holder=holder
    )
    authorised_store_remove(authorisation_id=authorisation.pk, actor=request.user)
    messages.success(
        request, _("%(store)s is no longer on your authorised list.") % {"store": authorisation.store.name}
    )
    return redirect("rights:authorised-stores", pk=holder.pk)


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
            messages.success(
                request, _("%(asset)s is registered and waits for a reviewer's verification.") % {"asset": asset.name}
            )
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
            messages.success(request, _("%(asset)s is verified and can now back notices.") % {"asset": asset.name})
        else:
            ip_asset_reject(asset_id=asset.pk, actor=request.user, reason=reason)
            messages.success(
                request, _("%(asset)s is rejected; the rights holder sees your reason.") % {"asset": asset.name}
            )
    except ClaimHeld as exc:
        # Another reviewer holds the asset: the page as it stands (who and until when), and 409.
        messages.error(request, str(exc))
        return _asset_page(request, _asset_shown(request, asset.pk), status=exc.http_status)
    except (VerificationError, PermissionDenied, DomainError) as exc:
        messages.error(request, str(exc))
    return redirect("rights:asset-detail", pk=asset.pk)


@login_required
@require_POST
def asset_release(request, pk):
    """The holder of an asset's claim lets it go back to the queue."""

    def refused(request, asset, exc):
        messages.error(request, str(exc))
        return redirect("rights:asset-detail", pk=asset.pk)

    return claim_release_answer(
        request,
        model=IPAsset,
        pk=pk,
        release=lambda asset: ip_asset_claim_release(asset_id=asset.pk, actor=request.user),
        released=lambda asset: _("%(asset)s is released: it is back in the queue for any reviewer.") % {"asset": asset},
        refused=refused,
        queue="takedowns:review-queue",
    )


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
            raise PermissionDenied(
                gettext_lazy("Only an owner of the brand's organisation may change proactive enforcement.")
            )
        if form.is_valid():
            enabled = form.cleaned_data["enabled"]
            rights_holder_proactive_enforcement_set(rights_holder=holder, enabled=enabled, actor=request.user)
            if enabled:
                messages.success(
                    request, _("Proactive enforcement is on for %(brand)s.") % {"brand": holder.legal_name}
                )
            else:
                messages.success(
                    request, _("Proactive enforcement is off for %(brand)s.") % {"brand": holder.legal_name}
                )
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
