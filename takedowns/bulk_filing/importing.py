"""Bulk filing by CSV: an upload becomes an import (``filing_import_create``); a worker files it (``filing_import_run``).

The worker reads the stored file into rows once (then deletes the file), and files the pending rows in
chunks of ``BULK_FILING_CHUNK_ROWS``. Each chunk is one transaction: the import row is locked, the
chunk's pending rows are checked with the filing rules (``takedowns.notices.lines``: the listing exists
and is not removed, the asset is the brand's and verified, the type is allowed, the text fits, no open
item of the brand for the same listing and asset), the good ones are filed as one notice through
``notice_submit`` (the form's and the API's own set-based path, channel "bulk"), and every row of the
chunk records what became of it, all committed together (``enclosing_transaction``). A worker that
dies mid-chunk leaves nothing of that chunk; a task run again (redelivered, retried) finds the filed
rows no longer pending and goes on from the first pending one, so no row is filed twice.

A file mixing good and bad rows: the good rows are filed, the bad ones are refused and reported (row,
column, message) in the error report; one bad row never holds the others back. A filer suspended (or
no longer authorised) mid-import: the chunks filed before stay filed; ``notice_submit`` refuses the
next chunk, the import stops there ("stopped", with the reason) and its remaining rows are reported as
not filed, with that reason. Nothing is filed after the refusal.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import public_ids
from portal.i18n import in_records_language, records_language
from portal.transactions import durable_atomic, enclosing_transaction, stored_file_track
from rights_holders.models import IPAsset
from takedowns.bulk_filing.csv_files import csv_read
from takedowns.models import Channel, FilingImport, FilingImportRow, ImportStatus, RowStatus
from takedowns.notices import ItemDraft, filing_suspension_refuse, notice_submit
from takedowns.notices.lines import (
    INFRINGEMENT_TYPES,
    draft_text_problem,
    item_problem,
    listing_key,
    listings_find,
    open_items_find,
)
from takedowns.recorded import recorded_read

# The messages of this module's own checks, said anew in the reader's language from their code and params.
# The filing rules' messages (``item_problem``'s) are records: kept in English, read by ``takedowns.recorded``.
ROW_MESSAGES = {
    "extra_cells": _("The row has %(count)s cell(s) more than the header: check for an unquoted comma."),
    "repeated": _("Same listing and asset as row %(row)s: a listing is named once per asset."),
    "listing_required": _("Give the listing id."),
    "listing_unknown": _("No listing %(listing)s on the marketplace."),
    "asset_required": _("Give the IP asset (its id, ast_..., or its registration number)."),
    "asset_unknown": _("None of the brand's IP assets has the id or registration number %(asset)s."),
    "asset_ambiguous": _("Several of the brand's IP assets have the registration number %(asset)s: give its id."),
    "infringement_type_required": _("Give the infringement type (%(types)s)."),
    "infringement_type_invalid": _("%(value)s is not an infringement type: use one of %(types)s."),
    "explanation_required": _("Explain how the listing infringes the right."),
    "not_filed": _("Not filed: the import stopped before this row (%(reason)s)."),
}
# The column a filing rule's problem is about, by its code.
RULE_COLUMNS = {
    "listing_unknown": "listing_id",
    "listing_removed": "listing_id",
    "duplicate": "listing_id",
    "asset_unknown": "asset",
    "asset_foreign": "asset",
    "asset_expired": "asset",
    "asset_not_verified": "asset",
    "infringement_type_invalid": "infringement_type",
    "explanation_required": "explanation",
    "explanation_invalid": "explanation",
    "test_buy_order_number_invalid": "test_buy_order_number",
    "test_buy_report_invalid": "test_buy_report",
}


class FilingBusy(Exception):
    """Other filings naming the same listings held the chunk up: nothing of it was kept; run the task again."""


def problem_text(problem):
    """A row's problem in the reader's language: this module's own said anew, a filing rule's (recorded in
    English) read through ``takedowns.recorded``."""
    message = ROW_MESSAGES.get(problem.get("code"))
    if message is None or problem.get("rule"):
        return recorded_read(problem.get("text", ""))
    return str(message) % problem.get("params", {})


def _problem(column, code, **params):
    return {"column": column, "code": code, "params": params, "text": in_records_language(ROW_MESSAGES[code]) % params}


def _rule_problem(line_problem):
    return {
        "column": RULE_COLUMNS.get(line_problem.code, ""),
        "code": line_problem.code,
        "rule": True,
        "text": str(line_problem),
    }


def filing_import_create(*, actor, role, notice_data, original_name, data):
    """Keep an uploaded file as an import and queue its worker. ``role``: an ActingRole of ``actor`` (checked
    by the form); the worker's ``notice_submit`` checks it again for every chunk. The file is read here once
    so that a bad one (encoding, header, more rows than allowed) is refused at once (``CsvRefused``); a
    suspended filer is refused at once too (ValidationError)."""
    rows = csv_read(data)
    filing_suspension_refuse({role.rights_holder.organisation_id, role.organisation.pk})
    from takedowns.tasks import run_filing_import

    with durable_atomic():
        filing_import = FilingImport(
            rights_holder=role.rights_holder,
            filer_organisation=role.organisation,
            created_by=actor,
            notice_data=notice_data,
            original_name=original_name[:255],
            total_rows=len(rows),
        )
        filing_import.file.save("upload.csv", ContentFile(data), save=False)
        stored_file_track(filing_import.file)
        filing_import.save()
        transaction.on_commit(lambda: run_filing_import.delay(filing_import.pk))
    return filing_import


def filing_import_run(import_id, *, now=None):
    """The worker's part: read the rows (once), file the pending ones chunk by chunk, finish. Safe to run again.

    Returns the import's status afterwards. ``FilingBusy``: a chunk met other filings' locks; nothing of
    it was kept, and the task runs again later."""
    now = now or timezone.now()
    claimed = FilingImport.objects.filter(pk=import_id, status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)).update(
        status=ImportStatus.RUNNING, started_at=Coalesce(F("started_at"), now)
    )
    if not claimed:
        return FilingImport.objects.filter(pk=import_id).values_list("status", flat=True).first()
    filing_import = FilingImport.objects.select_related("rights_holder", "filer_organisation", "created_by").get(
        pk=import_id
    )
    if not filing_import.rows_read:
        _rows_read(filing_import)
    _file_forget(filing_import)
    # Each chunk at its own time: a suspension that starts mid-import stops the chunks after it.
    while _chunk_file(filing_import, now=timezone.now()):
        pass
    FilingImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(
        status=ImportStatus.DONE, finished_at=timezone.now()
    )
    return FilingImport.objects.filter(pk=import_id).values_list("status", flat=True).first()


def filing_imports_resume_stale(*, now=None):
    """Send every open import that has not moved for ``BULK_FILING_STALE_SECONDS`` to a worker again (beat).

    Its worker died, or the message was lost (the embedded broker loses what a killed worker held). The run
    goes on from the first pending row; if the first worker is only slow, the two take turns on the import's
    lock and each chunk is filed once. Returns the ids sent."""
    from takedowns.tasks import run_filing_import

    now = now or timezone.now()
    stale = list(
        FilingImport.objects.filter(
            status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING),
            progressed_at__lt=now - timedelta(seconds=settings.BULK_FILING_STALE_SECONDS),
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        # Marked as moved, so the next beat waits again before sending it once more.
        FilingImport.objects.filter(pk=pk).update(progressed_at=now)
        run_filing_import.delay(pk)
    return stale


def _rows_read(filing_import):
    """The stored file's rows as FilingImportRow, once: rows repeating an earlier one are refused here."""
    try:
        with filing_import.file.open("rb") as stored:
            data = stored.read()
    except FileNotFoundError:
        # Another run (a redelivered message) kept the rows and deleted the file after this one loaded the
        # import: the rows are there to file. A file missing any other way is a fault to see.
        if FilingImport.objects.filter(pk=filing_import.pk, rows_read=True).exists():
            filing_import.rows_read = True
            return
        raise
    rows = csv_read(data)  # it was read at upload: it reads the same here
    seen = {}
    records = []
    refused = 0
    for row in rows:
        cells = row.cells
        problems = []
        if row.extra:
            problems.append(_problem("", "extra_cells", count=row.extra))
        key = ((cells.get("listing_id") or "").strip(), (cells.get("asset") or "").strip().lower())
        if all(key):
            if key in seen:
                problems.append(_problem("listing_id", "repeated", row=seen[key]))
            else:
                seen[key] = row.number
        refused += bool(problems)
        records.append(
            FilingImportRow(
                filing_import=filing_import,
                number=row.number,
                status=RowStatus.REFUSED if problems else RowStatus.PENDING,
                problems=problems,
                **{name: cells.get(name, "") for name in _ROW_TEXT},
            )
        )
    with durable_atomic():
        locked = FilingImport.objects.select_for_update().get(pk=filing_import.pk)
        if locked.rows_read:
            return  # another run read them meanwhile
        FilingImportRow.objects.bulk_create(records, batch_size=1000)
        locked.rows_read = True
        locked.total_rows = len(records)
        locked.checked_rows = refused
        locked.error_rows = refused
        locked.save(update_fields=["rows_read", "total_rows", "checked_rows", "error_rows"])
    filing_import.rows_read = True


_ROW_TEXT = ("listing_id", "asset", "infringement_type", "explanation", "test_buy_order_number", "test_buy_report")


def _file_forget(filing_import):
    """The uploaded file, once its rows are kept, is deleted (also by a run after one that died before it could)."""
    if filing_import.file:
        filing_import.file.delete(save=False)
        FilingImport.objects.filter(pk=filing_import.pk).update(file="")


def _chunk_file(filing_import, *, now):
    """Check and file the next chunk of pending rows, all in one transaction. False when nothing is left."""
    with enclosing_transaction():
        locked = FilingImport.objects.select_for_update().get(pk=filing_import.pk)
        if locked.status != ImportStatus.RUNNING:
            return False
        rows = list(locked.rows.filter(status=RowStatus.PENDING).order_by("number")[: settings.BULK_FILING_CHUNK_ROWS])
        if not rows:
            return False
        good = _rows_check(rows, filing_import, now=now)
        if good:
            try:
                receipt = notice_submit(
                    actor=filing_import.created_by,
                    rights_holder=filing_import.rights_holder,
                    acting_organisation=filing_import.filer_organisation,
                    channel=Channel.BULK,
                    data=filing_import.notice_data,
                    drafts=[draft for _row, draft in good],
                    now=now,
                )
            except ValidationError as exc:
                if getattr(exc, "code", None) == "busy":
                    raise FilingBusy(str(exc)) from exc
                # The stop reason is a record (the import's page and its error report show it as written):
                # in the records' language whoever's language the filing ran under.
                with records_language():
                    reason = " ".join(exc.messages)
                _import_stop(locked, rows, reason, now=now)
                return False
            except PermissionDenied as exc:
                _import_stop(locked, rows, in_records_language(exc), now=now)
                return False
            _receipt_apply(receipt, good)
        _rows_save(rows)
        locked.checked_rows = F("checked_rows") + len(rows)
        locked.filed_rows = F("filed_rows") + sum(row.status == RowStatus.FILED for row in rows)
        locked.error_rows = F("error_rows") + sum(row.status != RowStatus.FILED for row in rows)
        locked.progressed_at = timezone.now()
        locked.save(update_fields=["checked_rows", "filed_rows", "error_rows", "progressed_at"])
    return True


def _rows_save(rows):
    """Each row's status, problems and item, in one statement on PostgreSQL (Django's bulk_update builds a
    CASE of every row for every column: most of a chunk's time in Python); the same through the ORM elsewhere."""
    if connection.vendor != "postgresql":
        FilingImportRow.objects.bulk_update(rows, ["status", "problems", "item"], batch_size=1000)
        return
    table = FilingImportRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS r SET status = v.status, problems = v.problems::jsonb, item_id = v.item_id "  # noqa: S608 (the model's own table)
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[]) AS v(id, status, problems, item_id) "
            "WHERE r.id = v.id",
            [
                [row.pk for row in rows],
                [row.status for row in rows],
                [json.dumps(row.problems) for row in rows],
                [row.item_id for row in rows],
            ],
        )


def _import_stop(locked, rows, reason, *, now):
    """The filer may no longer file: the rows checked bad stay refused, every other pending row is not filed."""
    refused = [row for row in rows if row.status == RowStatus.REFUSED]
    _rows_save(refused)
    not_filed = locked.rows.filter(status=RowStatus.PENDING).update(
        status=RowStatus.NOT_FILED, problems=[_problem("", "not_filed", reason=reason)]
    )
    locked.status = ImportStatus.STOPPED
    locked.stop_reason = reason
    locked.finished_at = now
    locked.checked_rows = F("checked_rows") + len(refused) + not_filed
    locked.error_rows = F("error_rows") + len(refused) + not_filed
    locked.save(update_fields=["status", "stop_reason", "finished_at", "checked_rows", "error_rows"])


def _assets_find(rows, rights_holder):
    """{text as written, lower-cased: [assets]} for the rows' asset cells: by public id (ast_...) or registration."""
    wanted = {row.asset.strip() for row in rows if row.asset.strip()}
    ids = {uuid for text in wanted if (uuid := public_ids.decode("ast", text)) is not None}
    found = {}
    if not wanted:
        return found
    for asset in IPAsset.objects.filter(rights_holder=rights_holder).filter(
        Q(public_id__in=ids) | Q(registration_number__in=wanted)
    ):
        found.setdefault(public_ids.encode("ast", asset.public_id).lower(), []).append(asset)
        if asset.registration_number:
            found.setdefault(asset.registration_number.lower(), []).append(asset)
    return found


def _rows_check(rows, filing_import, *, now):
    """Each row through the filing rules; a bad one is marked refused with its problems. Returns [(row, draft)]
    of the rows to file. The listings, assets and open items of the chunk are read in one query each."""
    holder = filing_import.rights_holder
    assets = _assets_find(rows, holder)
    types = ", ".join(sorted(INFRINGEMENT_TYPES))
    drafts = {}
    for row in rows:
        problems = []
        listing_ref = row.listing_id.strip()
        if not listing_ref:
            problems.append(_problem("listing_id", "listing_required"))
        asset_text = row.asset.strip()
        asset = None
        if not asset_text:
            problems.append(_problem("asset", "asset_required"))
        else:
            matches = assets.get(asset_text.lower(), [])
            if not matches:
                problems.append(_problem("asset", "asset_unknown", asset=asset_text))
            elif len(matches) > 1:
                problems.append(_problem("asset", "asset_ambiguous", asset=asset_text))
            else:
                asset = matches[0]
        kind = row.infringement_type.strip().lower()
        if not kind:
            problems.append(_problem("infringement_type", "infringement_type_required", types=types))
        elif kind not in INFRINGEMENT_TYPES:
            problems.append(
                _problem(
                    "infringement_type", "infringement_type_invalid", value=row.infringement_type.strip(), types=types
                )
            )
        if not row.explanation.strip():
            problems.append(_problem("explanation", "explanation_required"))
        draft = ItemDraft(
            listing_ref=listing_ref,
            ip_asset_id=asset.pk if asset else None,
            ip_asset=asset,
            infringement_type=kind,
            explanation=row.explanation.strip(),
            test_buy_order_number=row.test_buy_order_number.strip(),
            test_buy_report=row.test_buy_report.strip(),
        )
        if text := draft_text_problem(draft):
            problems.append(_rule_problem(text))
        row.problems = problems
        if problems:
            row.status = RowStatus.REFUSED
        else:
            drafts[row.pk] = draft
    listings = listings_find(list(drafts.values()), holder, on=now.date())
    for row in rows:
        if row.pk in drafts and listing_key(drafts[row.pk]) not in listings:
            row.problems = [_problem("listing_id", "listing_unknown", listing=drafts.pop(row.pk).listing_ref)]
            row.status = RowStatus.REFUSED
    open_items = open_items_find({(listings[listing_key(draft)].pk, draft.ip_asset_id) for draft in drafts.values()})
    good = []
    for row in rows:
        draft = drafts.get(row.pk)
        if draft is None:
            continue
        listing = listings[listing_key(draft)]
        problem = item_problem(
            draft,
            rights_holder=holder,
            listing=listing,
            asset=draft.ip_asset,
            now=now,
            open_item_id=open_items.get((listing.pk, draft.ip_asset_id)),
        )
        if problem:
            row.problems = [_rule_problem(problem)]
            row.status = RowStatus.REFUSED
        else:
            good.append((row, draft))
    return good


def _receipt_apply(receipt, good):
    """What the filing made of each good row: filed (its item), or refused (kept invalid, or not recorded)."""
    by_line = {number: row for number, (row, _draft) in enumerate(good, start=1)}
    for item in receipt.accepted:
        row = by_line[receipt.lines[item.pk]]
        row.status, row.item = RowStatus.FILED, item
    for item in receipt.invalid:
        row = by_line[receipt.lines[item.pk]]
        row.status, row.item = RowStatus.REFUSED, item
        row.problems = [_rule_problem(receipt.problems[item.pk])]
    for number, problem in receipt.refused:
        row = by_line[number]
        row.status = RowStatus.REFUSED
        row.problems = [_rule_problem(problem)]
