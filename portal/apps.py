from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from portal.choices import choice_displays_install
        from portal.i18n import language_remember_at_sign_in

        choice_displays_install()
        user_logged_in.connect(language_remember_at_sign_in, dispatch_uid="portal.language_remember_at_sign_in")
