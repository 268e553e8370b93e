"""Django admin for merchants, stores and listings. Enforcement state
(store and listing status) is read-only: only domain functions move it. Every
write here is audited (``portal.admin_audit``): a merchant's identity, which the
ban register matches, and the store a listing belongs to, which decides whose
penalty an upheld notice becomes, among them. Listing images go through the
upload validator (``portal.admin_uploads``) and the rules of ``listings.images`` (how many, not on a
removed listing), their content hash recorded. A listing is not added in, nor moved
into, a category the marketplace prohibits (``listings.categories``), here as on
every other channel, and the refusal is audited as theirs is.
A listing added or changed here (its fields or its images) is announced after the commit
(``listings.announcements``), so it is screened."""

from django import forms
from django.contrib import admin
from django.core.files.base import ContentFile
from django.utils import timezone

from listings.announcements import CHANGED, CREATED, listings_changed_on_commit
from listings.categories import (
    BANNED_CATEGORY,
    banned_category_message,
    banned_category_refusal_entry,
    category_banned,
)
from listings.images import content_hash_of, listing_images_max, listing_images_refusal
from listings.models import Listing, ListingImage, Merchant, Order, Store
from portal.admin_audit import AuditedAdminMixin
from portal.admin_uploads import upload_metadata_fields, validated_uploads_form
from portal.forms import free_text_formfield


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


class ListingImageForm(validated_uploads_form({"image": "image"})):
    def clean(self):
        cleaned = super().clean()
        image = cleaned.get("image")
        if isinstance(image, ContentFile) and not self.has_error("image"):  # a new file, validated and re-encoded
            self.instance.content_hash = content_hash_of(image)
        return cleaned


class ListingImageFormSet(forms.BaseInlineFormSet):
    """The API's rules (``listings.images``): at most ``LISTING_MAX_IMAGES``, none changed on a removed listing."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        deleted = set(self.deleted_forms)
        if not deleted and not any(form.has_changed() for form in self.forms):
            return
        listing = self.instance
        before = ListingImage.objects.filter(listing_id=listing.pk).count() if listing.pk else 0
        after = sum(
            1 for form in self.forms if form not in deleted and (form.instance.pk is not None or form.has_changed())
        )
        refusal = listing_images_refusal(listing, before=before, after=after)
        if refusal is not None:
            raise forms.ValidationError(refusal.message, code=refusal.code)


class ListingImageInline(admin.TabularInline):
    model = ListingImage
    form = ListingImageForm
    formset = ListingImageFormSet
    extra = 0
    fields = ("image", "position", "content_type", "size", "width", "height", "content_hash")
    readonly_fields = ("width", "height", "content_hash", *upload_metadata_fields(ListingImage))

    def get_max_num(self, request, obj=None, **kwargs):
        return listing_images_max()


class ListingAdminForm(forms.ModelForm):
    actor = None  # the signed-in staff member, set by ListingAdmin.get_form

    class Meta:
        model = Listing
        fields = ["store", "external_id", "title", "description", "category", "price", "currency", "updated_at"]
        formfield_callback = free_text_formfield

    def clean_category(self):
        category = self.cleaned_data["category"]
        creating = self.instance.pk is None
        # As listings.catalogue: a listing already in a category banned since may keep it.
        if not creating and category == self.instance.category:
            return category
        banned = category_banned(category)
        if banned is None:
            return category
        store = self.cleaned_data.get("store") or (None if creating else self.instance.store)
        external_id = self.cleaned_data.get("external_id", "") if creating else self.instance.external_id
        # Recorded in the admin's transaction, which an invalid form does not roll back.
        banned_category_refusal_entry(
            actor=self.actor,
            listing=None if creating else self.instance,
            external_id=external_id,
            store_id=store.pk if store is not None else None,
            organisation_id=store.merchant.organisation_id if store is not None else None,
            category=category,
            banned_category=banned,
            via="admin",
        ).save(force_insert=True)
        raise forms.ValidationError(banned_category_message(category, banned), code=BANNED_CATEGORY)


@admin.register(Listing)
class ListingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = ListingAdminForm
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # a class made for this request
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        listing = form.instance
        if change and not form.changed_data and not any(formset.has_changed() for formset in formsets):
            return
        if change:
            # The version screened is the listing's updated_at: a change made here is a new version.
            listing.updated_at = timezone.now()
            Listing.objects.filter(pk=listing.pk).update(updated_at=listing.updated_at)
        listings_changed_on_commit([listing.pk], CHANGED if change else CREATED)


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
