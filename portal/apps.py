from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from portal.choices import choice_displays_install
        from portal.i18n import language_remember_at_sign_in

        choice_displays_install()
        user_logged_in.connect(language_remember_at_sign_in, dispatch_uid="portal.language_remember_at_sign_in")


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin (in INSTALLED_APPS in its place), its site asking staff for the second factor."""

    default = False  # "portal" itself is PortalConfig
    default_site = "portal.admin_site.PortalAdminSite"
