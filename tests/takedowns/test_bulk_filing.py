"""Bulk filing by CSV: the template, refusing a bad file at once, checking every row with the filing rules,
filing the good rows in chunks through notice_submit, and never filing a row twice when a run dies and runs again."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from listings.models import ListingStatus
from portal import public_ids
from rights_holders.authority import acting_roles_of
from rights_holders.models import VerificationStatus
from takedowns.bulk_filing import (
    CsvRefused,
    csv_read,
    filing_import_create,
    filing_import_run,
    importing,
    template_text,
)
from takedowns.models import (
    Channel,
    FilingImport,
    FilingImportRow,
    FilingSuspension,
    ImportStatus,
    Notice,
    NoticeItem,
    RowStatus,
)
from tests import factories
from tests.takedowns.conftest import NOTICE_DATA, draft, file_notice

HEADER = "listing_id,asset,infringement_type,explanation\n"
EXPLANATION = "Fake logo and wrong stitching."


def ast(asset):
    return public_ids.encode("ast", asset.public_id)


def csv_bytes(rows, header=HEADER):
    out = io.StringIO()
    out.write(header)
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def make_import(owner, data, name="file.csv"):
    role = acting_roles_of(owner)[0]
    return filing_import_create(actor=owner, role=role, notice_data=dict(NOTICE_DATA), original_name=name, data=data)


def report(filing_import, client):
    response = client.get(reverse("takedowns:import-errors", args=[filing_import.pk]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def listings(store):
    return [factories.ListingFactory(store=store) for _ in range(6)]


# -- the file ------------------------------------------------------------------------------------------


def test_template_has_notes_a_header_and_an_example_row_that_reads_back(asset_a):
    text = template_text([asset_a])
    assert text.startswith("\ufeff# ")
    assert ast(asset_a) in text and "counterfeit" in text and "trademark_misuse" in text
    rows = csv_read(text.encode("utf-8"))
    assert len(rows) == 1
    assert rows[0].cells["asset"] == ast(asset_a)
    assert rows[0].cells["infringement_type"] == "counterfeit"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("listing_id,asset\nL1,x\n".encode("utf-16"), "not UTF-8"),
        (b"listing_id,asset,infringement_type,explanation\n\xe9t\xe9,x,counterfeit,y\n", "not UTF-8"),
        (b"listing,asset,infringement_type,explanation\nL1,x,counterfeit,y\n", "unknown columns: listing"),
        (b"listing_id,asset,explanation\nL1,x,y\n", "lacks the columns infringement_type"),
        (b"listing_id,asset,asset,infringement_type,explanation\n", "twice: asset"),
        (b"", "empty"),
        (b"listing_id,asset,infringement_type,explanation\n", "no rows"),
        (b'listing_id,asset,infringement_type,explanation\n"L1,x\n', "cannot be read"),
    ],
)
def test_a_bad_file_is_refused_whole_with_what_to_do(data, words):
    with pytest.raises(CsvRefused, match=words):
        csv_read(data)


HEADER = b"listing_id,asset,infringement_type,explanation\n"


@pytest.mark.parametrize(
    ("line", "english", "chinese"),
    [
        (b'"L1,x\n', "Line 2 cannot be read as CSV: a quote opened here is never closed.", "引号没有闭合"),
        (b'"L1"x,a,counterfeit,y\n', "a quoted field goes on after its closing quote", "结束引号之后还有内容"),
        (b"L1," + b"x" * 200_000 + b",counterfeit,y\n", "a field is longer than 131,072 characters", "131,072 个字符"),
    ],
    ids=["unclosed quote", "text after a closing quote", "field too long"],
)
def test_a_file_python_cannot_parse_is_refused_with_the_line_and_why_in_the_readers_language(line, english, chinese):
    from django.utils import translation

    with pytest.raises(CsvRefused, match=re.escape(english)):
        csv_read(HEADER + line)
    with translation.override("zh-hans"), pytest.raises(CsvRefused) as refused:
        csv_read(HEADER + line)
    assert chinese in str(refused.value) and "无法按 CSV 读取" in str(refused.value)


def test_more_rows_than_allowed_are_refused_at_once(settings):
    settings.BULK_FILING_MAX_ROWS = 3
    assert len(csv_read(csv_bytes([["L", "a", "counterfeit", "x"]] * 3))) == 3
    with pytest.raises(CsvRefused, match="more than 3 rows"):
        csv_read(csv_bytes([["L", "a", "counterfeit", "x"]] * 4))


def test_rows_are_numbered_by_their_line_and_notes_and_blank_lines_are_skipped():
    data = b"\xef\xbb\xbf# a note\nListing_ID,asset,infringement_type,explanation\n\nL1,a,counterfeit,x\n# more\nL2,b,counterfeit,y\n"
    rows = csv_read(data)
    assert [(r.number, r.cells["listing_id"]) for r in rows] == [(4, "L1"), (6, "L2")]


# -- checking and filing -------------------------------------------------------------------------------


def test_good_rows_are_filed_as_bulk_notices_and_each_bad_row_is_reported_by_column(
    owner_a, brand_a, asset_a, listings, client, django_capture_on_commit_callbacks
):
    pending_asset = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    foreign_asset = factories.IPAssetFactory()
    removed = factories.ListingFactory(status=ListingStatus.REMOVED)
    already = listings[5]
    file_notice(owner_a, brand_a, [draft(already, asset_a)])
    data = csv_bytes(
        [
            [listings[0].external_id, ast(asset_a), "counterfeit", EXPLANATION],  # 2: filed
            [listings[1].external_id, asset_a.registration_number, "Trademark_Misuse", EXPLANATION],  # 3: filed
            ["L-NOPE", ast(asset_a), "counterfeit", EXPLANATION],  # 4: unknown listing
            [listings[2].external_id, ast(pending_asset), "counterfeit", EXPLANATION],  # 5: not verified
            [listings[2].external_id, ast(foreign_asset), "counterfeit", EXPLANATION],  # 6: not the brand's
            [listings[3].external_id, ast(asset_a), "fakes", EXPLANATION],  # 7: type
            [listings[0].external_id, ast(asset_a), "counterfeit", EXPLANATION],  # 8: repeats row 2
            [removed.external_id, ast(asset_a), "counterfeit", EXPLANATION],  # 9: removed
            [already.external_id, ast(asset_a), "counterfeit", EXPLANATION],  # 10: already under complaint
            [listings[4].external_id, ast(asset_a), "counterfeit", "  "],  # 11: no explanation
            [
                '=HYPERLINK("http://evil")',
                "",
                "",
                "",
            ],  # 12: three problems; the listing cell is formula-safe in the report
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        filing_import = make_import(owner_a, data)
    filing_import.refresh_from_db()
    assert filing_import.status == ImportStatus.DONE
    assert (filing_import.total_rows, filing_import.filed_rows, filing_import.error_rows) == (11, 2, 9)
    assert filing_import.checked_rows == 11
    assert not filing_import.file  # the upload is deleted once its rows are kept
    filed = FilingImportRow.objects.filter(filing_import=filing_import, status=RowStatus.FILED).select_related("item")
    assert sorted(row.number for row in filed) == [2, 3]
    assert {row.item.infringement_type for row in filed} == {"counterfeit", "trademark_misuse"}
    notice = Notice.objects.get(items__in=[row.item for row in filed][:1])
    assert notice.channel == Channel.BULK and notice.filer_name == NOTICE_DATA["filer_name"]
    assert NoticeItem.objects.filter(notice__channel=Channel.BULK).count() == 2

    client.force_login(owner_a)
    problems = {(int(r["row"]), r["column"]) for r in report(filing_import, client)}
    assert problems == {
        (4, "listing_id"),
        (5, "asset"),
        (6, "asset"),
        (7, "infringement_type"),
        (8, "listing_id"),
        (9, "listing_id"),
        (10, "listing_id"),
        (11, "explanation"),
        (12, "asset"),
        (12, "infringement_type"),
        (12, "explanation"),
    }
    lines = report(filing_import, client)
    assert any("repeats" in r["message"] or "row 2" in r["message"] for r in lines if r["row"] == "8")
    assert any("open complaint" in r["message"] for r in lines if r["row"] == "10")
    assert [r["listing_id"] for r in lines if r["row"] == "12"][0].startswith("'=HYPERLINK")


def test_rows_are_filed_in_chunks_one_notice_each(
    settings, owner_a, asset_a, listings, django_capture_on_commit_callbacks
):
    settings.BULK_FILING_CHUNK_ROWS = 2
    data = csv_bytes([[listing.external_id, ast(asset_a), "counterfeit", EXPLANATION] for listing in listings[:5]])
    with django_capture_on_commit_callbacks(execute=True):
        filing_import = make_import(owner_a, data)
    filing_import.refresh_from_db()
    assert filing_import.filed_rows == 5
    notices = Notice.objects.filter(channel=Channel.BULK)
    assert sorted(n.items.count() for n in notices) == [1, 2, 2]


def test_a_run_that_dies_after_a_chunk_and_runs_again_files_no_row_twice(
    settings, monkeypatch, owner_a, asset_a, listings
):
    settings.BULK_FILING_CHUNK_ROWS = 2
    data = csv_bytes([[listing.external_id, ast(asset_a), "counterfeit", EXPLANATION] for listing in listings[:5]])
    filing_import = make_import(owner_a, data)  # no worker: its task is not run
    real = importing._chunk_file
    calls = []

    def dies_after_the_first_chunk(*args, **kwargs):
        if calls:
            raise SystemExit("worker killed")
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "_chunk_file", dies_after_the_first_chunk)
    with pytest.raises(SystemExit):
        filing_import_run(filing_import.pk)
    filing_import.refresh_from_db()
    assert (filing_import.status, filing_import.filed_rows) == (ImportStatus.RUNNING, 2)
    monkeypatch.setattr(importing, "_chunk_file", real)
    assert filing_import_run(filing_import.pk) == ImportStatus.DONE
    assert filing_import_run(filing_import.pk) == ImportStatus.DONE  # a third, redelivered run does nothing
    filing_import.refresh_from_db()
    assert (filing_import.filed_rows, filing_import.error_rows) == (5, 0)
    assert NoticeItem.objects.filter(notice__channel=Channel.BULK).count() == 5
    assert Notice.objects.filter(channel=Channel.BULK).count() == 3


def test_a_run_that_read_the_import_before_another_run_deleted_its_file_ends_quietly(
    settings, monkeypatch, owner_a, asset_a, listings
):
    """Two runs of one import (a redelivered message): the second loaded the import before the first kept its
    rows and deleted the uploaded file; it finds the rows kept and the import done, not a missing file."""
    data = csv_bytes([[listing.external_id, ast(asset_a), "counterfeit", EXPLANATION] for listing in listings[:3]])
    filing_import = make_import(owner_a, data)  # no worker: its task is not run
    real = importing._rows_read
    other_runs = []

    def another_run_finishes_first(stale):
        if not other_runs:
            other_runs.append("running")
            other_runs[0] = filing_import_run(filing_import.pk)  # the other run, from start to end
        return real(stale)

    monkeypatch.setattr(importing, "_rows_read", another_run_finishes_first)
    assert filing_import_run(filing_import.pk) == ImportStatus.DONE
    assert other_runs == [ImportStatus.DONE]
    filing_import.refresh_from_db()
    assert (filing_import.filed_rows, filing_import.error_rows, filing_import.total_rows) == (3, 0, 3)
    assert FilingImportRow.objects.filter(filing_import=filing_import).count() == 3
    assert NoticeItem.objects.filter(notice__channel=Channel.BULK).count() == 3


def test_a_run_that_dies_inside_a_chunk_keeps_nothing_of_it_and_the_next_run_files_it_once(
    settings, monkeypatch, owner_a, asset_a, listings
):
    settings.BULK_FILING_CHUNK_ROWS = 3
    data = csv_bytes([[listing.external_id, ast(asset_a), "counterfeit", EXPLANATION] for listing in listings[:5]])
    filing_import = make_import(owner_a, data)
    real = importing._receipt_apply

    def dies_after_filing(receipt, good):
        # The notice and its items are written, the rows not yet marked: the worker dies here.
        raise SystemExit("worker killed")

    monkeypatch.setattr(importing, "_receipt_apply", dies_after_filing)
    with pytest.raises(SystemExit):
        filing_import_run(filing_import.pk)
    assert not NoticeItem.objects.exists() and not Notice.objects.exists()
    monkeypatch.setattr(importing, "_receipt_apply", real)
    assert filing_import_run(filing_import.pk) == ImportStatus.DONE
    assert NoticeItem.objects.count() == 5
    assert FilingImportRow.objects.filter(status=RowStatus.FILED).values("item").distinct().count() == 5


def test_a_filer_suspended_mid_import_stops_it_and_the_rest_is_reported_not_filed(
    settings, monkeypatch, owner_a, brand_a, asset_a, listings, client
):
    settings.BULK_FILING_CHUNK_ROWS = 2
    data = csv_bytes(
        [[listing.external_id, ast(asset_a), "counterfeit", EXPLANATION] for listing in listings[:4]]
        + [["L-NOPE", ast(asset_a), "counterfeit", EXPLANATION]]
    )
    filing_import = make_import(owner_a, data)
    real = importing._chunk_file

    def suspended_after_the_first_chunk(*args, **kwargs):
        result = real(*args, **kwargs)
        FilingSuspension.objects.get_or_create(
            organisation=brand_a.organisation,
            defaults={"ends_at": timezone.now() + timedelta(days=30), "reason": "Manifestly unfounded notices."},
        )
        return result

    monkeypatch.setattr(importing, "_chunk_file", suspended_after_the_first_chunk)
    assert filing_import_run(filing_import.pk) == ImportStatus.STOPPED
    filing_import.refresh_from_db()
    assert "suspended" in filing_import.stop_reason
    assert (filing_import.filed_rows, filing_import.error_rows, filing_import.checked_rows) == (2, 3, 5)
    assert NoticeItem.objects.count() == 2
    statuses = dict(FilingImportRow.objects.values_list("number", "status"))
    assert statuses == {2: "filed", 3: "filed", 4: "not_filed", 5: "not_filed", 6: "not_filed"}
    client.force_login(owner_a)
    assert all("Not filed" in r["message"] for r in report(filing_import, client))


def test_a_suspended_filer_is_refused_at_upload(owner_a, brand_a, asset_a, listings):
    FilingSuspension.objects.create(
        organisation=brand_a.organisation, ends_at=timezone.now() + timedelta(days=3), reason="Misuse."
    )
    with pytest.raises(ValidationError, match="suspended"):
        make_import(owner_a, csv_bytes([[listings[0].external_id, ast(asset_a), "counterfeit", EXPLANATION]]))
    assert not FilingImport.objects.exists()


def test_beat_resends_only_open_imports_that_have_not_moved(settings, owner_a, brand_a, asset_a, listings):
    from takedowns.bulk_filing.importing import filing_imports_resume_stale

    settings.BULK_FILING_STALE_SECONDS = 60
    data = csv_bytes([[listings[0].external_id, ast(asset_a), "counterfeit", EXPLANATION]])
    stale = make_import(owner_a, data)  # queued, its message lost: nobody ran it
    make_import(owner_a, data)  # progressed just now (created): left alone
    done = make_import(owner_a, data)
    now = timezone.now()
    FilingImport.objects.filter(pk__in=[stale.pk, done.pk]).update(progressed_at=now - timedelta(minutes=5))
    FilingImport.objects.filter(pk=done.pk).update(status=ImportStatus.DONE)
    assert filing_imports_resume_stale(now=now) == [stale.pk]  # run at once here (eager): it files the row
    stale.refresh_from_db()
    assert (stale.status, stale.filed_rows) == (ImportStatus.DONE, 1)
    assert filing_imports_resume_stale(now=now) == []  # marked as moved: not sent again at the next beat
