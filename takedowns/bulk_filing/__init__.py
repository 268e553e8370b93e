"""Bulk filing by CSV: the template, reading an upload, the worker that files its rows (README "Bulk filing by CSV").

Modules: ``csv_files`` (columns, template, reading a file),
``importing`` (``filing_import_create``: an upload becomes an import; ``filing_import_run``: the worker's
part, chunk by chunk through ``takedowns.notices.notice_submit``), ``reports`` (the error report's rows).
"""

from takedowns.bulk_filing.csv_files import COLUMN_NAMES, CsvRefused, csv_read, template_text
from takedowns.bulk_filing.importing import FilingBusy, filing_import_create, filing_import_run, problem_text
from takedowns.bulk_filing.reports import error_report_rows

__all__ = [
    "COLUMN_NAMES",
    "CsvRefused",
    "FilingBusy",
    "csv_read",
    "error_report_rows",
    "filing_import_create",
    "filing_import_run",
    "problem_text",
    "template_text",
]
