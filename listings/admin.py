"""Django admin for merchants, stores and listings. Enforcement state
(store and listing status) is read-only: only domain functions move it. Every
write here is audited (``portal.admin_audit``): a merchant's identity, which the
ban register matches, and the store a listing belongs to, which decides whose
penalty an upheld notice becomes, among them. Listing images go through the
upload validator (``portal.admin_uploads``)."""

from django.contrib import admin

from listings.models import Listing, ListingImage, Merchant, Order, Store
from portal.admin_audit import AuditedAdminMixin
from portal.admin_uploads import upload_metadata_fields, validated_uploads_form


@admin.register(Merchant)
class MerchantAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "listings.merchant"
    audit_organisation_path = "organisation"
    list_display = ("legal_name", "business_licence_number", "contact_phone", "contact_email", "created_at")
    search_fields = ("legal_name", "business_licence_number", "contact_email", "organisation__name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    readonly_fields = ("created_at",)


@admin.register(Store)
class StoreAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "listings.store"
    audit_organisation_path = "merchant.organisation"
    list_display = ("name", "merchant", "region", "city", "status", "restricted_until", "suspended_until")
    list_filter = ("status", "region")
    search_fields = ("name", "merchant__legal_name", "payout_account_last4")
    list_select_related = ("merchant",)
    autocomplete_fields = ("merchant",)
    readonly_fields = ("status", "restricted_until", "suspended_until", "payout_account_hash", "created_at")


class ListingImageInline(admin.TabularInline):
    model = ListingImage
    form = validated_uploads_form({"image": "image"})
    extra = 0
    fields = ("image", "position", "content_type", "size", "width", "height", "perceptual_hash")
    readonly_fields = ("width", "height", "perceptual_hash", *upload_metadata_fields(ListingImage))


@admin.register(Listing)
class ListingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "listings.listing"
    audit_organisation_path = "store.merchant.organisation"
    list_display = ("external_id", "title", "store", "category", "price", "currency", "status", "created_at")
    list_filter = ("status", "category", "currency")
    search_fields = ("external_id", "title", "store__name")
    list_select_related = ("store", "store__merchant")
    raw_id_fields = ("store",)
    readonly_fields = ("status", "created_at")
    inlines = [ListingImageInline]
    show_full_result_count = False


@admin.register(Order)
class OrderAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "listings.order"
    audit_organisation_path = "listing.store.merchant.organisation"
    list_display = ("id", "listing", "buyer_reference", "quantity", "amount", "currency", "ordered_at")
    list_filter = ("currency",)
    search_fields = ("buyer_reference", "listing__external_id", "listing__title")
    list_select_related = ("listing",)
    raw_id_fields = ("listing",)
    date_hierarchy = "ordered_at"
