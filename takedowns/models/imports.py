"""Bulk filing by CSV: an uploaded file (``FilingImport``) and its rows (``FilingImportRow``).

A worker reads the file into rows, checks every row with the filing rules and files the good ones in
chunks through ``takedowns.notices.notice_submit`` (``takedowns.bulk_filing``). Each row records what
became of it: filed (its item), or refused (the column and message of each problem), or not filed
because the import stopped (the filer was suspended mid-way).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import public_ids
from takedowns.models.items import NoticeItem


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    STOPPED = "stopped", _("Stopped")


class FilingImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Imports of the organisations the user files with (theirs and their colleagues', as the notices they
        filed are); another organisation's is neither listed nor found."""
        from portal.scoping import organisation_ids_of

        if not user.is_authenticated:
            return self.none()
        return self.filter(filer_organisation_id__in=organisation_ids_of(user))


class FilingImport(models.Model):
    """One uploaded CSV: who files for which brand, the notice's filer details, and the worker's progress."""

    public_id = models.UUIDField(default=public_ids.uuid7, unique=True, editable=False)
    rights_holder = models.ForeignKey("rights_holders.RightsHolder", on_delete=models.PROTECT, related_name="+")
    # The organisation that files (the brand's own, or an agent firm under a letter of authorisation).
    filer_organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The notice's filer fields and declarations, as the upload form took them (NOTICE_FIELDS, DECLARATIONS).
    notice_data = models.JSONField(default=dict)
    # The uploaded file, deleted once its rows are read (the rows keep what it said).
    file = models.FileField(upload_to="imports/", max_length=255, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_read = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)
    filed_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    # Why the import stopped before its end (the filer was suspended, lost its authority), in records language.
    stop_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    # When a worker last moved it (claimed it, finished a chunk): beat resends an open import quiet for too long.
    progressed_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = FilingImportQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="filing_import_by_user"),
            models.Index(
                fields=["progressed_at"],
                condition=models.Q(status__in=["queued", "running"]),
                name="filing_import_open",
            ),
        ]

    def __str__(self):
        return f"Import {self.pk} ({self.original_name})"

    @property
    def open(self):
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def percent(self):
        if not self.open:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.checked_rows * 100 // self.total_rows)


class RowStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    FILED = "filed", _("Filed as an item")
    REFUSED = "refused", _("Refused")
    NOT_FILED = "not_filed", _("Not filed")


class FilingImportRow(models.Model):
    """One data row of the file (``number``: its line in the file, the header being line 1), as written."""

    filing_import = models.ForeignKey(FilingImport, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()
    listing_id = models.TextField(blank=True)
    asset = models.TextField(blank=True)
    infringement_type = models.TextField(blank=True)
    explanation = models.TextField(blank=True)
    test_buy_order_number = models.TextField(blank=True)
    test_buy_report = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=RowStatus.choices, default=RowStatus.PENDING)
    # [{"column": ..., "message": ...}]: what is wrong with a refused row, or why a row was not filed.
    problems = models.JSONField(default=list, blank=True)
    item = models.ForeignKey(NoticeItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["filing_import", "number"]
        constraints = [
            models.UniqueConstraint(fields=["filing_import", "number"], name="filing_import_row_unique_number"),
            # A row is filed once: one row per item, whatever runs again.
            models.UniqueConstraint(fields=["item"], condition=models.Q(item__isnull=False), name="filing_row_item"),
        ]
        indexes = [models.Index(fields=["filing_import", "status", "number"], name="filing_import_row_status")]

    def __str__(self):
        return f"Row {self.number} of import {self.filing_import_id}"
