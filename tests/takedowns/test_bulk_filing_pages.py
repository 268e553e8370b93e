"""Bulk filing pages: the upload (a bad file refused on its field, nothing kept), my imports, an import's
progress (page and htmx partial), the template and the error report; nobody else's import is found."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal import public_ids
from takedowns.models import FilingImport, FilingSuspension, ImportStatus, NoticeItem
from tests import factories
from tests.lists import list_queries_constant
from tests.takedowns.conftest import NOTICE_DATA

UPLOAD = reverse("takedowns:import-create")


def form_data(owner, brand, data, name="rows.csv"):
    fields = dict(NOTICE_DATA)
    fields["acting_for"] = f"{brand.organisation.pk}:{brand.pk}"
    fields["csv_file"] = SimpleUploadedFile(name, data, content_type="text/csv")
    return fields


@pytest.fixture
def brand_client(client, owner_a):
    client.force_login(owner_a)
    return client


def good_file(listing, asset):
    asset_id = public_ids.encode("ast", asset.public_id)
    return (
        f"listing_id,asset,infringement_type,explanation\n{listing.external_id},{asset_id},counterfeit,Fake.\n".encode()
    )


def test_upload_form_shows_the_columns_the_template_and_the_filer_fields(brand_client):
    response = brand_client.get(UPLOAD)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ('name="csv_file"', 'name="signature"', reverse("takedowns:import-template"), "infringement_type"):
        assert text in html


def test_a_good_upload_is_filed_by_the_worker_and_its_page_shows_done(
    brand_client, owner_a, brand_a, asset_a, listing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = brand_client.post(UPLOAD, form_data(owner_a, brand_a, good_file(listing, asset_a)))
    filing_import = FilingImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("takedowns:import-detail", args=[filing_import.pk])
    assert NoticeItem.objects.filter(listing=listing).count() == 1
    page = brand_client.get(response["Location"]).content.decode()
    progress_url = reverse("takedowns:import-progress", args=[filing_import.pk])
    assert "Done" in page and progress_url not in page  # finished: no more polling
    assert "rows.csv" in brand_client.get(reverse("takedowns:import-list")).content.decode()


def test_a_running_import_polls_its_progress_partial(brand_client, owner_a, brand_a):
    filing_import = FilingImport.objects.create(
        rights_holder=brand_a,
        filer_organisation=brand_a.organisation,
        created_by=owner_a,
        total_rows=200,
        checked_rows=50,
        status=ImportStatus.RUNNING,
        original_name="big.csv",
    )
    page = brand_client.get(reverse("takedowns:import-detail", args=[filing_import.pk])).content.decode()
    progress_url = reverse("takedowns:import-progress", args=[filing_import.pk])
    assert f'hx-get="{progress_url}"' in page and 'value="25"' in page
    assert reverse("takedowns:import-detail", args=[filing_import.pk]) in page  # the reload link without JS
    partial = brand_client.get(progress_url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    body = partial.content.decode()
    assert body.lstrip().startswith("<section") and "<html" not in body and "50 of 200" in body


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\xff\xfe\x00l\x00i", "not UTF-8"),
        (b"id,asset\n1,2\n", "unknown columns"),
        (b"", "empty"),
    ],
)
def test_a_bad_file_is_refused_on_its_field_and_nothing_is_kept(brand_client, owner_a, brand_a, data, words):
    response = brand_client.post(UPLOAD, form_data(owner_a, brand_a, data))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert words in " ".join(errors["csv_file"])
    assert not FilingImport.objects.exists()


def test_too_many_rows_are_refused_at_once(settings, brand_client, owner_a, brand_a, asset_a, listing):
    settings.BULK_FILING_MAX_ROWS = 1
    data = good_file(listing, asset_a) + b"L2,x,counterfeit,y\n"
    response = brand_client.post(UPLOAD, form_data(owner_a, brand_a, data))
    assert "more than 1 rows" in " ".join(response.context["form"].errors["csv_file"])
    assert not FilingImport.objects.exists()


def test_missing_filer_fields_are_refused_by_field(brand_client, owner_a, brand_a, asset_a, listing):
    data = form_data(owner_a, brand_a, good_file(listing, asset_a))
    data.pop("signature")
    data.pop("good_faith_statement")
    response = brand_client.post(UPLOAD, data)
    errors = response.context["form"].errors
    assert set(errors) == {"signature", "good_faith_statement"}
    assert not FilingImport.objects.exists()


def test_a_suspended_filer_sees_the_end_date_instead_of_the_form(brand_client, brand_a):
    FilingSuspension.objects.create(
        organisation=brand_a.organisation, ends_at=timezone.now() + timedelta(days=3), reason="Misuse."
    )
    html = brand_client.get(UPLOAD).content.decode()
    assert "may not file notices until" in html and 'name="csv_file"' not in html


def test_the_template_downloads_with_the_brands_verified_assets(brand_client, asset_a):
    response = brand_client.get(reverse("takedowns:import-template"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert public_ids.encode("ast", asset_a.public_id) in text
    assert "listing_id,asset,infringement_type,explanation,test_buy_order_number,test_buy_report" in text


def test_someone_elses_import_is_not_found(client, owner_a, brand_a, user_b):
    filing_import = FilingImport.objects.create(
        rights_holder=brand_a, filer_organisation=brand_a.organisation, created_by=owner_a
    )
    client.force_login(user_b)
    for name in ("import-detail", "import-progress", "import-errors"):
        assert client.get(reverse(f"takedowns:{name}", args=[filing_import.pk])).status_code == 404
    assert "No imports yet" in client.get(reverse("takedowns:import-list")).content.decode()


def test_a_merchant_is_not_offered_bulk_filing(client, merchant_user):
    client.force_login(merchant_user)
    assert client.get(UPLOAD).status_code == 404
    assert client.get(reverse("takedowns:import-template")).status_code == 404


def test_the_error_report_is_safe_to_open_in_a_spreadsheet(
    brand_client, owner_a, brand_a, django_capture_on_commit_callbacks
):
    data = b"listing_id,asset,infringement_type,explanation\n=1+1,@SUM(A1),-2,+cmd\n"
    with django_capture_on_commit_callbacks(execute=True):
        brand_client.post(UPLOAD, form_data(owner_a, brand_a, data))
    filing_import = FilingImport.objects.get()
    response = brand_client.get(reverse("takedowns:import-errors", args=[filing_import.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "message", "listing_id", "asset"]
    for row in rows[1:]:
        assert row[0] == "2"
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row
    assert {row[1] for row in rows[1:]} == {"asset", "infringement_type"}


def test_the_error_report_is_a_private_download_like_every_csv(
    brand_client, owner_a, brand_a, django_capture_on_commit_callbacks
):
    # It names the brand's listings and assets: never kept by a shared cache, never sniffed as anything but CSV.
    data = b"listing_id,asset,infringement_type,explanation\nL1,nope,counterfeit,Fake.\n"
    with django_capture_on_commit_callbacks(execute=True):
        brand_client.post(UPLOAD, form_data(owner_a, brand_a, data))
    filing_import = FilingImport.objects.get()
    response = brand_client.get(reverse("takedowns:import-errors", args=[filing_import.pk]))
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'attachment; filename="import-{filing_import.pk}-errors.csv"'
    assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbfrow,column,message,listing_id,asset\r\n")


def test_my_imports_cost_the_same_queries_for_10_and_500(brand_client, owner_a, brand_a):
    def make(n):
        FilingImport.objects.bulk_create(
            FilingImport(rights_holder=brand_a, filer_organisation=brand_a.organisation, created_by=owner_a)
            for _ in range(n)
        )

    list_queries_constant(brand_client, reverse("takedowns:import-list"), make)


def test_a_colleague_sees_the_import_and_who_uploaded_it(client, owner_a, brand_a):
    colleague = factories.member_of(brand_a.organisation)
    filing_import = FilingImport.objects.create(
        rights_holder=brand_a, filer_organisation=brand_a.organisation, created_by=owner_a, original_name="x.csv"
    )
    client.force_login(colleague)
    page = client.get(reverse("takedowns:import-list")).content.decode()
    assert "x.csv" in page and owner_a.get_username() in page
    assert client.get(reverse("takedowns:import-detail", args=[filing_import.pk])).status_code == 200
