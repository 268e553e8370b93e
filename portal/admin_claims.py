"""The admin's read-only list of reviewers' claims, one registration per kind of claimable work.

A claim is taken, renewed, released and ended only by ``portal.claims`` (audited there) and expires by
itself, so staff read claims here and never add, change or delete them.
"""

from django.contrib import admin


class WorkClaimAdmin(admin.ModelAdmin):
    """A reviewer's hold on one piece of work while deciding it; subclasses name the work's field (``work``)."""

    work = None
    search_fields = ("reviewer__username",)
    list_filter = ("expires_at",)
    show_full_result_count = False

    def get_list_display(self, request):
        return (self.work, "reviewer", "claimed_at", "expires_at")

    def get_list_select_related(self, request):
        return (self.work, "reviewer")

    def get_readonly_fields(self, request, obj=None):
        return (self.work, "reviewer", "claimed_at", "expires_at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
