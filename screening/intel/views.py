"""The intelligence pages: a brand's people add extra keywords to its verified assets, upload known
counterfeit pictures and report sellers, and remove any of them. Each action is a POST to its own
address; a refusal answers the page as it stands, with the form's errors (400, nothing written).
Platform staff read every brand's page, without its forms (``screening.intel.access``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.errors import InvalidInput
from portal.request_limits import upload_endpoint
from rights_holders.scoping import rights_holders_readable_by
from screening.intel.access import holder_for, holder_for_reading, holder_may_feed, verified_assets_of
from screening.intel.counterfeits import (
    CounterfeitImagesRejected,
    counterfeit_image_remove,
    counterfeit_images_upload,
)
from screening.intel.forms import CounterfeitImagesForm, KeywordsForm, SellerForm
from screening.intel.keywords import (
    KeywordsRefused,
    OrdinaryWordsNeedConfirming,
    asset_keywords_add,
    extra_keyword_remove,
    keywords_split,
)
from screening.intel.models import ExtraKeyword, ReportedSeller
from screening.intel.sellers import SellerReportRefused, seller_report, seller_report_remove
from screening.models import CounterfeitImage, CounterfeitSource
from takedowns.views.display import render_for_viewer

TEMPLATE = "screening/intelligence.html"
LIST_PAGE_SIZE = 100


@login_required
def holder_list(request):
    page = Paginator(rights_holders_readable_by(request.user), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    if not page.object_list:
        raise Http404("You do not act for any rights holder.")
    if page.paginator.count == 1:
        return redirect("screening_intel:holder", pk=page[0].pk)
    return render_for_viewer(request, "screening/intelligence_list.html", {"page": page})


def _page(request, holder, *, status=200, **forms):
    assets = list(verified_assets_of(holder).prefetch_related("extra_keywords"))
    context = {
        "holder": holder,
        "may_change": holder_may_feed(request.user, holder),
        "assets": assets,
        "keywords_form": forms.get("keywords_form") or KeywordsForm(assets=assets),
        "seller_form": forms.get("seller_form") or SellerForm(),
        "images_form": forms.get("images_form") or CounterfeitImagesForm(assets=assets),
        "sellers": ReportedSeller.objects.filter(rights_holder=holder)
        .select_related("reported_by")
        .prefetch_related("identities"),
        "uploads": CounterfeitImage.objects.filter(rights_holder=holder, source=CounterfeitSource.HOLDER_UPLOAD)
        .select_related("asset", "uploaded_by")
        .order_by("-created_at", "-id"),
        "upheld_count": CounterfeitImage.objects.filter(
            rights_holder=holder, source=CounterfeitSource.UPHELD_ITEM
        ).count(),
    }
    return render_for_viewer(request, TEMPLATE, context, status=status)


@login_required
def holder_page(request, pk):
    return _page(request, holder_for_reading(request.user, pk))


def _refused(form, error, *, field=None):
    """A service's refusal on the form: each named problem on its field, any other on ``field`` (the one
    the form is about), an asset refused on the asset."""
    if isinstance(error, SellerReportRefused):
        for kind, why in error.problems.items():
            form.add_error(str(kind), why)
        return
    if isinstance(error, KeywordsRefused):
        for keyword, why in error.problems:
            form.add_error(
                "keywords", _('"%(keyword)s": %(why)s') % {"keyword": keyword, "why": why} if keyword else why
            )
        return
    if isinstance(error, CounterfeitImagesRejected):
        for line in error.lines:
            form.add_error("images", line)
        return
    form.add_error("asset" if error.code == "asset_not_verified" else field, str(error))


@require_POST
@login_required
def keywords_add(request, pk):
    holder = holder_for(request.user, pk)
    assets = list(verified_assets_of(holder))
    form = KeywordsForm(request.POST, assets=assets)
    if form.is_valid():
        try:
            rows = asset_keywords_add(
                asset_id=int(form.cleaned_data["asset"]),
                texts=keywords_split(form.cleaned_data["keywords"]),
                actor=request.user,
                confirm_ordinary=form.cleaned_data["confirm_ordinary"],
            )
        except OrdinaryWordsNeedConfirming as error:
            _refused(form, error)
            form.needs_confirming = True
        except InvalidInput as error:
            _refused(form, error, field="keywords")
        else:
            added = _(", ").join(_('"%(keyword)s"') % {"keyword": row.text} for row in rows)
            messages.success(
                request,
                ngettext(
                    "Added %(keywords)s: screening uses it from the next listing it screens.",
                    "Added %(keywords)s: screening uses them from the next listing it screens.",
                    len(rows),
                )
                % {"keywords": added},
            )
            return redirect("screening_intel:holder", pk=holder.pk)
    return _page(request, holder, status=400, keywords_form=form)


@require_POST
@login_required
def keyword_remove(request, pk, keyword_pk):
    holder = holder_for(request.user, pk)
    keyword = ExtraKeyword.objects.filter(pk=keyword_pk, asset__rights_holder=holder).first()
    if keyword is None:
        raise Http404
    try:
        extra_keyword_remove(keyword_id=keyword.pk, actor=request.user)
    except ExtraKeyword.DoesNotExist:
        raise Http404 from None
    messages.success(
        request, _('Removed "%(keyword)s" from %(asset)s.') % {"keyword": keyword.text, "asset": keyword.asset.name}
    )
    return redirect("screening_intel:holder", pk=holder.pk)


@require_POST
@login_required
def seller_add(request, pk):
    holder = holder_for(request.user, pk)
    form = SellerForm(request.POST)
    if form.is_valid():
        try:
            seller_report(rights_holder_id=holder.pk, identifiers=form.identifiers(), actor=request.user)
        except InvalidInput as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                _(
                    "Seller reported. Its identifiers are kept only as keyed hashes; a store that shares one counts "
                    "as a moderate signal on your brand's listings."
                ),
            )
            return redirect("screening_intel:holder", pk=holder.pk)
    return _page(request, holder, status=400, seller_form=form)


@require_POST
@login_required
def seller_remove(request, pk, report_pk):
    holder = holder_for(request.user, pk)
    if not ReportedSeller.objects.filter(pk=report_pk, rights_holder=holder).exists():
        raise Http404
    try:
        seller_report_remove(report_id=report_pk, actor=request.user)
    except ReportedSeller.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("Report removed."))
    return redirect("screening_intel:holder", pk=holder.pk)


@upload_endpoint("image")
@require_POST
@login_required
def images_add(request, pk):
    holder = holder_for(request.user, pk)
    assets = list(verified_assets_of(holder))
    form = CounterfeitImagesForm(request.POST, request.FILES, assets=assets)
    if form.is_valid():
        asset = form.cleaned_data.get("asset")
        try:
            rows = counterfeit_images_upload(
                rights_holder_id=holder.pk,
                asset_id=int(asset) if asset else None,
                files=form.cleaned_data["images"],
                actor=request.user,
            )
        except InvalidInput as error:
            _refused(form, error, field="images")
        else:
            messages.success(
                request, ngettext("Uploaded %(n)s picture.", "Uploaded %(n)s pictures.", len(rows)) % {"n": len(rows)}
            )
            return redirect("screening_intel:holder", pk=holder.pk)
    if request.FILES:  # a browser keeps no file in a form that comes back: the good pictures are gone too
        messages.warning(request, _("Files are not kept when a form comes back: choose the pictures again."))
    return _page(request, holder, status=400, images_form=form)


@require_POST
@login_required
def image_remove(request, pk, image_pk):
    holder = holder_for(request.user, pk)
    if not CounterfeitImage.objects.filter(
        pk=image_pk, rights_holder=holder, source=CounterfeitSource.HOLDER_UPLOAD
    ).exists():
        raise Http404
    try:
        counterfeit_image_remove(image_id=image_pk, actor=request.user)
    except CounterfeitImage.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("Picture removed."))
    return redirect("screening_intel:holder", pk=holder.pk)
