"""What the screening pipeline keeps: each screening's result, the alerts it raised, the snapshot's
version, the text read from images, and each brand's own thresholds.

- ``ScreeningResult``: one row per screening of a listing, never changed or deleted (PostgreSQL
  refuses it, as for the item history): the outcome, the brand reported, the score and every signal
  with its evidence, the snapshot version and the listing version (``listing_updated_at``) screened.
- ``ScreeningAlert``: a result that asks its rights holder; at most one open alert per listing and
  asset (a re-screening that alerts again keeps it). Created by the pipeline; decided by the inbox.
- ``ScreeningState``: one row; ``snapshot_version`` counts the changes of the registered IP that
  screening reads, so workers rebuild their screener only when it moves.
- ``OcrText``: the text read from an image, by the SHA-256 of its bytes (the core's OCR cache).
- ``BrandScreeningSettings``: a rights holder's own notice and alert thresholds.
- ``RescreenJob``: re-screening a brand's live listings after its IP changed, with its progress.
- ``CounterfeitImage``: a known counterfeit picture (upheld items' images, holder uploads) in the snapshot.
"""

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.public_ids import uuid7
from rights_holders.scoping import rights_holder_ids_visible_to


class ScreeningOutcome(models.TextChoices):
    NOTICE = "notice", _("Proactive notice")
    ALERT = "alert", _("Alert to the rights holder")
    CLEAR = "clear", _("Clear")
    BLOCKED = "blocked", _("Blocked (banned category)")


class ScreeningTrigger(models.TextChoices):
    CREATED = "created", _("Listing created")
    CHANGED = "changed", _("Listing changed")
    RESCREEN = "rescreen", _("Re-screening after the registered IP changed")
    MANUAL = "manual", _("Screened on request")


@pgtrigger.register(
    pgtrigger.Protect(name="screening_result_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
)
class ScreeningResult(models.Model):
    """One screening of one listing. Append-only: a listing's latest result is its current verdict."""

    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    listing = models.ForeignKey("listings.Listing", on_delete=models.PROTECT, related_name="screening_results")
    # The brand reported (the core's brand is an asset), and its holder; none when clear of every brand.
    asset = models.ForeignKey(
        "rights_holders.IPAsset", on_delete=models.PROTECT, null=True, blank=True, related_name="screening_results"
    )
    rights_holder = models.ForeignKey(
        "rights_holders.RightsHolder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="screening_results",
    )
    outcome = models.CharField(max_length=10, choices=ScreeningOutcome.choices)
    score = models.DecimalField(max_digits=5, decimal_places=4)
    # [{"kind", "evidence", "points", ...details}] (screening.pipeline.signals_plain).
    signals = models.JSONField(default=list, blank=True)
    snapshot_version = models.BigIntegerField()
    trigger = models.CharField(max_length=10, choices=ScreeningTrigger.choices)
    listing_updated_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # A listing's latest result (the pipeline's "already screened?" and every page's verdict).
            models.Index(fields=["listing", "-id"], name="screening_result_latest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=1), name="screening_result_score_0_1"
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} for listing {self.listing_id} ({self.score})"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Confirmed (a notice was filed)")
    # Confirmed while the brand already had an open complaint on the listing and asset: the alert names it.
    ALREADY_FILED = "already_filed", _("Already filed (under an open notice)")
    DISMISSED = "dismissed", pgettext_lazy("alert", "Dismissed")


class DismissalReason(models.TextChoices):
    AUTHORISED_SELLER = "authorised_seller", _("An authorised seller")
    GENUINE_GOODS = "genuine_goods", _("Genuine goods")
    NOT_OUR_BRAND = "not_our_brand", _("Not our brand")
    OTHER = "other", _("Other")


class ScreeningAlertQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The alerts of the brands the user acts for: its own staff, or an agent firm whose letter of
        authorisation is in force (``rights_holders.authority``'s one rule). Nobody else's, platform staff
        included (the admin shows them): another organisation's alert answers 404 like a missing one."""
        return self.filter(rights_holder_id__in=rights_holder_ids_visible_to(user))


class ScreeningAlert(models.Model):
    """A suspicious listing screening cannot judge alone: its rights holder confirms (a notice) or dismisses it."""

    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    result = models.OneToOneField(ScreeningResult, on_delete=models.PROTECT, related_name="alert")
    listing = models.ForeignKey("listings.Listing", on_delete=models.PROTECT, related_name="screening_alerts")
    rights_holder = models.ForeignKey(
        "rights_holders.RightsHolder", on_delete=models.PROTECT, related_name="screening_alerts"
    )
    asset = models.ForeignKey("rights_holders.IPAsset", on_delete=models.PROTECT, related_name="screening_alerts")
    # Moves only through the inbox's verbs (open -> confirmed | already_filed | dismissed).
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismissal_reason = models.CharField(max_length=20, choices=DismissalReason.choices, blank=True)
    dismissal_note = models.TextField(blank=True)
    # The notice a confirmation filed; for already_filed, the brand's open notice the listing was already under.
    notice = models.ForeignKey(
        "takedowns.Notice", on_delete=models.PROTECT, null=True, blank=True, related_name="screening_alerts"
    )

    objects = ScreeningAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A re-screening that alerts again keeps the open alert instead of adding one.
            models.UniqueConstraint(
                fields=["listing", "asset"],
                condition=models.Q(status=AlertStatus.OPEN),
                name="screening_alert_one_open_per_listing_asset",
            ),
        ]
        indexes = [models.Index(fields=["rights_holder", "status", "-created_at"], name="screening_alert_inbox_idx")]

    def __str__(self):
        return f"Alert on listing {self.listing_id} for {self.asset_id} ({self.get_status_display().lower()})"


class ScreeningState(models.Model):
    """The one row (id 1) that says which snapshot of the registered IP is current."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    snapshot_version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="screening_state_singleton")]

    def __str__(self):
        return f"Screening snapshot version {self.snapshot_version}"


class OcrText(models.Model):
    """The text Tesseract read from an image, keyed by the SHA-256 of the image's bytes.

    One row an image: the reading of the recipe in ``version`` (``screening.ocr_cache.ocr_version``). A row
    of another version is not used; the image is read again and its row replaced.
    """

    content_hash = models.CharField(max_length=64, primary_key=True)
    text = models.TextField(blank=True)
    # screening.core.ocr.OcrStatus: "read", or "unreadable" (never decoded); a time-out is not kept.
    status = models.CharField(max_length=12, default="read")
    detail = models.CharField(max_length=300, blank=True)
    languages = models.CharField(max_length=50)
    # How it was read: the recipe, Tesseract's version, the languages and the reading's settings. Rows kept
    # before there was one have "": read again.
    version = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "OCR text"

    def __str__(self):
        return f"OCR of {self.content_hash[:12]}…"


_SCORE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class BrandScreeningSettings(models.Model):
    """A rights holder's own thresholds; empty: the portal's (SCREENING_NOTICE/ALERT_THRESHOLD)."""

    rights_holder = models.OneToOneField(
        "rights_holders.RightsHolder", on_delete=models.CASCADE, related_name="screening_settings"
    )
    notice_threshold = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True, validators=_SCORE)
    alert_threshold = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True, validators=_SCORE)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "brand screening settings"
        verbose_name_plural = "brand screening settings"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(notice_threshold__isnull=True) | models.Q(notice_threshold__range=(0, 1)))
                & (models.Q(alert_threshold__isnull=True) | models.Q(alert_threshold__range=(0, 1))),
                name="brand_screening_thresholds_0_1",
            ),
            models.CheckConstraint(
                condition=models.Q(notice_threshold__isnull=True)
                | models.Q(alert_threshold__isnull=True)
                | models.Q(alert_threshold__lt=models.F("notice_threshold")),
                name="brand_screening_alert_below_notice",
            ),
        ]

    def __str__(self):
        return f"Screening thresholds of {self.rights_holder}"

    def effective_thresholds(self):
        """(notice, alert) as floats, the portal's where this brand sets none."""
        notice = settings.SCREENING_NOTICE_THRESHOLD if self.notice_threshold is None else float(self.notice_threshold)
        alert = settings.SCREENING_ALERT_THRESHOLD if self.alert_threshold is None else float(self.alert_threshold)
        return notice, alert

    def clean(self):
        super().clean()
        notice, alert = self.effective_thresholds()
        if alert >= notice:
            raise ValidationError(
                {
                    "alert_threshold": f"The alert threshold ({alert:g}) must be below the notice threshold "
                    f"({notice:g}): a listing that scores above both gets a notice."
                }
            )


class RescreenStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    # A newer job for the same brand started: it screens against a newer snapshot, so this one stops.
    SUPERSEDED = "superseded", _("Superseded by a newer job")
    FAILED = "failed", _("Failed")


RESCREEN_OPEN_STATUSES = (RescreenStatus.QUEUED, RescreenStatus.RUNNING)


class RescreenPhase(models.TextChoices):
    """A job of a large catalogue (scope "brand") walks it twice: the brand's likely listings, then the rest."""

    LIKELY = "likely", "The listings the brand's IP most likely changes"
    REST = "rest", "The rest of the catalogue"


class RescreenJob(models.Model):
    """Re-screening a brand's live listings after its registered IP changed (``screening.rescreen``).

    Coalesced: at most one queued job per rights holder (ten keyword edits in a row run once). Its
    progress moves by one conditional update per batch (``cursor``: the last listing id screened, a
    keyset), under the claim of the worker running it (``claim_token``, ``heartbeat_at``); a job whose
    worker died is taken over by beat (``rescreen_jobs_resume``) from its last committed batch.
    """

    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    rights_holder = models.ForeignKey(
        "rights_holders.RightsHolder", on_delete=models.CASCADE, related_name="rescreen_jobs"
    )
    # Which change asked for it (the latest one, when several changes were coalesced into one job).
    reason = models.CharField(max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # How many changes this queued job stands for.
    requests = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=12, choices=RescreenStatus.choices, default=RescreenStatus.QUEUED)
    # Every live listing either way. "all": in key order (a small catalogue); "brand": first the listings the
    # brand's IP most likely changes (``phase`` likely, ``likely_total`` of them), then the rest (phase rest).
    scope = models.CharField(max_length=10, blank=True)
    phase = models.CharField(max_length=10, choices=RescreenPhase.choices, blank=True)
    likely_total = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    alerts_raised = models.PositiveIntegerField(default=0)
    notices_filed = models.PositiveIntegerField(default=0)
    # The last listing id screened in the current phase (keyset pagination: the next batch is ids above it).
    cursor = models.BigIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    claim_token = models.UUIDField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    snapshot_version = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Coalescing, kept by the database: two changes at once still make one queued job.
            models.UniqueConstraint(
                fields=["rights_holder"],
                condition=models.Q(status=RescreenStatus.QUEUED),
                name="rescreen_job_one_queued_per_holder",
            ),
            models.CheckConstraint(condition=models.Q(done__lte=models.F("total")), name="rescreen_job_done_le_total"),
        ]
        indexes = [
            models.Index(fields=["rights_holder", "-created_at"], name="rescreen_job_holder_idx"),
            # Beat's sweep of stale claims and lost messages reads only the open jobs.
            models.Index(
                fields=["status", "heartbeat_at"],
                condition=models.Q(status__in=["queued", "running"]),
                name="rescreen_job_open_idx",
            ),
        ]

    def __str__(self):
        return f"Re-screening of {self.rights_holder} ({self.get_status_display().lower()}, {self.done}/{self.total})"

    @property
    def percent(self):
        if self.status == RescreenStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class CounterfeitSource(models.TextChoices):
    UPHELD_ITEM = "upheld_item", _("A listing upheld as counterfeit")
    HOLDER_UPLOAD = "holder_upload", _("Uploaded by the rights holder")


class CounterfeitImage(models.Model):
    """A known counterfeit picture, in the screening snapshot's ``counterfeit_images`` of its brand.

    Two sources: every image of a listing whose counterfeit notice item is upheld (added in the
    decision's transaction, removed when the decision is reversed: ``screening.counterfeits``), and
    the rights holder's own uploads (``source=holder_upload``, ``file``). ``image_name`` is the
    storage name the snapshot reads: the listing image's file, or the uploaded file.
    """

    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    rights_holder = models.ForeignKey(
        "rights_holders.RightsHolder", on_delete=models.CASCADE, related_name="counterfeit_images"
    )
    # The brand it counterfeits; null: every brand of the holder.
    asset = models.ForeignKey(
        "rights_holders.IPAsset", on_delete=models.CASCADE, null=True, blank=True, related_name="counterfeit_images"
    )
    source = models.CharField(max_length=20, choices=CounterfeitSource.choices)
    # source=upheld_item: the decision and the listing's picture (its file is the image).
    item = models.ForeignKey(
        "takedowns.NoticeItem", on_delete=models.CASCADE, null=True, blank=True, related_name="counterfeit_images"
    )
    listing_image = models.ForeignKey(
        "listings.ListingImage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # source=holder_upload: the uploaded file (through the upload validator).
    file = models.ImageField(upload_to="counterfeit/", max_length=255, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    # The storage name the snapshot reads (the listing image's or the upload's).
    image_name = models.CharField(max_length=255)
    # SHA-256 of the bytes, hex.
    content_hash = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "listing_image"],
                condition=models.Q(source="upheld_item"),
                name="counterfeit_image_once_per_item_image",
            ),
            models.CheckConstraint(
                condition=(models.Q(source="upheld_item") & models.Q(item__isnull=False))
                | (models.Q(source="holder_upload") & models.Q(item__isnull=True)),
                name="counterfeit_image_source_matches_item",
            ),
        ]
        indexes = [models.Index(fields=["rights_holder", "-created_at"], name="counterfeit_image_holder_idx")]

    def __str__(self):
        return f"Counterfeit image {self.image_name} ({self.get_source_display().lower()})"


# The intelligence rights holders feed screening (keywords, reported sellers), in their own module.
from screening.intel.models import ExtraKeyword, ReportedSeller, ReportedSellerIdentity  # noqa: E402, F401
