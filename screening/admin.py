"""Django admin for screening. Results, alerts, re-screening jobs, the snapshot's state and the OCR cache are read-only:
the pipeline writes them (and the alerts inbox decides alerts). A brand's own thresholds are edited
here, audited (``portal.admin_audit``), and move the snapshot on like any change of what screening reads."""

from django.contrib import admin

from portal.admin_audit import AuditedAdminMixin
from screening.models import (
    BrandScreeningSettings,
    OcrText,
    RescreenJob,
    ScreeningAlert,
    ScreeningResult,
    ScreeningState,
)
from screening.snapshot_build import ip_register_changed_answer


class ReadOnlyAdminMixin:
    """Viewable by staff, never added, changed or deleted through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScreeningResult)
class ScreeningResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("public_id", "listing", "outcome", "score", "asset", "trigger", "snapshot_version", "created_at")
    list_filter = ("outcome", "trigger")
    search_fields = ("listing__external_id", "listing__title", "asset__name")
    list_select_related = ("listing", "asset")
    raw_id_fields = ("listing", "asset", "rights_holder")
    show_full_result_count = False


@admin.register(ScreeningAlert)
class ScreeningAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("public_id", "listing", "asset", "rights_holder", "status", "created_at", "decided_at")
    list_filter = ("status", "dismissal_reason")
    search_fields = ("listing__external_id", "listing__title", "asset__name", "rights_holder__legal_name")
    list_select_related = ("listing", "asset", "rights_holder")
    raw_id_fields = ("result", "listing", "asset", "rights_holder", "decided_by", "notice")


@admin.register(ScreeningState)
class ScreeningStateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("snapshot_version", "changed_at")


@admin.register(RescreenJob)
class RescreenJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Re-screening jobs, read-only: started by IP changes and from the brand's screening page."""

    list_display = (
        "rights_holder",
        "reason",
        "status",
        "done",
        "total",
        "alerts_raised",
        "notices_filed",
        "created_at",
    )
    list_filter = ("status", "scope")
    search_fields = ("rights_holder__legal_name", "reason")
    list_select_related = ("rights_holder",)
    raw_id_fields = ("rights_holder", "requested_by")


@admin.register(OcrText)
class OcrTextAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("content_hash", "status", "languages", "version", "created_at")
    list_filter = ("status",)
    search_fields = ("content_hash", "text")
    show_full_result_count = False


@admin.register(BrandScreeningSettings)
class BrandScreeningSettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "screening.brand_settings"
    audit_organisation_path = "rights_holder.organisation"
    list_display = ("rights_holder", "notice_threshold", "alert_threshold", "updated_at")
    autocomplete_fields = ("rights_holder",)
    readonly_fields = ("updated_at",)

    # Thresholds change outcomes: the snapshot moves on and the brand's listings are screened again.
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        ip_register_changed_answer([form.instance.rights_holder_id], reason="Screening thresholds changed in the admin")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        ip_register_changed_answer([obj.rights_holder_id], reason="Screening thresholds removed in the admin")

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("rights_holder_id", flat=True))
        super().delete_queryset(request, queryset)
        ip_register_changed_answer(ids, reason="Screening thresholds removed in the admin")
