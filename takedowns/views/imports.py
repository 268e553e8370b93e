"""Bulk filing by CSV: my imports, the template, the upload, an import's progress and its error report."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.csv_export import csv_response
from portal.lists import ListSort, list_page
from portal.request_limits import upload_endpoint
from portal.uploads.sizes import size_text
from rights_holders.authority import acting_roles_of
from rights_holders.models import RightsHolder
from takedowns import selectors
from takedowns.bulk_filing import CsvRefused, error_report_rows, filing_import_create, template_text
from takedowns.bulk_filing.csv_files import max_rows
from takedowns.bulk_filing.reports import ERROR_REPORT_HEADER
from takedowns.forms import NoticeForm
from takedowns.models import FilingImport, FilingImportRow
from takedowns.notices import filing_suspension_of
from takedowns.views.display import render_for_viewer
from takedowns.views.errors import form_add_domain_error

IMPORT_SORTS = {
    "uploaded": ListSort(gettext_lazy("Uploaded"), ("created_at",)),
    "status": ListSort(gettext_lazy("Status"), ("status",)),
    "rows": ListSort(gettext_lazy("Rows"), ("total_rows",)),
}


class BulkFilingForm(NoticeForm):
    """The notice's filer part, as the filing form asks it, and the CSV file whose rows are its items."""

    field_order = ["csv_file", "acting_for"]

    csv_file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8, one row per listing, the template's header on the first line."),
    )

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        limit = settings.UPLOAD_MAX_BYTES["document"]
        if upload.size > limit:
            raise ValidationError(
                _("The file is larger than %(limit)s. Split it into smaller files.") % {"limit": size_text(limit)}
            )
        data = upload.read()
        self.csv_data = data
        return upload

    def notice_data_for_import(self):
        data = self.notice_data()
        data.pop("csv_file")
        return data


def _roles_or_404(user):
    roles = acting_roles_of(user)
    if not roles:
        raise Http404("You do not act for any rights holder.")
    return roles


def _suspensions(roles):
    org_ids = {role.organisation.pk for role in roles} | {role.rights_holder.organisation_id for role in roles}
    return [s for org_id in sorted(org_ids) if (s := filing_suspension_of(org_id)) is not None]


@login_required
def import_list(request):
    """The imports of the user's organisations, newest first, with their status and who uploaded each."""
    listing = list_page(
        request,
        FilingImport.objects.visible_to(request.user).select_related("rights_holder", "created_by"),
        sorts=IMPORT_SORTS,
        default_sort="-uploaded",
    )
    can_file = bool(acting_roles_of(request.user))
    return render_for_viewer(request, "takedowns/import_list.html", {"listing": listing, "can_file": can_file})


@upload_endpoint("document")
@login_required
def import_create(request):
    """Upload a CSV. A bad file (encoding, header, too many rows) is refused at once; a good one is queued."""
    roles = _roles_or_404(request.user)
    suspensions = _suspensions(roles)
    if suspensions:
        # A suspended filer is not offered a form that would be refused: the end date instead.
        return render_for_viewer(request, "takedowns/import_form.html", {"suspensions": suspensions})
    post = request.method == "POST"
    form = BulkFilingForm(
        request.POST if post else None, request.FILES if post else None, roles=roles, user=request.user
    )
    if post and form.is_valid():
        role = form.cleaned_data["acting_for"]
        try:
            filing_import = filing_import_create(
                actor=request.user,
                role=role,
                notice_data=form.notice_data_for_import(),
                original_name=form.cleaned_data["csv_file"].name or "upload.csv",
                data=form.csv_data,
            )
        except CsvRefused as exc:
            form.add_error("csv_file", str(exc))
        except ValidationError as exc:
            form_add_domain_error(form, exc)
        else:
            return redirect("takedowns:import-detail", pk=filing_import.pk)
    return render_for_viewer(
        request, "takedowns/import_form.html", {"form": form, "max_rows": max_rows(), "columns": _column_help()}
    )


def _column_help():
    from takedowns.models import InfringementType

    types = ", ".join(f"{value} ({label})" for value, label in InfringementType.choices)
    return [
        ("listing_id", True, _("The marketplace's listing id, e.g. L000001234, or the listing's number here.")),
        (
            "asset",
            True,
            _("One of your verified IP assets: its id (ast_..., listed in the template) or its registration number."),
        ),
        ("infringement_type", True, _("One of: %(types)s.") % {"types": types}),
        (
            "explanation",
            True,
            _("How the listing infringes the right: what you saw, what differs from the genuine product."),
        ),
        ("test_buy_order_number", False, _("A test purchase's order number, if you made one.")),
        ("test_buy_report", False, _("What the test purchase showed.")),
    ]


@login_required
def import_template(request):
    """The template: notes on every column and allowed value (with the filer's verified assets), header, example."""
    roles = _roles_or_404(request.user)
    holders = RightsHolder.objects.filter(pk__in={role.rights_holder.pk for role in roles})
    assets = list(selectors.ip_assets_for_filing(holders).order_by("rights_holder__legal_name", "name")[:200])
    response = HttpResponse(template_text(assets), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bulk-filing-template.csv"'
    return response


def _import_or_404(user, pk):
    return get_object_or_404(FilingImport.objects.visible_to(user).select_related("rights_holder"), pk=pk)


def _progress_context(filing_import):
    notices = []
    if not filing_import.open and filing_import.filed_rows:
        notices = sorted(
            set(
                FilingImportRow.objects.filter(filing_import=filing_import, item__isnull=False)
                .values_list("item__notice_id", flat=True)
                .distinct()
            )
        )
    return {"imp": filing_import, "notices": notices}


@login_required
def import_detail(request, pk):
    """An import: its progress (live with htmx; without JavaScript, reload the page), counts, reports."""
    filing_import = _import_or_404(request.user, pk)
    return render_for_viewer(request, "takedowns/import_detail.html", _progress_context(filing_import))


@login_required
def import_progress(request, pk):
    """The progress partial that the detail page polls while the import runs."""
    filing_import = _import_or_404(request.user, pk)
    return render_for_viewer(request, "takedowns/_import_progress.html", _progress_context(filing_import))


@login_required
def import_errors(request, pk):
    """Every problem of the import's refused and unfiled rows as CSV (row, column, message), safe to open: streamed
    as the rows are read, private like every CSV download (``portal.csv_export``)."""
    filing_import = _import_or_404(request.user, pk)
    return csv_response(f"import-{filing_import.pk}-errors.csv", ERROR_REPORT_HEADER, error_report_rows(filing_import))
