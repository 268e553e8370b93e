"""A reviewer's claim on an item: while it runs, nobody else decides the item (the reviewer workbench)."""

from django.db import models

from portal.models import WorkClaim


class ReviewClaim(WorkClaim):
    """One row per claimed item, taken under the item's row lock (``takedowns.claims``, through
    ``portal.claims``); an appeal is decided on its item's page, under the item's claim."""

    item = models.OneToOneField("takedowns.NoticeItem", on_delete=models.CASCADE, related_name="review_claim")

    def __str__(self):
        return f"Claim on item {self.item_id} by {self.reviewer_id} until {self.expires_at:%Y-%m-%d %H:%M}"
