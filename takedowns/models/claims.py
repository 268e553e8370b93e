"""A reviewer's claim on an item: while it runs, nobody else decides the item (the reviewer workbench)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReviewClaimQuerySet(models.QuerySet):
    def running(self, now=None):
        """Claims that have not expired: an expired one is as good as none (the item is back in the queue)."""
        return self.filter(expires_at__gt=now or timezone.now())


class ReviewClaim(models.Model):
    """One row per claimed item, taken under the item's row lock (``takedowns.claims``); released or
    decided, it is deleted; expired, it is ignored and the next reviewer to open the item takes it over."""

    item = models.OneToOneField("takedowns.NoticeItem", on_delete=models.CASCADE, related_name="review_claim")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    objects = ReviewClaimQuerySet.as_manager()

    def __str__(self):
        return f"Claim on item {self.item_id} by {self.reviewer_id} until {self.expires_at:%Y-%m-%d %H:%M}"
