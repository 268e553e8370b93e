from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from portal.i18n import language_remember_at_sign_in

        user_logged_in.connect(language_remember_at_sign_in, dispatch_uid="portal.language_remember_at_sign_in")
