"""Django admin for rights holders and their IP. Verification is read-only here:
status moves only through the domain functions that audit it, and once an asset is
verified the registered facts the reviewer checked are read-only too (a changed
registration goes back through ``ip_asset_resubmit``). Every write here is audited
(``portal.admin_audit``): a partner's vetting approval, which fast-tracks the
notices it vets, and the authorised stores, which keep a brand's own resellers off
the fast track, among them. Proofs and reference images go through the upload
validator (``portal.admin_uploads``). Every write here that changes what screening reads
(assets, their reference images, authorised stores, the holder itself) announces it
(``rights_holders.announcements``), so the screening snapshot is rebuilt."""

from django.contrib import admin
from django.db import models

from portal.admin_audit import AuditedAdminMixin
from portal.admin_claims import WorkClaimAdmin
from portal.admin_uploads import upload_metadata_fields, validated_uploads_form
from rights_holders.announcements import ip_register_changed
from rights_holders.models import (
    AssetVerificationClaim,
    AuthorisedStore,
    IPAsset,
    IPAssetProof,
    Partner,
    ReferenceImage,
    RightsHolder,
    VerificationStatus,
)


class IpRegisterAnnouncingMixin:
    """Saves and deletions announce the rights holders whose screened IP they touched (before and after)."""

    def announced_holder_ids(self, obj, form=None):
        ids = {obj.pk if isinstance(obj, RightsHolder) else obj.rights_holder_id}
        if form is not None and "rights_holder" in form.initial:  # moved to another holder: both change
            ids.add(getattr(form.initial["rights_holder"], "pk", form.initial["rights_holder"]))
        return ids

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        ip_register_changed(
            self.announced_holder_ids(form.instance, form),
            reason=f"{self.model._meta.verbose_name.capitalize()} “{form.instance}” changed in the admin",
        )

    def delete_model(self, request, obj):
        ids = self.announced_holder_ids(obj)
        super().delete_model(request, obj)
        ip_register_changed(ids, reason=f"{self.model._meta.verbose_name.capitalize()} “{obj}” deleted in the admin")

    def delete_queryset(self, request, queryset):
        ids = set().union(*(self.announced_holder_ids(obj) for obj in queryset))
        super().delete_queryset(request, queryset)
        ip_register_changed(ids, reason=f"{self.model._meta.verbose_name_plural.capitalize()} deleted in the admin")


@admin.register(RightsHolder)
class RightsHolderAdmin(IpRegisterAnnouncingMixin, AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "rights_holders.rights_holder"
    audit_organisation_path = "organisation"
    list_display = ("legal_name", "organisation", "website", "proactive_enforcement", "created_at")
    list_filter = ("proactive_enforcement",)
    search_fields = ("legal_name", "organisation__name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    # The brand's own owners opt in or out (rights_holder_proactive_enforcement_set, audited): the
    # consent is theirs to give, so staff read it here.
    readonly_fields = ("proactive_enforcement", "proactive_enforcement_changed_at", "created_at")
    # A website typed without its scheme is read as https (Django 6's default, said now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class IPAssetProofInline(admin.TabularInline):
    model = IPAssetProof
    form = validated_uploads_form({"file": "document"})
    extra = 0
    fields = ("file", "original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = ("uploaded_at", *upload_metadata_fields(IPAssetProof))
    raw_id_fields = ("uploaded_by",)


class ReferenceImageInline(admin.TabularInline):
    model = ReferenceImage
    form = validated_uploads_form({"image": "image"})
    extra = 0
    fields = ("image", "original_name", "content_type", "size", "width", "height", "uploaded_at")
    readonly_fields = ("width", "height", "uploaded_at", *upload_metadata_fields(ReferenceImage))


@admin.register(IPAsset)
class IPAssetAdmin(IpRegisterAnnouncingMixin, AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "rights_holders.ip_asset"
    audit_organisation_path = "rights_holder.organisation"
    list_display = (
        "name",
        "kind",
        "rights_holder",
        "registration_number",
        "office",
        "expires_on",
        "verification_status",
    )
    list_filter = ("verification_status", "kind", "office")
    search_fields = ("name", "registration_number", "rights_holder__legal_name")
    list_select_related = ("rights_holder",)
    autocomplete_fields = ("rights_holder",)
    readonly_fields = ("verification_status", "verification_reason", "verified_by", "verified_at", "created_at")
    # What a reviewer checked against the proof when verifying.
    VERIFIED_FACTS = (
        "rights_holder",
        "kind",
        "name",
        "trademark_type",
        "registration_number",
        "office",
        "nice_classes",
        "registered_on",
        "expires_on",
    )
    inlines = [IPAssetProofInline, ReferenceImageInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.verification_status == VerificationStatus.VERIFIED:
            return (*self.readonly_fields, *self.VERIFIED_FACTS)
        return self.readonly_fields


@admin.register(Partner)
class PartnerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "rights_holders.partner"
    audit_organisation_path = "organisation"
    list_display = ("organisation", "kind", "approved_for_vetting", "created_at")
    list_filter = ("kind", "approved_for_vetting")
    search_fields = ("organisation__name",)
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("vetted_rights_holders",)
    readonly_fields = ("created_at",)


@admin.register(AuthorisedStore)
class AuthorisedStoreAdmin(IpRegisterAnnouncingMixin, AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "rights_holders.authorised_store"
    audit_organisation_path = "rights_holder.organisation"
    list_display = ("rights_holder", "store", "kind", "valid_until", "created_at")
    list_filter = ("kind",)
    search_fields = ("rights_holder__legal_name", "store__name", "note")
    list_select_related = ("rights_holder", "store")
    autocomplete_fields = ("rights_holder", "store")
    readonly_fields = ("created_at",)


@admin.register(AssetVerificationClaim)
class AssetVerificationClaimAdmin(WorkClaimAdmin):
    """A reviewer's hold on an asset to verify while deciding it (rights_holders.verification); it expires
    by itself."""

    work = "asset"
