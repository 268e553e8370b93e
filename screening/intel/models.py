"""What rights holders tell screening (issue 11's "rights holders feed intelligence"), besides the known
counterfeit images they upload (``screening.models.CounterfeitImage``, source ``holder_upload``):

- ``ExtraKeyword``: a keyword a brand's people add to one of its verified assets; screened as the
  asset's own keywords are (``snapshot_build``). Removable.
- ``ReportedSeller`` and its ``ReportedSellerIdentity`` rows: a seller the brand reports, by store
  (public id or name), phone, business licence number or payout account, each kept only as a keyed
  hash (``portal.identity.identity_hash``) and its last characters. Merchant facts
  (``screening.merchants``) count a store whose merchant shares one as a moderate signal for that
  brand's listings: a report is an accusation, not a ban. Removable.

Imported by ``screening.models`` (the app's models module).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.public_ids import uuid7

KEYWORD_MAX_LENGTH = 60


class ExtraKeyword(models.Model):
    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    asset = models.ForeignKey("rights_holders.IPAsset", on_delete=models.CASCADE, related_name="extra_keywords")
    text = models.CharField(max_length=KEYWORD_MAX_LENGTH)
    # The spelling compared for duplicates (screening.core.normalise.plain: case, accents, spaces).
    plain = models.CharField(max_length=KEYWORD_MAX_LENGTH * 2)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["asset", "text", "id"]
        constraints = [models.UniqueConstraint(fields=["asset", "plain"], name="extra_keyword_once_per_asset")]

    def __str__(self):
        return f"{self.text} (extra keyword of {self.asset_id})"


class SellerIdentityKind(models.TextChoices):
    STORE = "store", _("Store (public id or name)")
    PHONE = "phone", _("Phone")
    LICENCE = "licence", _("Business licence number")
    PAYOUT = "payout", _("Payout account")


class ReportedSeller(models.Model):
    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    rights_holder = models.ForeignKey(
        "rights_holders.RightsHolder", on_delete=models.CASCADE, related_name="reported_sellers"
    )
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Seller reported by {self.rights_holder_id} on {self.created_at:%Y-%m-%d}"


class ReportedSellerIdentity(models.Model):
    report = models.ForeignKey(ReportedSeller, on_delete=models.CASCADE, related_name="identities")
    # The report's holder again, so one brand reports an identifier once (the constraint below).
    rights_holder = models.ForeignKey("rights_holders.RightsHolder", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=SellerIdentityKind.choices)
    identity_hash = models.CharField(max_length=64)
    # What the brand's people see to tell their reports apart: the identifier's last characters.
    last4 = models.CharField(max_length=4, blank=True)

    class Meta:
        ordering = ["report", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rights_holder", "kind", "identity_hash"], name="reported_seller_identity_once_per_holder"
            )
        ]
        indexes = [models.Index(fields=["identity_hash"], name="reported_identity_hash_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ending {self.last4}"
