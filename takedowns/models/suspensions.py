"""Filing suspensions of an organisation that misused the notice system."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.models import Organisation


class FilingSuspension(models.Model):
    """A rights holder organisation barred from filing for a period (misuse, DSA article 23)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="filing_suspensions")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self):
        return f"{self.organisation} suspended from filing until {self.ends_at:%Y-%m-%d}"
