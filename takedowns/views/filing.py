"""Filing a notice from the pages: find listings, the notice in progress (a draft on the server), its review.

The brand is the one chosen in the top bar (``rights_holders.acting``); an agent acting for several
brands chooses one there first. A filer (or brand) suspended from filing sees the end of the suspension
instead of any form, and a POST is refused. The draft's verbs and the review are ``takedowns.drafts``;
the filing is ``notice_submit``, as for the API and CSV.
"""

import contextlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from listings.models import Listing
from listings.selectors import listing_thumbnails_attach, listings_find, listings_visible_to
from portal.lists import ListSort, list_page
from portal.request_limits import upload_endpoint
from rights_holders.acting import acting_role_current, acting_roles_cached
from rights_holders.models import AuthorisedStore
from takedowns import selectors
from takedowns.draft_forms import DraftNoticeForm, DraftRowForm
from takedowns.drafts import (
    DraftExpired,
    notice_draft_drop_expired,
    notice_draft_evidence_remove,
    notice_draft_file,
    notice_draft_find,
    notice_draft_listing_add,
    notice_draft_of,
    notice_draft_review,
    notice_draft_row_add,
    notice_draft_row_remove,
    notice_draft_save,
    notice_draft_start,
    notice_drafts_delete,
)
from takedowns.forms import MAX_EVIDENCE_FILES, NOTICE_DECLARATIONS
from takedowns.models import NoticeDraftEvidence, NoticeDraftItem
from takedowns.notices import filing_suspension_among
from takedowns.views.display import render_for_viewer
from takedowns.views.notices import RECEIPT_SESSION_KEY

SEARCH_SORTS = {
    "match": ListSort(gettext_lazy("Best match"), ("-id_match", "-created_at")),
    "newest": ListSort(gettext_lazy("Newest"), ("-created_at",)),
    "price": ListSort(gettext_lazy("Price"), ("price",)),
}
SEARCH_PAGE_SIZE = 20


def _brand_side(request):
    """The user's roles; a user who acts for no brand (a merchant, a reviewer) gets 404, as for any page not theirs."""
    roles = acting_roles_cached(request.user)
    if not roles or request.user.is_platform_staff:
        raise Http404("You do not act for any rights holder.")
    return roles


def _role_or_none(request):
    _brand_side(request)
    return acting_role_current(request)


def _suspension_of_role(role, now=None):
    return filing_suspension_among({role.organisation.pk, role.rights_holder.organisation_id}, now)


def _suspended_page(request, role, suspension, status=200):
    return render_for_viewer(
        request, "takedowns/filing_suspended.html", {"role": role, "suspension": suspension}, status=status
    )


def _choose_brand_page(request, status=200):
    return render_for_viewer(request, "takedowns/filing_choose_brand.html", {}, status=status)


@login_required
def listing_search(request):
    """Find listings by id, URL or words, with their store and a picture; add them to the notice in progress."""
    role = _role_or_none(request)
    query = request.GET.get("q", "").strip()
    queryset = listings_find(listings_visible_to(request.user), query)
    if not query:
        queryset = queryset.none()  # the empty page: the box, no rows (the sorts still name their fields)
    if role is not None:
        authorised = AuthorisedStore.objects.valid_on(timezone.now().date()).filter(
            rights_holder_id=role.rights_holder.pk, store_id=OuterRef("store_id")
        )
        queryset = queryset.annotate(authorised_for_holder=Exists(authorised))
    listing = list_page(request, queryset, sorts=SEARCH_SORTS, default_sort="match", page_size=SEARCH_PAGE_SIZE)
    rows = listing_thumbnails_attach(listing.object_list)
    draft = notice_draft_of(request.user, role) if role is not None else None
    in_draft = (
        set(NoticeDraftItem.objects.filter(draft=draft).values_list("listing_ref", flat=True)) if draft else set()
    )
    for row in rows:
        row.in_draft = row.external_id in in_draft
    return render_for_viewer(
        request,
        "takedowns/listing_search.html",
        {
            "listing": listing,
            "rows": rows,
            "query": query,
            "role": role,
            "draft_count": len(in_draft) if draft else 0,
            "draft_rows": NoticeDraftItem.objects.filter(draft=draft).count() if draft else 0,
        },
    )


@require_POST
@login_required
def draft_listing_add(request):
    """Put a search result into the notice in progress (htmx: the result's button turns into "In your notice")."""
    role = _role_or_none(request)
    if role is None:
        return _choose_brand_page(request, status=400)
    if (suspension := _suspension_of_role(role)) is not None:
        return _suspended_page(request, role, suspension, status=403)
    listing = Listing.objects.visible_to(request.user).filter(external_id=request.POST.get("listing", "")).first()
    error = None
    if listing is None:
        error = _("No such listing on the marketplace.")
    else:
        draft = notice_draft_start(request.user, role)
        try:
            notice_draft_listing_add(draft, listing)
        except ValidationError as exc:
            error = exc.messages[0]
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Listing %(listing)s added to your notice.") % {"listing": listing.external_id})
        return redirect(_back_to_search(request))
    draft = notice_draft_of(request.user, role)
    count = NoticeDraftItem.objects.filter(draft=draft).count() if draft else 0
    return render_for_viewer(
        request,
        "takedowns/_draft_added.html",
        {"listing": listing, "error": error, "draft_rows": count},
        status=200 if error is None else 422,
    )


def _back_to_search(request):
    back = request.POST.get("next", "")
    if back.startswith(reverse("takedowns:listing-search")):
        return back
    return reverse("takedowns:listing-search")


def _assets(role):
    return list(selectors.ip_assets_for_filing([role.rights_holder]).order_by("name", "pk"))


def _row_forms(draft, review, assets, data=None, files=None):
    forms = []
    for shown in review.rows:
        form = DraftRowForm(data, files, assets=assets, row=shown.row)
        form.shown = shown
        forms.append(form)
    return forms


def _place_review_errors(form, row_forms, review):
    """The review's messages by their field, where the page has none of its own already."""
    for name, message in review.errors.items():
        if name in form.fields and not form.errors.get(name):
            _error_place(form, name, message)
    for row_form in row_forms:
        for name, message in row_form.shown.errors.items():
            if name in row_form.fields and not row_form.errors.get(name):
                _error_place(row_form, name, message)


def _error_place(form, name, message):
    """``message`` by the field ``name``. The page opened to show the review's problems (``?check=1``) has
    unbound forms, which have no cleaned data for ``add_error`` to clear: their errors take it directly."""
    if form.is_bound:
        form.add_error(name, message)
    else:
        form.errors.setdefault(name, form.error_class(renderer=form.renderer)).append(message)


@upload_endpoint("document")
@login_required
def notice_create(request):
    """The notice in progress: the brand's rows (add, remove without reloading), each with its evidence kept on the
    server, the filer's details and declarations; "Review" checks it all and shows what will be filed."""
    roles = _brand_side(request)
    role = acting_role_current(request)
    if role is None:
        return _choose_brand_page(request, status=400 if request.method == "POST" else 200)
    if (suspension := _suspension_of_role(role)) is not None:
        return _suspended_page(request, role, suspension, status=403 if request.method == "POST" else 200)
    if notice_draft_drop_expired(request.user, role):
        messages.warning(
            request,
            _("Your notice in progress was left unchanged for %(days)d days and has expired; its files were deleted.")
            % {"days": settings.NOTICE_DRAFT_EXPIRE_DAYS},
        )
    draft = notice_draft_start(request.user, role)
    assets = _assets(role)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "discard":
        notice_drafts_delete([draft.pk])
        messages.success(request, _("The notice in progress was discarded, with its files."))
        return redirect("takedowns:notice-create")
    review = notice_draft_review(draft)
    if request.method != "POST":
        form = DraftNoticeForm(initial={name: getattr(draft, name) for name in DraftNoticeForm.base_fields})
        row_forms = _row_forms(draft, review, assets)
        # Sent back from the review (or a filing it refused): every problem by its field.
        check = bool(request.GET.get("check"))
        if check:
            _place_review_errors(form, row_forms, review)
        return _editor(request, role, roles, draft, form, row_forms, review, assets, show=check)

    form = DraftNoticeForm(request.POST)
    row_forms = _row_forms(draft, review, assets, request.POST, request.FILES)
    form.is_valid()
    rows, evidence = {}, {}
    for row_form in row_forms:
        row_form.is_valid()
        rows[row_form.row.pk] = row_form.row_values()
        uploads = row_form.cleaned_data.get("evidence") or [] if "evidence" not in row_form.errors else []
        if uploads and len(uploads) + len(row_form.shown.evidence) > MAX_EVIDENCE_FILES:
            row_form.add_error(
                "evidence",
                _("Attach at most %(max)d files to a listing; combine the rest into one PDF.")
                % {"max": MAX_EVIDENCE_FILES},
            )
        elif uploads:
            evidence[row_form.row.pk] = uploads
    draft = notice_draft_save(draft, fields=form.valid_data(), rows=rows, evidence=evidence)
    page_errors = bool(form.errors) or any(f.errors for f in row_forms)
    if action.startswith("remove-file-"):
        with contextlib.suppress(ValueError, NoticeDraftEvidence.DoesNotExist):
            notice_draft_evidence_remove(draft, int(action.removeprefix("remove-file-")))
        return redirect("takedowns:notice-create")
    if action.startswith("remove-"):
        # A row already gone (removed in another tab) is no error: the page shows the rows there are.
        with contextlib.suppress(ValueError, NoticeDraftItem.DoesNotExist):
            notice_draft_row_remove(draft, int(action.removeprefix("remove-")))
        return redirect("takedowns:notice-create")
    if action == "add-row":
        try:
            notice_draft_row_add(draft)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        return redirect("takedowns:notice-create")
    if action == "save" and not page_errors:
        messages.success(request, _("Your notice in progress is saved."))
        return redirect("takedowns:notice-create")
    review = notice_draft_review(draft)
    if action == "review" and not page_errors and review.ok:
        return redirect("takedowns:notice-review")
    # Back with every problem by its field; the files sent are kept (listed with their row).
    form_again = DraftNoticeForm(request.POST)
    form_again.is_valid()
    row_forms_again = _row_forms(draft, review, assets, request.POST)
    for old, new in zip(row_forms, row_forms_again, strict=True):
        new.is_valid()
        for name, errors in old.errors.items():
            if name not in new.errors:
                for error in errors:
                    new.add_error(name, error)
    if action == "review":
        _place_review_errors(form_again, row_forms_again, review)
    return _editor(request, role, roles, draft, form_again, row_forms_again, review, assets, show=True, status=400)


def _editor(request, role, roles, draft, form, row_forms, review, assets, *, show, status=200):
    errors = [(field.label, field.auto_id, error) for field in form.visible_fields() for error in field.errors]
    for row_form in row_forms:
        for field in row_form.visible_fields():
            for error in field.errors:
                errors.append(
                    (f"{_('Listing %(n)d') % {'n': row_form.shown.number}}: {field.label}", field.auto_id, error)
                )
    return render_for_viewer(
        request,
        "takedowns/notice_form.html",
        {
            "role": role,
            "draft": draft,
            "form": form,
            "row_forms": row_forms,
            "review": review,
            "errors": errors if show else [],
            "has_assets": bool(assets),
            "items_error": review.errors.get("items") if show else None,
        },
        status=status,
    )


@require_POST
@login_required
def draft_row_add(request):
    """An empty row for the notice in progress (htmx: the row is appended; the rest of the page stays as typed)."""
    role = _role_or_none(request)
    if role is None:
        return _choose_brand_page(request, status=400)
    if (suspension := _suspension_of_role(role)) is not None:
        return _suspended_page(request, role, suspension, status=403)
    draft = notice_draft_start(request.user, role)
    try:
        row = notice_draft_row_add(draft)
    except ValidationError as exc:
        response = render_for_viewer(request, "takedowns/_draft_rows_message.html", {"message": exc.messages[0]})
        response["HX-Retarget"] = "#rows-message"
        response["HX-Reswap"] = "innerHTML"
        return response
    review = notice_draft_review(draft)
    assets = _assets(role)
    shown = next(r for r in review.rows if r.row.pk == row.pk)
    form = DraftRowForm(assets=assets, row=row)
    form.shown = shown
    return render_for_viewer(request, "takedowns/_draft_row.html", {"row_form": form, "rows_message_clear": True})


@require_POST
@login_required
def draft_row_remove(request, pk):
    role = _role_or_none(request)
    if role is None:
        return _choose_brand_page(request, status=400)
    return _draft_part_remove(
        request, role, notice_draft_row_remove, pk, NoticeDraftItem, "No such row in your notice."
    )


@require_POST
@login_required
def draft_evidence_remove(request, pk):
    role = _role_or_none(request)
    return _draft_part_remove(
        request, role, notice_draft_evidence_remove, pk, NoticeDraftEvidence, "No such file in your notice."
    )


def _draft_part_remove(request, role, remove, pk, model, missing):
    """A row or a file of the user's own notice in progress goes (htmx: the empty answer takes it off the page);
    another's, or one already gone, answers 404."""
    draft = notice_draft_of(request.user, role) if role is not None else None
    if draft is None:
        raise Http404("No notice in progress.")
    try:
        remove(draft, pk)
    except model.DoesNotExist:
        raise Http404(missing) from None
    if request.htmx:
        return HttpResponse("")
    return redirect("takedowns:notice-create")


@login_required
def notice_review(request):
    """Exactly what will be filed; "File the notice" files it (``notice_submit``) and deletes the draft."""
    _brand_side(request)
    role = acting_role_current(request)
    if role is None:
        return _choose_brand_page(request, status=400 if request.method == "POST" else 200)
    if (suspension := _suspension_of_role(role)) is not None:
        return _suspended_page(request, role, suspension, status=403 if request.method == "POST" else 200)
    if request.method == "POST":
        draft = notice_draft_find(request.user, role)
        try:
            receipt = notice_draft_file(draft_id=draft.pk if draft else 0, user=request.user, role=role)
        except DraftExpired as exc:
            messages.error(request, exc.messages[0])
            return redirect("takedowns:notice-create")
        except (ValidationError, PermissionDenied) as exc:
            if getattr(exc, "review", None) is not None:
                messages.error(request, _("The notice has problems; correct them before filing."))
                return redirect(reverse("takedowns:notice-create") + "?check=1")
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, message)
            return redirect("takedowns:notice-review")
        if receipt.refused:
            request.session[RECEIPT_SESSION_KEY.format(receipt.notice.pk)] = [reason for _n, reason in receipt.refused]
        messages.success(
            request,
            _("Notice received: %(accepted)d item(s) accepted, %(returned)d returned with a reason.")
            % {"accepted": len(receipt.accepted), "returned": len(receipt.invalid) + len(receipt.refused)},
        )
        return redirect("takedowns:notice-receipt", pk=receipt.notice.pk)
    draft = notice_draft_of(request.user, role)
    if draft is None:
        messages.info(request, _("Your notice is empty: find listings or add rows first."))
        return redirect("takedowns:notice-create")
    review = notice_draft_review(draft)
    if not review.ok:
        messages.error(request, _("The notice has problems; correct them before filing."))
        return redirect(reverse("takedowns:notice-create") + "?check=1")
    return render_for_viewer(
        request,
        "takedowns/notice_review.html",
        {"role": role, "draft": draft, "review": review, "declarations": list(NOTICE_DECLARATIONS.values())},
    )


__all__ = [
    "draft_evidence_remove",
    "draft_listing_add",
    "draft_row_add",
    "draft_row_remove",
    "listing_search",
    "notice_create",
    "notice_review",
]
