"""Django admin for the portal's core models. The audit log is read-only; every other write here is audited
(``portal.admin_audit``), and a letter's document goes through the upload validator (``portal.admin_uploads``)."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.admin_audit import AuditedAdminMixin
from portal.admin_uploads import upload_metadata_fields, validated_uploads_form
from portal.models import AuditLogEntry, LetterOfAuthorisation, Membership, Organisation, User


class UserKindFilter(admin.SimpleListFilter):
    """The user list shows people unless asked for API key principals (the admin's API keys list names them)."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("api_principals", "API key principals"), ("everyone", "Everyone")]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "People",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "api_principals":
            return queryset.filter(is_api_principal=True)
        if self.value() == "everyone":
            return queryset
        return queryset.people()


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    audit_action = "portal.user"
    fieldsets = (*BaseUserAdmin.fieldsets, ("Preferences", {"fields": ("time_zone",)}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Preferences", {"fields": ("time_zone",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active", "time_zone")
    list_filter = (UserKindFilter, *BaseUserAdmin.list_filter)
    readonly_fields = ("is_api_principal",)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.is_api_principal:
            return (*fieldsets, ("API key", {"fields": ("is_api_principal",)}))
        return fieldsets

    def user_change_password(self, request, id, form_url=""):
        # The password page saves the user without save_related: audited here (never the password).
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                self.audit_record(request, self.get_object(request, id), "password_set", {})
        return response


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, BaseGroupAdmin):
    # The platform roles (reviewer, senior reviewer, platform admin) are groups.
    audit_action = "portal.group"


class MembershipInline(admin.TabularInline):
    """The organisation's members: people only (an API key's principal is listed with the keys)."""

    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).people()


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # Its members and their roles are the inline: who may file, decide or manage keys for it.
    audit_action = "portal.organisation"
    list_display = ("name", "slug", "kind", "country", "contact_email", "created_at")
    list_filter = ("kind", "country")
    search_fields = ("name", "slug", "contact_email")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    inlines = [MembershipInline]

    def audit_organisation(self, obj):
        return obj


@admin.register(LetterOfAuthorisation)
class LetterOfAuthorisationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # A letter decides who may file for a brand: every grant, change and revocation is audited.
    audit_action = "portal.letter_of_authorisation"
    audit_organisation_path = "agent"
    form = validated_uploads_form({"document": "document"})
    list_display = ("agent", "rights_holder", "valid_from", "valid_until", "revoked_at", "created_at")
    list_filter = ("valid_until", "revoked_at")
    search_fields = ("agent__name", "rights_holder__legal_name", "document_name")
    list_select_related = ("agent", "rights_holder")
    autocomplete_fields = ("agent", "rights_holder")
    readonly_fields = ("created_at", *upload_metadata_fields(LetterOfAuthorisation))
    date_hierarchy = "valid_from"


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """Append-only: nobody adds, edits or deletes entries through the admin."""

    list_display = ("created_at", "actor_label", "action", "object_type", "object_id", "ip_address")
    list_filter = ("action", "object_type", "created_at")
    search_fields = ("actor_label", "action", "object_type", "object_id", "object_repr", "ip_address")
    list_select_related = ("actor", "organisation")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Two-factor devices (portal/two_factor/): staff see who has set one up and remove a lost phone's (the person
# sets up a new one at the next sign-in); nobody adds or edits one here, and a removal is audited.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


class TwoFactorDeviceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "portal.user.two_factor_device"
    list_display = ("user", "name", "confirmed")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    fields = ("user", "name", "confirmed")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(TOTPDevice, TwoFactorDeviceAdmin)
admin.site.register(StaticDevice, TwoFactorDeviceAdmin)
