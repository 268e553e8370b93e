"""Decisions explained: canned reasons and the statements of reasons (DSA article 17)."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from takedowns.models.items import InfringementType, NoticeItem


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")
    REJECTED = "rejected", _("Rejected")


class CannedReason(models.Model):
    """A reviewer picks one and edits it."""

    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    title = models.CharField(max_length=120)
    text = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["outcome", "title"]
        constraints = [models.UniqueConstraint(fields=["outcome", "title"], name="canned_reason_unique_title")]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.title}"


class RestrictionKind(models.TextChoices):
    """What was restricted; maps to the DSA Transparency Database's decision_* fields."""

    LISTING_REMOVED = "listing_removed", _("Listing removed")
    LISTING_RESTORED = "listing_restored", _("Listing restored")
    STORE_WARNING = "store_warning", _("Warning to the store")
    STORE_RESTRICTED = "store_restricted", _("Store may not add listings")
    STORE_CLOSED = "store_closed", _("Store closed, deposit confiscated")
    MERCHANT_BANNED = "merchant_banned", _("Merchant permanently banned")
    NONE = "none", _("No restriction")


class StatementOfReasons(models.Model):
    """DSA article 17: every decision that restricts a listing or a store carries one."""

    puid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="statements")
    decision_generation = models.PositiveIntegerField(default=0)
    store = models.ForeignKey("listings.Store", on_delete=models.PROTECT, related_name="statements")
    restriction = models.CharField(max_length=30, choices=RestrictionKind.choices)
    restriction_ends_at = models.DateTimeField(null=True, blank=True)
    infringement_type = models.CharField(max_length=20, choices=InfringementType.choices)
    ground = models.TextField(help_text="The legal or contractual ground: which right, which infringement.")
    facts = models.TextField(help_text="The facts and circumstances relied on.")
    automated_detection = models.BooleanField(default=False)
    automated_decision = models.BooleanField(default=False)
    redress = models.TextField()
    source_type = models.CharField(max_length=40, default="SOURCE_ARTICLE_16")
    content_created_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "decision_generation", "restriction"], name="statement_unique_per_decision"
            )
        ]

    def __str__(self):
        return f"Statement of reasons {str(self.puid)[:8]} ({self.get_restriction_display()})"
