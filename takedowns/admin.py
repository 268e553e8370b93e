"""Django admin for notices, their items and every consequence. Staff look here; they do not move things here.

Statuses, events, decisions, effects and penalties change only through the
domain functions (``takedowns.lifecycle``, ``takedowns.appeals``, the effect
handlers) that lock, check and audit each move, so their records are
read-only in the admin. So are filing suspensions: ``good_faith.misuse``
issues and lifts them, with their statement of reasons and notifications.
Canned reasons are editable, and audited (``portal.admin_audit``). A failed effect is retried by an action that
goes through ``takedowns.effects.effect_retry``.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils.text import Truncator

from portal.admin_audit import AuditedAdminMixin
from portal.admin_claims import WorkClaimAdmin
from takedowns import effects
from takedowns.models import (
    Appeal,
    BannedIdentity,
    CannedReason,
    CounterNotice,
    CounterNoticeEvidence,
    Effect,
    EffectStatus,
    Evidence,
    FilingSuspension,
    ItemEvent,
    Notice,
    NoticeItem,
    Notification,
    Penalty,
    PublicRegisterEntry,
    Reimbursement,
    RightsHolderReply,
    Sanction,
    StatementOfReasons,
)
from takedowns.models.claims import ReviewClaim
from takedowns.models.drafts import (
    CounterNoticeDraft,
    CounterNoticeDraftEvidence,
    NoticeDraft,
    NoticeDraftEvidence,
    NoticeDraftItem,
)
from takedowns.models.imports import FilingImport, FilingImportRow


class ReadOnlyAdminMixin:
    """Viewable by staff, never added, changed or deleted through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True


# --- Notices and items ------------------------------------------------------------


class NoticeItemInline(ReadOnlyInline):
    model = NoticeItem
    fields = ("listing", "ip_asset", "infringement_type", "status", "track", "counter_notice_deadline")
    readonly_fields = fields


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "rights_holder",
        "filer_organisation",
        "partner",
        "channel",
        "track",
        "item_count",
        "submitted_at",
    )
    list_filter = ("channel", "track", "submitted_at")
    search_fields = ("reference", "rights_holder__legal_name", "filer_name", "filer_email", "filer_organisation__name")
    list_select_related = ("rights_holder", "filer_organisation", "partner__organisation")
    date_hierarchy = "submitted_at"
    inlines = [NoticeItemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(description="items", ordering="item_count")
    def item_count(self, obj):
        return obj.item_count


class ItemEventInline(ReadOnlyInline):
    model = ItemEvent
    fields = ("at", "actor_label", "action", "from_status", "to_status", "reason")
    readonly_fields = fields
    show_change_link = False


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    show_change_link = False


@admin.register(NoticeItem)
class NoticeItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "listing",
        "ip_asset",
        "infringement_type",
        "status",
        "track",
        "authorised_store_flag",
        "counter_notice_deadline",
        "reply_deadline",
        "review_due_at",
    )
    list_filter = ("status", "track", "infringement_type", "authorised_store_flag", "automated_decision")
    search_fields = ("listing__external_id", "listing__title", "ip_asset__name", "notice__rights_holder__legal_name")
    list_select_related = ("listing", "ip_asset")
    # Everything about an item is either the filed complaint or lifecycle state; both stay as recorded.
    readonly_fields = (
        "notice",
        "listing",
        "ip_asset",
        "infringement_type",
        "explanation",
        "test_buy_order_number",
        "test_buy_report",
        "screening_reference",
        "status",
        "status_changed_at",
        "version",
        "track",
        "authorised_store_flag",
        "invalid_reason",
        "opened_at",
        "counter_notice_deadline",
        "reply_deadline",
        "queued_at",
        "review_due_at",
        "took_down_listing",
        "decided_at",
        "decided_by",
        "automated_decision",
        "decision_generation",
    )
    inlines = [EvidenceInline, ItemEventInline]
    show_full_result_count = False


@admin.register(ItemEvent)
class ItemEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Append-only (PostgreSQL refuses updates and deletes too)."""

    list_display = ("at", "item", "actor_label", "action", "from_status", "to_status")
    list_filter = ("action", "to_status")
    search_fields = ("item__listing__external_id", "actor_label", "reason")
    list_select_related = ("item",)
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("original_name", "item", "content_type", "size", "uploaded_by", "uploaded_at")
    list_filter = ("content_type",)
    search_fields = ("original_name", "item__listing__external_id")
    list_select_related = ("item", "uploaded_by")


class CounterNoticeEvidenceInline(ReadOnlyInline):
    model = CounterNoticeEvidence
    fields = ("original_name", "content_type", "size")
    readonly_fields = fields
    show_change_link = False


@admin.register(CounterNotice)
class CounterNoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("item", "submitted_by", "contact_name", "signature", "submitted_at")
    search_fields = ("item__listing__external_id", "contact_name", "contact_email", "statement")
    list_select_related = ("item", "submitted_by")
    date_hierarchy = "submitted_at"
    inlines = [CounterNoticeEvidenceInline]


@admin.register(CounterNoticeEvidence)
class CounterNoticeEvidenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("original_name", "counter_notice", "content_type", "size", "uploaded_at")
    search_fields = ("original_name", "counter_notice__item__listing__external_id")
    list_select_related = ("counter_notice",)


@admin.register(RightsHolderReply)
class RightsHolderReplyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("item", "submitted_by", "submitted_at")
    search_fields = ("item__listing__external_id", "statement")
    list_select_related = ("item", "submitted_by")
    date_hierarchy = "submitted_at"


# --- Decisions ---------------------------------------------------------------------


@admin.register(CannedReason)
class CannedReasonAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_action = "takedowns.canned_reason"
    list_display = ("title", "outcome", "active")
    list_filter = ("outcome", "active")
    search_fields = ("title", "text")
    list_editable = ("active",)


@admin.register(StatementOfReasons)
class StatementOfReasonsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "puid",
        "item",
        "store",
        "restriction",
        "infringement_type",
        "automated_detection",
        "automated_decision",
        "decided_at",
    )
    list_filter = ("restriction", "infringement_type", "automated_detection", "automated_decision", "source_type")
    search_fields = ("puid", "item__listing__external_id", "store__name")
    list_select_related = ("item", "store")
    date_hierarchy = "decided_at"


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Appeals are filed and decided on the portal's pages (takedowns.appeals); here they are read."""

    list_display = ("id", "item", "side", "status", "filed_by", "filed_at", "due_at", "decided_by", "decided_at")
    list_filter = ("status", "side")
    search_fields = ("item__listing__external_id", "statement", "decision_reason")
    list_select_related = ("item", "filed_by", "decided_by")
    date_hierarchy = "filed_at"


# --- Effects and notifications ---------------------------------------------------------


class EffectRetryStateFilter(admin.SimpleListFilter):
    title = "attempts"
    parameter_name = "retrying"

    def lookups(self, request, model_admin):
        return [("waiting", "Failed at least once, waiting for the next attempt"), ("failed", "Gave up (dead letter)")]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(status=EffectStatus.PENDING, next_attempt_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(status=EffectStatus.FAILED)
        return queryset


@admin.register(Effect)
class EffectAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only, but a failed effect (dead letter) can be retried: through ``effects.effect_retry``, audited."""

    list_display = (
        "id",
        "item",
        "kind",
        "key",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "failed_at",
        "error",
        "created_at",
        "done_at",
    )
    list_filter = ("status", EffectRetryStateFilter, "kind")
    search_fields = ("item__listing__external_id", "key", "last_error")
    list_select_related = ("item",)
    show_full_result_count = False
    actions = ["retry"]

    @admin.display(description="last error")
    def error(self, obj):
        return Truncator(obj.last_error).chars(120)

    @admin.action(description="Retry the selected failed effects (one more attempt each)")
    def retry(self, request, queryset):
        retried = skipped = 0
        for effect_id in queryset.values_list("pk", flat=True):
            try:
                if effects.effect_retry(effect_id=effect_id, actor=request.user):
                    retried += 1
                else:
                    skipped += 1
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
        self.message_user(request, f"{retried} effect(s) sent again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} selected effect(s) were not failed and were left alone.", messages.WARNING
            )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("subject", "recipient", "organisation", "item", "created_at", "emailed_at", "read_at")
    list_filter = ("created_at", "emailed_at", "read_at")
    search_fields = ("subject", "recipient__username", "recipient__email", "source")
    list_select_related = ("recipient", "organisation", "item")
    date_hierarchy = "created_at"
    show_full_result_count = False


# --- Work in progress: claims, drafts, bulk imports (read-only: each has its own verbs) ----------


@admin.register(ReviewClaim)
class ReviewClaimAdmin(WorkClaimAdmin):
    """A reviewer's hold on an item while deciding it (takedowns.claims); it expires by itself."""

    work = "item"


class NoticeDraftItemInline(ReadOnlyInline):
    model = NoticeDraftItem
    fields = ("listing_ref", "ip_asset", "infringement_type")


@admin.register(NoticeDraft)
class NoticeDraftAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A notice being prepared on the filing page; filed or abandoned by its author."""

    list_display = ("rights_holder", "user", "organisation", "created_at", "updated_at")
    list_select_related = ("rights_holder", "user", "organisation")
    search_fields = ("rights_holder__legal_name", "user__username")
    inlines = [NoticeDraftItemInline]
    show_full_result_count = False


@admin.register(NoticeDraftItem)
class NoticeDraftItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("draft", "listing_ref", "ip_asset", "infringement_type", "created_at")
    list_select_related = ("draft__rights_holder", "ip_asset")
    show_full_result_count = False


@admin.register(NoticeDraftEvidence)
class NoticeDraftEvidenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("item", "original_name", "content_type")
    list_select_related = ("item",)
    show_full_result_count = False


class CounterNoticeDraftEvidenceInline(ReadOnlyInline):
    model = CounterNoticeDraftEvidence
    fields = ("original_name", "content_type", "size")


@admin.register(CounterNoticeDraft)
class CounterNoticeDraftAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A merchant's counter-notice in progress: the evidence its form kept through an error, until it is filed."""

    list_display = ("item", "user", "created_at", "updated_at")
    list_select_related = ("item", "user")
    search_fields = ("user__username",)
    inlines = [CounterNoticeDraftEvidenceInline]
    show_full_result_count = False


@admin.register(CounterNoticeDraftEvidence)
class CounterNoticeDraftEvidenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("draft", "original_name", "content_type")
    list_select_related = ("draft",)
    show_full_result_count = False


@admin.register(FilingImport)
class FilingImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A bulk filing by CSV (takedowns.bulk_filing): its progress and what became of each row."""

    list_display = (
        "original_name",
        "rights_holder",
        "created_by",
        "status",
        "total_rows",
        "filed_rows",
        "error_rows",
        "created_at",
    )
    list_filter = ("status", "created_at")
    list_select_related = ("rights_holder", "created_by")
    search_fields = ("original_name", "rights_holder__legal_name", "created_by__username")
    show_full_result_count = False


@admin.register(FilingImportRow)
class FilingImportRowAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("filing_import", "number", "listing_id", "asset", "status", "item")
    list_filter = ("status",)
    list_select_related = ("filing_import", "item")
    show_full_result_count = False


# --- Misuse -------------------------------------------------------------------------------


@admin.register(FilingSuspension)
class FilingSuspensionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a suspension is a misuse measure's consequence, issued and lifted by ``good_faith.misuse``.

    Issuing one takes the prior warning, the statement of reasons, the audit entry and the
    notification to the organisation that DSA article 23 and the portal's terms ask for; lifting
    one is a senior reviewer's decision on the organisation's appeal (the Misuse page), with
    reasons. A row written here would skip all of that.
    """

    list_display = ("organisation", "starts_at", "ends_at", "lifted_at", "created_by")
    list_filter = ("starts_at", "ends_at", "lifted_at")
    search_fields = ("organisation__name", "reason")
    list_select_related = ("organisation", "created_by")


# --- Penalties ---------------------------------------------------------------------------


@admin.register(Penalty)
class PenaltyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "store", "item", "infringement_type", "points", "awarded_at", "expires_at", "reversed_at")
    list_filter = ("infringement_type", "reversed_at")
    search_fields = ("store__name", "item__listing__external_id")
    list_select_related = ("store", "item")
    date_hierarchy = "awarded_at"


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "store", "kind", "level", "starts_at", "ends_at", "deposit_confiscated", "reversed_at")
    list_filter = ("kind", "reversed_at")
    search_fields = ("store__name",)
    list_select_related = ("store",)
    date_hierarchy = "starts_at"


@admin.register(BannedIdentity)
class BannedIdentityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("merchant", "kind", "created_at", "lifted_at")
    list_filter = ("kind", "lifted_at")
    search_fields = ("merchant__legal_name",)
    list_select_related = ("merchant",)


@admin.register(PublicRegisterEntry)
class PublicRegisterEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("store_name", "merchant_name", "region", "listed_at")
    search_fields = ("store_name", "merchant_name", "region")
    date_hierarchy = "listed_at"


@admin.register(Reimbursement)
class ReimbursementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "order", "item", "amount", "currency", "created_at", "cancelled_at")
    list_filter = ("currency", "cancelled_at")
    search_fields = ("order__buyer_reference", "item__listing__external_id")
    list_select_related = ("order__listing", "item")
