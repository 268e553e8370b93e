"""What a brand adds to its registered IP after registration: reference images, the reference price and its
authorised stores (proof documents: ``services.ip_asset_proof_add``; keywords: screening's intelligence).

Each write checks that the actor acts for the brand, is one durable transaction with its audit entry, and
announces the change to screening (``ip_register_changed``), whose snapshot and re-screening follow.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import public_ids
from portal.audit import audit_log_record
from portal.transactions import durable_atomic
from portal.uploads import upload_row_save, validate_upload
from rights_holders.announcements import ip_register_changed
from rights_holders.models import AuthorisedStore, IPAsset, ReferenceImage
from rights_holders.scoping import rights_holder_ids_visible_to


def _asset_for_change(asset_id, actor):
    """The asset, locked, if ``actor`` acts for its brand; PermissionDenied otherwise (a reviewer included)."""
    asset = IPAsset.objects.select_for_update().select_related("rights_holder__organisation").get(pk=asset_id)
    if asset.rights_holder_id not in rights_holder_ids_visible_to(actor) or actor.is_platform_staff:
        raise PermissionDenied(_("Only the brand's people may change its IP assets."))
    return asset


def ip_asset_reference_image_add(*, asset_id, uploaded_file, actor) -> ReferenceImage:
    """A genuine product or logo image for screening to compare listings with. The image is checked first
    (``portal.uploads``, kind image: UploadRejected, nothing written)."""
    validated = validate_upload(uploaded_file, kind="image")
    with durable_atomic():
        asset = _asset_for_change(asset_id, actor)
        image = upload_row_save(ReferenceImage(asset=asset), validated, field="image")
        audit_log_record(
            action="rights_holders.asset.reference_image_added",
            actor=actor,
            obj=image,
            organisation=asset.rights_holder.organisation,
            data={"asset_id": asset.pk, "original_name": validated.original_name, "size": validated.size},
        )
        ip_register_changed([asset.rights_holder_id], reason=f"Reference image added to {asset.name}")
    return image


def ip_asset_reference_price_set(*, asset_id, price, currency, actor) -> IPAsset:
    """What the genuine product sells for (``price`` None clears it); screening flags listings far below it."""
    if price is not None and price <= Decimal("0"):
        raise ValidationError({"reference_price": _("A price is more than zero.")})
    currency = (currency or "").strip().upper()
    if price is not None and (len(currency) != 3 or not currency.isalpha()):
        raise ValidationError({"reference_currency": _("Give the currency as three letters, e.g. EUR.")})
    with durable_atomic():
        asset = _asset_for_change(asset_id, actor)
        before = (str(asset.reference_price) if asset.reference_price is not None else None, asset.reference_currency)
        asset.reference_price = price
        asset.reference_currency = currency if price is not None else ""
        asset.save(update_fields=["reference_price", "reference_currency"])
        audit_log_record(
            action="rights_holders.asset.reference_price_set",
            actor=actor,
            obj=asset,
            organisation=asset.rights_holder.organisation,
            data={
                "before": before,
                "after": (str(price) if price is not None else None, asset.reference_currency),
            },
        )
        ip_register_changed([asset.rights_holder_id], reason=f"Reference price of {asset.name} changed")
    return asset


def store_find(text):
    """The store a brand names: its id (sto_…), or the marketplace id of one of its listings. None if unknown.

    The store model is read through the authorisation's relation: listings is this app's sibling, not below it."""
    store_model = AuthorisedStore._meta.get_field("store").related_model
    text = (text or "").strip()
    if not text:
        return None
    if (uuid := public_ids.decode("sto", text)) is not None:
        return store_model.objects.filter(public_id=uuid).first()
    return store_model.objects.filter(listings__external_id=text).first()


def authorised_store_add(*, rights_holder, store, kind, note, valid_until, actor) -> AuthorisedStore:
    """Authorise a store (a reseller, a licensee): notices against it are flagged and never fast-tracked, and
    screening does not alert on it. A store already on the list is refused (remove it first to change it)."""
    if rights_holder.pk not in rights_holder_ids_visible_to(actor) or actor.is_platform_staff:
        raise PermissionDenied(_("Only the brand's people may change its authorised stores."))
    if valid_until is not None and valid_until < timezone.now().date():
        raise ValidationError({"valid_until": _("The end date has passed: give a date from today on, or none.")})
    with durable_atomic():
        if AuthorisedStore.objects.filter(rights_holder=rights_holder, store=store).exists():
            raise ValidationError({"store": _("%(store)s is already on your authorised list.") % {"store": store.name}})
        authorisation = AuthorisedStore.objects.create(
            rights_holder=rights_holder, store=store, kind=kind, note=note, valid_until=valid_until
        )
        audit_log_record(
            action="rights_holders.authorised_store.added",
            actor=actor,
            obj=authorisation,
            organisation=rights_holder.organisation,
            data={"store_id": store.pk, "kind": kind, "valid_until": str(valid_until) if valid_until else None},
        )
        ip_register_changed([rights_holder.pk], reason=f"Store {store.name} authorised")
    return authorisation


def authorised_store_remove(*, authorisation_id, actor):
    """Take a store off the brand's authorised list (the audit log keeps that it was on it)."""
    with durable_atomic():
        authorisation = (
            AuthorisedStore.objects.select_for_update()
            .select_related("rights_holder__organisation", "store")
            .get(pk=authorisation_id)
        )
        holder = authorisation.rights_holder
        if holder.pk not in rights_holder_ids_visible_to(actor) or actor.is_platform_staff:
            raise PermissionDenied(_("Only the brand's people may change its authorised stores."))
        audit_log_record(
            action="rights_holders.authorised_store.removed",
            actor=actor,
            obj=authorisation,
            organisation=holder.organisation,
            data={"store_id": authorisation.store_id, "kind": authorisation.kind},
        )
        authorisation.delete()
        ip_register_changed([holder.pk], reason=f"Store {authorisation.store.name} no longer authorised")
