from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from portal import pagecache
        from portal.authentication import session_user_annotation_register
        from portal.choices import choice_displays_install
        from portal.i18n import language_remember_at_sign_in

        choice_displays_install()
        user_logged_in.connect(language_remember_at_sign_in, dispatch_uid="portal.language_remember_at_sign_in")
        # The data version (portal.pagecache): its triggers on every tracked table after each migrate, and its
        # value read with the session's user at the start of every signed-in request.
        post_migrate.connect(pagecache.tracking_install, sender=self, dispatch_uid="portal.pagecache.tracking")
        session_user_annotation_register(pagecache.VERSION_ATTRIBUTE, pagecache.version_expression)


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin (in INSTALLED_APPS in its place), its site asking staff for the second factor."""

    default = False  # "portal" itself is PortalConfig
    default_site = "portal.admin_site.PortalAdminSite"
