"""Django's admin site, asking staff for the second factor: only a verified session may use it (portal/two_factor/)."""

from django.contrib import admin

from portal.two_factor.devices import two_factor_required


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        verified = getattr(request.user, "is_verified", None)
        return bool(verified and verified()) or not two_factor_required(request.user)
