"""CSV downloads people open in a spreadsheet: streamed row by row, every cell safe from formula injection.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``): OWASP's advice is to make it
text by prefixing a single quote. Listing titles, explanations and store names are typed by others, so every
text cell goes through ``csv_cell``.
"""

import codecs
import csv

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """``value`` as a CSV cell that no spreadsheet runs: None is empty, numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns what it was given: csv.writer then yields lines."""

    def write(self, value):
        return value


def csv_lines(header, rows):
    """Encoded CSV lines: a UTF-8 byte-order mark (so Excel reads Chinese right), the header, then each row."""
    writer = csv.writer(_Echo())
    yield codecs.BOM_UTF8
    yield writer.writerow([csv_cell(h) for h in header]).encode("utf-8")
    for row in rows:
        yield writer.writerow([csv_cell(cell) for cell in row]).encode("utf-8")


def csv_response(filename, header, rows):
    """A streamed CSV download of ``rows`` (any iterable, read as the response is sent)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
