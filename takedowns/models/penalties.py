"""The penalty ladder's records: points, store sanctions, banned identities, the public register, reimbursements."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from takedowns.models.items import InfringementType, NoticeItem

# --- Penalties -------------------------------------------------------------


class Penalty(models.Model):
    """Points awarded to a store for one upheld item. At most one live penalty per item."""

    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="penalties")
    decision_generation = models.PositiveIntegerField(default=0)
    store = models.ForeignKey("listings.Store", on_delete=models.PROTECT, related_name="penalties")
    ip_asset = models.ForeignKey("rights_holders.IPAsset", on_delete=models.PROTECT, related_name="+")
    infringement_type = models.CharField(max_length=20, choices=InfringementType.choices)
    points = models.PositiveSmallIntegerField()
    awarded_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # A reversed decision removes the penalty: its points and sanctions stop counting.
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-awarded_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "decision_generation"], name="penalty_once_per_decision"),
        ]
        indexes = [models.Index(fields=["store", "expires_at"], name="penalty_store_live_idx")]

    def __str__(self):
        return f"{self.points} points to {self.store} for item {self.item_id}"


class SanctionKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    RESTRICTION = "restriction", _("Listing restriction")
    CLOSURE = "closure", _("Store closed, deposit confiscated")
    BAN = "ban", _("Permanent ban of the merchant")


class Sanction(models.Model):
    """A step of the ladder reached by a store, caused by one penalty."""

    store = models.ForeignKey("listings.Store", on_delete=models.PROTECT, related_name="sanctions")
    penalty = models.ForeignKey(Penalty, on_delete=models.PROTECT, related_name="sanctions")
    kind = models.CharField(max_length=20, choices=SanctionKind.choices)
    # Threshold reached (points), or "repeat" for the repeat-infringer rule.
    level = models.CharField(max_length=20)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    deposit_confiscated = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["penalty", "kind", "level"], name="sanction_once_per_penalty_level"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.store}"


class IdentityKind(models.TextChoices):
    LICENCE = "licence", _("Business licence number")
    PHONE = "phone", _("Contact phone")
    PAYOUT = "payout", _("Payout account")


class BannedIdentity(models.Model):
    """A banned merchant's identifiers, as keyed hashes: re-registration with any of them is refused."""

    kind = models.CharField(max_length=10, choices=IdentityKind.choices)
    identity_hash = models.CharField(max_length=64)
    merchant = models.ForeignKey("listings.Merchant", on_delete=models.PROTECT, related_name="banned_identities")
    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="banned_identities")
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "identity_hash"],
                condition=models.Q(lifted_at__isnull=True),
                name="banned_identity_unique_live",
            ),
        ]

    def __str__(self):
        return f"Banned {self.get_kind_display().lower()} of {self.merchant}"


class PublicRegisterEntry(models.Model):
    """A store closed for counterfeiting, on the public register ("name and shame")."""

    store = models.ForeignKey("listings.Store", on_delete=models.PROTECT, related_name="register_entries")
    sanction = models.OneToOneField(Sanction, on_delete=models.PROTECT, related_name="register_entry")
    store_name = models.CharField(max_length=200)
    merchant_name = models.CharField(max_length=200)
    region = models.CharField(max_length=100)
    reason = models.TextField()
    listed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-listed_at"]
        verbose_name_plural = "public register entries"

    def __str__(self):
        return f"{self.store_name} (closed {self.listed_at:%Y-%m-%d})"


class Reimbursement(models.Model):
    """A buyer of an upheld counterfeit listing is owed the order amount."""

    item = models.ForeignKey(NoticeItem, on_delete=models.PROTECT, related_name="reimbursements")
    order = models.ForeignKey("listings.Order", on_delete=models.PROTECT, related_name="reimbursements")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(cancelled_at__isnull=True),
                name="reimbursement_once_per_order",
            ),
        ]

    def __str__(self):
        return f"Reimburse {self.amount} {self.currency} for order {self.order_id}"
