from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal.views import account, files, health, home, language, passwords, two_factor

urlpatterns = [
    # A brand's people land on their dashboard (good_faith); everyone else on the home page below.
    path("", include("good_faith.dashboard_urls")),
    path("", home.home, name="home"),
    path("health/", health.health, name="health"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signed-out/", passwords.SignedOutView.as_view(), name="signed-out"),
    path("password-reset/", passwords.PasswordResetRequestView.as_view(), name="password_reset"),
    path("password-reset/sent/", passwords.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", passwords.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("account/", account.preferences, name="account"),
    path("account/password/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("account/two-factor/setup/", two_factor.setup, name="two-factor-setup"),
    path("account/two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("account/two-factor/backup-codes/", two_factor.backup_codes, name="two-factor-backup-codes"),
    path("account/two-factor/turn-off/", two_factor.turn_off, name="two-factor-turn-off"),
    path("language/", language.language_set, name="set_language"),
    path("account/organisations/<slug:organisation>/api-keys/", include("api.page_urls")),
    path("files/<slug:kind>/<int:pk>/", files.download, name="file-download"),
    path("rights/", include("rights_holders.urls")),
    path("takedowns/", include("takedowns.urls")),
    path("good-faith/", include("good_faith.urls")),
    path("screening/", include("screening.urls")),
    path("register/", include("takedowns.urls.public")),
    path("help/", include("takedowns.urls.help")),
    path("transparency/", include("good_faith.public_urls")),
    path("screening/report/", include("screening.report.urls")),
    path("screening/intelligence/", include("screening.intel.urls")),
    path("api/", include("api.urls")),
    path("integrations/webhooks/", include("api.webhook_page_urls")),
    path("admin/", admin.site.urls),
]
