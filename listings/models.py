"""Merchants, stores, listings and orders."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Organisation, OrganisationKind
from portal.public_ids import uuid7


class Merchant(models.Model):
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        related_name="merchant",
        limit_choices_to={"kind": OrganisationKind.MERCHANT},
    )
    legal_name = models.CharField(max_length=200)
    business_licence_number = models.CharField(max_length=64, unique=True)
    contact_phone = models.CharField(max_length=32)
    contact_email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["legal_name"]

    def __str__(self):
        return self.legal_name


class StoreStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESTRICTED = "restricted", _("Restricted (no new listings)")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")
    BANNED = "banned", _("Banned")


class StoreQuerySet(models.QuerySet):
    def visible_to(self, user):
        from portal.scoping import organisation_ids_of

        if user.is_platform_staff:
            return self
        return self.filter(merchant__organisation_id__in=organisation_ids_of(user))


class Store(models.Model):
    # What the API and outsiders address the store by (``sto_…``, portal.public_ids): no counts leak.
    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="stores")
    name = models.CharField(max_length=200)
    # Only a keyed hash of the payout account is kept (portal.identity).
    payout_account_hash = models.CharField(max_length=64, db_index=True)
    payout_account_last4 = models.CharField(max_length=4, blank=True)
    region = models.CharField(max_length=100)
    city = models.CharField(max_length=100)
    security_deposit = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    deposit_currency = models.CharField(max_length=3, default="EUR")
    # Status moves only through listings.services (and the penalty ladder).
    status = models.CharField(max_length=20, choices=StoreStatus.choices, default=StoreStatus.ACTIVE)
    restricted_until = models.DateTimeField(null=True, blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = StoreQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "name"], name="store_unique_name_per_merchant")]

    def __str__(self):
        return self.name


class ListingStatus(models.TextChoices):
    LIVE = "live", _("Live")
    UNDER_COMPLAINT = "under_complaint", _("Live, under complaint")
    TAKEN_DOWN = "taken_down", _("Taken down")
    REMOVED = "removed", _("Removed by the merchant")


class ListingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Listings are public on the marketplace; merchants see only theirs here."""
        from portal.scoping import organisation_ids_of

        if user.is_platform_staff:
            return self
        orgs = organisation_ids_of(user)
        return self.filter(
            models.Q(store__merchant__organisation_id__in=orgs) | ~models.Q(status=ListingStatus.REMOVED)
        )


class Listing(models.Model):
    # What the API and outsiders address the listing by (``lst_…``); the marketplace's own id is external_id.
    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="listings")
    external_id = models.CharField(max_length=64, help_text="The marketplace's own listing id.")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=100, db_index=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    # Status moves only through domain functions (listings.services, takedowns.listing_sync).
    status = models.CharField(max_length=20, choices=ListingStatus.choices, default=ListingStatus.LIVE, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["external_id"], name="listing_unique_external_id")]
        # The listings changed lately (screening's sweep of listings whose screening was never sent).
        indexes = [models.Index(fields=["updated_at"], name="listing_updated_at_idx")]

    def __str__(self):
        return f"{self.external_id}: {self.title[:60]}"


class ListingImage(models.Model):
    """A picture of a listing. Added and removed only through ``listings.images`` (the API, the demo) or the
    Django admin's inline, which applies the same rules: validated bytes under a server-built name."""

    # What the API addresses the image by (``img_…``).
    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="listing-images/", max_length=255, width_field="width", height_field="height")
    content_type = models.CharField(max_length=100, default="image/png")
    size = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    # SHA-256 of the stored (re-encoded) bytes, hex: the same picture sent twice has the same hash.
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["listing", "position", "id"]
        indexes = [
            # The same bytes anywhere in the catalogue (an image seen before: its OCR, its matches; an image
            # identical to a banned merchant's: screening.merchants).
            models.Index(
                fields=["content_hash"], condition=~models.Q(content_hash=""), name="listing_image_content_hash_idx"
            ),
        ]

    def __str__(self):
        return f"Image {self.position} of {self.listing.external_id}"


class Order(models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="orders")
    buyer_reference = models.CharField(max_length=64, help_text="Opaque buyer id from the marketplace.")
    quantity = models.PositiveIntegerField(default=1)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    ordered_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-ordered_at"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=1), name="order_quantity_positive")]

    def __str__(self):
        return f"Order {self.pk} of {self.listing.external_id} x{self.quantity}"
