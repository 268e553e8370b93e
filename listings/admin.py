"""Django admin for merchants, stores and listings. Enforcement state
(store and listing status) is read-only: only domain functions move it."""

from django.contrib import admin

from listings.models import Listing, ListingImage, Merchant, Order, Store


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "business_licence_number", "contact_phone", "contact_email", "created_at")
    search_fields = ("legal_name", "business_licence_number", "contact_email", "organisation__name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    readonly_fields = ("created_at",)


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "merchant", "region", "city", "status", "restricted_until", "suspended_until")
    list_filter = ("status", "region")
    search_fields = ("name", "merchant__legal_name", "payout_account_last4")
    list_select_related = ("merchant",)
    autocomplete_fields = ("merchant",)
    readonly_fields = ("status", "restricted_until", "suspended_until", "payout_account_hash", "created_at")


class ListingImageInline(admin.TabularInline):
    model = ListingImage
    extra = 0
    fields = ("image", "position", "content_type", "size", "width", "height", "perceptual_hash")
    readonly_fields = ("width", "height", "perceptual_hash")


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ("external_id", "title", "store", "category", "price", "currency", "status", "created_at")
    list_filter = ("status", "category", "currency")
    search_fields = ("external_id", "title", "store__name")
    list_select_related = ("store", "store__merchant")
    raw_id_fields = ("store",)
    readonly_fields = ("status", "created_at")
    inlines = [ListingImageInline]
    show_full_result_count = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("id", "listing", "buyer_reference", "quantity", "amount", "currency", "ordered_at")
    list_filter = ("currency",)
    search_fields = ("buyer_reference", "listing__external_id", "listing__title")
    list_select_related = ("listing",)
    raw_id_fields = ("listing",)
    date_hierarchy = "ordered_at"
