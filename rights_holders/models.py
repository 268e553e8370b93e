"""Rights holders, their IP assets (with proof and screening data), partners."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Organisation, OrganisationKind, WorkClaim
from portal.public_ids import uuid7


class RightsHolder(models.Model):
    # What the API and outsiders address the brand by (``rhd_…``, portal.public_ids): no counts leak.
    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        related_name="rights_holder",
        limit_choices_to={"kind": OrganisationKind.RIGHTS_HOLDER},
    )
    legal_name = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    # The brand's consent that the marketplace files fast-track notices for it on high-confidence
    # screening hits (DOMAIN.md, screening outcomes). Changed only by rights_holder_proactive_enforcement_set.
    proactive_enforcement = models.BooleanField(
        default=False,
        help_text=_(
            "The marketplace files notices for this brand on high-confidence screening hits; "
            "the listing comes down at once and the merchant may counter-notice."
        ),
    )
    proactive_enforcement_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["legal_name"]

    def __str__(self):
        return self.legal_name


class IPAssetKind(models.TextChoices):
    TRADEMARK = "trademark", _("Trademark")
    COPYRIGHT = "copyright", _("Copyright work")
    DESIGN = "design", _("Design")
    PATENT = "patent", _("Patent")


class TrademarkType(models.TextChoices):
    WORD = "word", _("Word mark")
    FIGURATIVE = "figurative", _("Figurative mark")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")


class IPAssetQuerySet(models.QuerySet):
    def usable(self, on=None):
        """Assets that may back a notice: verified and not expired."""
        on = on or timezone.now().date()
        return self.filter(verification_status=VerificationStatus.VERIFIED).filter(
            models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=on)
        )

    def visible_to(self, user):
        """Whoever may file for a brand reads the assets a notice line names (``ast_…``).

        Those who act for the brand (its staff, an agent firm with a valid letter:
        ``acting_authority``) see all its assets, pending and rejected ones too, as they
        register them; a partner that vets the brand (``vetting_authority``) sees its
        verified ones. Their proof documents follow ``IPAssetProof.objects.visible_to``.
        """
        from rights_holders.scoping import rights_holder_ids_vetted_by, rights_holder_ids_visible_to

        if user.is_platform_staff:
            return self
        acting = rights_holder_ids_visible_to(user)
        vetted = rights_holder_ids_vetted_by(user) - acting
        shown = models.Q(rights_holder_id__in=acting)
        if vetted:
            shown |= models.Q(rights_holder_id__in=vetted, verification_status=VerificationStatus.VERIFIED)
        return self.filter(shown)


class IPAsset(models.Model):
    # What the API and outsiders address the asset by (``ast_…``, portal.public_ids): no counts leak.
    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    rights_holder = models.ForeignKey(RightsHolder, on_delete=models.PROTECT, related_name="ip_assets")
    # Named and explained in the reader's language: the registration form (rights_holders.forms) shows them.
    kind = models.CharField(_("kind"), max_length=20, choices=IPAssetKind.choices)
    name = models.CharField(
        _("name"), max_length=200, help_text=_("The mark, the work's title, the design or the invention.")
    )
    trademark_type = models.CharField(_("trademark type"), max_length=20, choices=TrademarkType.choices, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=100, blank=True)
    office = models.CharField(
        _("office"),
        max_length=100,
        blank=True,
        help_text=_("Registering office or jurisdiction, e.g. EUIPO, USPTO, CNIPA."),
    )
    nice_classes = models.JSONField(
        _("Nice classes"), default=list, blank=True, help_text=_("Nice classes (1-45) for trademarks.")
    )
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Verification is decided by a reviewer (rights_holders.services).
    verification_status = models.CharField(
        max_length=20, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    verification_reason = models.TextField(blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # Used by proactive screening.
    keywords = models.JSONField(default=list, blank=True, help_text=_("Brand keywords screened in listings."))
    categories = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'Marketplace categories the brand\'s goods are sold in (e.g. "Shoes > Sneakers"); screening '
            "weighs a listing in one of them more."
        ),
    )
    # What the genuine product sells for; screening flags listings far below it. A price is positive.
    reference_price = models.DecimalField(
        _("reference price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    reference_currency = models.CharField(_("reference currency"), max_length=3, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = IPAssetQuerySet.as_manager()

    class Meta:
        ordering = ["rights_holder", "name"]
        verbose_name = _("IP asset")
        verbose_name_plural = _("IP assets")
        constraints = [
            models.UniqueConstraint(
                fields=["rights_holder", "kind", "office", "registration_number"],
                condition=~models.Q(registration_number=""),
                name="ipasset_unique_registration",
            ),
            models.CheckConstraint(
                condition=models.Q(reference_price__isnull=True) | models.Q(reference_price__gt=0),
                name="ipasset_reference_price_positive",
            ),
        ]

    def __str__(self):
        reg = f" {self.office} {self.registration_number}".rstrip() if self.registration_number else ""
        return f"{self.name} ({self.get_kind_display()}{reg})"

    def is_usable(self, on=None):
        on = on or timezone.now().date()
        return self.verification_status == VerificationStatus.VERIFIED and (
            self.expires_on is None or self.expires_on >= on
        )


class AssetVerificationClaim(WorkClaim):
    """A reviewer's claim on an asset to verify while deciding it (``rights_holders.verification``, through
    ``portal.claims``)."""

    asset = models.OneToOneField(IPAsset, on_delete=models.CASCADE, related_name="verification_claim")

    def __str__(self):
        return f"Claim on the asset {self.asset_id} by {self.reviewer_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class AssetFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Proofs and reference images: only to those who act for the brand (``rights_holder_ids_visible_to``)."""
        from rights_holders.scoping import rights_holder_ids_visible_to

        if user.is_platform_staff:
            return self
        return self.filter(asset__rights_holder_id__in=rights_holder_ids_visible_to(user))


class IPAssetProof(models.Model):
    """A registration certificate or other proof that the holder owns the right."""

    asset = models.ForeignKey(IPAsset, on_delete=models.CASCADE, related_name="proofs")
    file = models.FileField(upload_to="proofs/", max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AssetFileQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = "IP asset proof"

    def __str__(self):
        return self.original_name or self.file.name


class ReferenceImage(models.Model):
    """A genuine product or logo image; screening compares listing images to it."""

    asset = models.ForeignKey(IPAsset, on_delete=models.CASCADE, related_name="reference_images")
    image = models.ImageField(upload_to="reference/", max_length=255, width_field="width", height_field="height")
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, default="image/png")
    size = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AssetFileQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.original_name or self.image.name


class AuthorisedStoreKind(models.TextChoices):
    RESELLER = "reseller", _("Authorised reseller")
    LICENSEE = "licensee", _("Licensee")


class AuthorisedStoreQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Authorisations in force on ``day`` (a date): no end date, or ending that day or later."""
        return self.filter(models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day))


class AuthorisedStore(models.Model):
    """A store the rights holder has authorised; notices against it are flagged, never fast-tracked."""

    rights_holder = models.ForeignKey(RightsHolder, on_delete=models.CASCADE, related_name="authorised_stores")
    store = models.ForeignKey("listings.Store", on_delete=models.CASCADE, related_name="authorisations")
    kind = models.CharField(max_length=20, choices=AuthorisedStoreKind.choices, default=AuthorisedStoreKind.RESELLER)
    note = models.CharField(max_length=300, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AuthorisedStoreQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rights_holder", "store"], name="authorised_store_unique")]

    def __str__(self):
        return f"{self.store} authorised by {self.rights_holder} ({self.get_kind_display()})"


class PartnerKind(models.TextChoices):
    ASSOCIATION = "association", _("Industry association (vets complaints for small brands)")
    VENDOR = "vendor", _("Brand-protection vendor")
    MARKETPLACE = "marketplace", _("Marketplace")


class Partner(models.Model):
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        related_name="partner",
        limit_choices_to={"kind": OrganisationKind.PARTNER},
    )
    kind = models.CharField(max_length=20, choices=PartnerKind.choices)
    approved_for_vetting = models.BooleanField(
        default=False, help_text="Notices this partner vetted take the fast track (Good Faith programme)."
    )
    vetted_rights_holders = models.ManyToManyField(RightsHolder, blank=True, related_name="vetting_partners")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["organisation__name"]

    def __str__(self):
        return self.organisation.name
