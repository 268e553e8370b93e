"""The CSV side of bulk filing: the columns, the template, reading an upload (the error report is written by
``portal.csv_export``, as every CSV download people open in a spreadsheet).

A file is UTF-8 (a byte-order mark, as spreadsheets write it, is allowed), comma-separated, with one
header row naming the columns. Lines whose first cell starts with ``#`` are notes (the template's
explanation) and are skipped, as are empty lines. A row's number is the line of the file it starts
on, so it matches what a spreadsheet or a text editor shows.
"""

import csv
import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from takedowns.models import InfringementType

# (column, required): the order of the template.
COLUMNS = (
    ("listing_id", True),
    ("asset", True),
    ("infringement_type", True),
    ("explanation", True),
    ("test_buy_order_number", False),
    ("test_buy_report", False),
)
COLUMN_NAMES = tuple(name for name, _required in COLUMNS)
REQUIRED_COLUMNS = tuple(name for name, required in COLUMNS if required)


class CsvRefused(ValueError):
    """The whole file is refused (encoding, header, size); nothing is kept. The text says what to do."""


@dataclass
class CsvRow:
    number: int  # the line of the file the row starts on
    cells: dict  # column -> text, for the header's columns
    extra: int = 0  # cells beyond the header's columns


def max_rows():
    return settings.BULK_FILING_MAX_ROWS


def csv_read(data):
    """The rows of an uploaded file (bytes), or CsvRefused. Reads it all: the limit is on rows, not bytes."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvRefused(
            _(
                "The file is not UTF-8 text (byte %(position)s cannot be read). Save it as “CSV UTF-8” "
                "from your spreadsheet and upload it again."
            )
            % {"position": exc.start + 1}
        ) from None
    if "\x00" in text:
        raise CsvRefused(_("The file holds NUL characters: it is not a CSV file. Upload the template, filled in."))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = None
    rows = []
    limit = max_rows()
    line = 1
    try:
        for record in reader:
            number, line = line, reader.line_num + 1
            if not record or not any(cell.strip() for cell in record) or record[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = _header_check(record)
                continue
            if len(rows) >= limit:
                raise CsvRefused(
                    _("The file has more than %(limit)s rows. Split it into files of at most %(limit)s rows.")
                    % {"limit": f"{limit:,}"}
                )
            cells = {name: (record[i] if i < len(record) else "") for i, name in enumerate(header) if name}
            rows.append(CsvRow(number, cells, extra=max(0, len(record) - len(header))))
    except csv.Error as exc:
        raise CsvRefused(
            _("Line %(line)s cannot be read as CSV: %(problem)s.")
            % {"line": reader.line_num, "problem": _csv_problem(exc)}
        ) from None
    if header is None:
        raise CsvRefused(_("The file is empty. Download the template, fill in one row per listing and upload it."))
    if not rows:
        raise CsvRefused(_("The file has a header but no rows: add one row per listing."))
    return rows


def _csv_problem(exc):
    """What Python's CSV reader found wrong, said in the reader's language (its own text is English)."""
    text = str(exc)
    if "field larger than field limit" in text:
        return _("a field is longer than %(limit)s characters") % {"limit": f"{csv.field_size_limit():,}"}
    if "expected after" in text:
        return _('a quoted field goes on after its closing quote (write a quote inside a field as two: "")')
    if "unexpected end of data" in text:
        return _("a quote opened here is never closed")
    return text


def _header_check(record):
    names = [cell.strip().lower() for cell in record]
    unknown = [name for name in names if name and name not in COLUMN_NAMES]
    if unknown:
        raise CsvRefused(
            _("The header names unknown columns: %(unknown)s. The columns are: %(columns)s.")
            % {"unknown": ", ".join(unknown), "columns": ", ".join(COLUMN_NAMES)}
        )
    twice = sorted({name for name in names if name and names.count(name) > 1})
    if twice:
        raise CsvRefused(_("The header names a column twice: %(columns)s.") % {"columns": ", ".join(twice)})
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise CsvRefused(
            _("The header lacks the columns %(missing)s. The first line must name the columns: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(COLUMN_NAMES)}
        )
    return names


def template_text(assets):
    """The template: notes explaining each column and its allowed values, the header, one example row.

    ``assets``: the filer's verified assets, listed in the notes with the id the ``asset`` column takes.
    """
    from portal import public_ids

    notes = [
        _("Bulk filing template. Lines starting with # are notes and are skipped; keep the header line as it is."),
        _("One row per listing. At most %(limit)s rows a file. Save as CSV UTF-8.") % {"limit": f"{max_rows():,}"},
        _("listing_id (required): the marketplace's listing id, e.g. L000001234, or the listing's number here."),
        _(
            "asset (required): one of your verified IP assets, by its id (ast_...) or its registration number. "
            "Your verified assets:"
        ),
    ]
    for asset in assets:
        registration = f" / {asset.registration_number}" if asset.registration_number else ""
        notes.append(f"  {public_ids.encode('ast', asset.public_id)}{registration}: {asset.name}")
    if not assets:
        notes.append("  " + _("(none yet: register an IP asset and wait for its verification)"))
    notes += [
        _("infringement_type (required): one of %(types)s.")
        % {"types": ", ".join(f"{value} ({label})" for value, label in InfringementType.choices)},
        _("explanation (required): how the listing infringes the right (what you saw, what differs)."),
        _("test_buy_order_number, test_buy_report (optional): a test purchase's order number and what it showed."),
        _(
            "A row is refused if its listing is unknown or removed, its asset is not yours or not verified, its type "
            "is not allowed, it repeats an earlier row, or the listing is already under an open complaint of yours."
        ),
    ]
    example_asset = public_ids.encode("ast", assets[0].public_id) if assets else "ast_..."
    example = [
        "L000001234",
        example_asset,
        InfringementType.COUNTERFEIT.value,
        _("Fake logo and packaging; sold at a tenth of the genuine price."),
        "",
        "",
    ]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    for note in notes:
        writer.writerow([f"# {note}"])
    writer.writerow(COLUMN_NAMES)
    writer.writerow(example)
    return out.getvalue()
