"""Django admin for rights holders and their IP. Verification is read-only here:
status moves only through the domain functions that audit it."""

from django.contrib import admin

from rights_holders.models import AuthorisedStore, IPAsset, IPAssetProof, Partner, ReferenceImage, RightsHolder


@admin.register(RightsHolder)
class RightsHolderAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "organisation", "website", "created_at")
    search_fields = ("legal_name", "organisation__name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    readonly_fields = ("created_at",)


class IPAssetProofInline(admin.TabularInline):
    model = IPAssetProof
    extra = 0
    fields = ("file", "original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = ("uploaded_at",)
    raw_id_fields = ("uploaded_by",)


class ReferenceImageInline(admin.TabularInline):
    model = ReferenceImage
    extra = 0
    fields = ("image", "original_name", "content_type", "size", "width", "height", "perceptual_hash", "uploaded_at")
    readonly_fields = ("width", "height", "perceptual_hash", "uploaded_at")


@admin.register(IPAsset)
class IPAssetAdmin(admin.ModelAdmin):
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
    inlines = [IPAssetProofInline, ReferenceImageInline]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("organisation", "kind", "approved_for_vetting", "created_at")
    list_filter = ("kind", "approved_for_vetting")
    search_fields = ("organisation__name",)
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("vetted_rights_holders",)
    readonly_fields = ("created_at",)


@admin.register(AuthorisedStore)
class AuthorisedStoreAdmin(admin.ModelAdmin):
    list_display = ("rights_holder", "store", "kind", "valid_until", "created_at")
    list_filter = ("kind",)
    search_fields = ("rights_holder__legal_name", "store__name", "note")
    list_select_related = ("rights_holder", "store")
    autocomplete_fields = ("rights_holder", "store")
    readonly_fields = ("created_at",)
