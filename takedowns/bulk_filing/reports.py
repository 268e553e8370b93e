"""The error report of an import: one line per problem of a refused or unfiled row."""

from takedowns.bulk_filing.importing import problem_text
from takedowns.models import RowStatus

ERROR_REPORT_HEADER = ("row", "column", "message", "listing_id", "asset")


def error_report_rows(filing_import):
    """(row, column, message, listing_id, asset) for every problem, in the file's order; read in batches."""
    rows = (
        filing_import.rows.exclude(status__in=(RowStatus.FILED, RowStatus.PENDING))
        .order_by("number")
        .values_list("number", "problems", "listing_id", "asset")
    )
    for number, problems, listing_id, asset in rows.iterator(chunk_size=2000):
        for problem in problems or [{}]:
            yield (number, problem.get("column", ""), problem_text(problem), listing_id, asset)
