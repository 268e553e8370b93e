"""Appeals against a decision (internal complaint, DSA article 20)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from takedowns.models.items import NoticeItem


class AppealSide(models.TextChoices):
    RIGHTS_HOLDER = "rights_holder", _("Rights holder")
    MERCHANT = "merchant", _("Merchant")


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a senior reviewer")
    CONFIRMED = "confirmed", _("Decision confirmed")
    REVERSED = "reversed", _("Decision reversed")
    MOOT = "moot", _("Closed: the decision under appeal changed")


class Appeal(models.Model):
    """An internal complaint against a final decision (DSA article 20), open for six months."""

    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="appeals")
    decision_generation = models.PositiveIntegerField()
    side = models.CharField(max_length=20, choices=AppealSide.choices)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    statement = models.TextField()
    filed_at = models.DateTimeField(default=timezone.now)
    # Moves only through takedowns.appeals.
    status = models.CharField(max_length=20, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        constraints = [
            # One appeal per side per decision.
            models.UniqueConstraint(fields=["item", "decision_generation", "side"], name="appeal_unique_per_side"),
        ]

    def __str__(self):
        return f"Appeal by {self.get_side_display().lower()} on item {self.item_id} ({self.status})"
