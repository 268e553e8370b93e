"""API keys in the admin: read-only, and never the secret's hash. Webhooks: ``api.webhooks.admin``.

Owners create and revoke keys on their pages, operators with ``manage.py
api_key_create``; both go through ``api.keys`` (audited). The admin only shows.
"""

from django.contrib import admin

from api.models import ApiKey
from api.webhooks import admin as webhooks_admin  # noqa: F401 (registers the webhook admins)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "organisation", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("name", "key_id", "organisation__name", "organisation__slug")
    list_select_related = ("organisation",)
    fields = (
        "organisation",
        "name",
        "prefix",
        "scopes",
        "principal",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
