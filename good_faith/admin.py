"""Django admin for the Good Faith programme. Staff look here; they do not move things here.

Membership status, audits and misuse measures change only through
``good_faith.membership``, ``good_faith.audits`` and ``good_faith.misuse``,
which lock, check, record a change row and audit each move; so statuses are
read-only here and membership changes are read-only entirely.
"""

from django.contrib import admin

from good_faith.models import Membership, MembershipChange, MisuseMeasure, QualityAudit, QualityAuditClaim
from portal.admin_claims import WorkClaimAdmin


class ReadOnlyAdminMixin:
    """Viewable by staff, never added, changed or deleted through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MembershipChange
    extra = 0
    fields = ["at", "cause", "from_status", "to_status", "reason", "actor", "figures"]
    readonly_fields = fields
    ordering = ["-at", "-id"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "override", "member_since", "cooling_off_until", "last_evaluated_at"]
    list_filter = ["status", "override", "infringement_type"]
    search_fields = ["rights_holder__legal_name", "partner__organisation__name"]
    list_select_related = ["rights_holder", "partner__organisation"]
    readonly_fields = [f.name for f in Membership._meta.fields]
    inlines = [MembershipChangeInline]


@admin.register(MembershipChange)
class MembershipChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["membership", "at", "cause", "from_status", "to_status", "actor"]
    list_filter = ["cause", "to_status"]
    list_select_related = ["membership__rights_holder", "membership__partner__organisation", "actor"]
    readonly_fields = [f.name for f in MembershipChange._meta.fields]


@admin.register(QualityAudit)
class QualityAuditAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "selected_at", "due_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in QualityAudit._meta.fields]


@admin.register(QualityAuditClaim)
class QualityAuditClaimAdmin(WorkClaimAdmin):
    """A reviewer's hold on a quality audit while deciding it (good_faith.audits); it expires by itself."""

    work = "audit"


@admin.register(MisuseMeasure)
class MisuseMeasureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["organisation__name"]
    readonly_fields = [f.name for f in MisuseMeasure._meta.fields]
