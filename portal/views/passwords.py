"""Signing out, a forgotten password reset by e-mail, and a password change (portal/passwords.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from portal.middleware import client_ip
from portal.passwords import PasswordResetRequestForm, password_reset_wait, password_set_audited


class SignedOutView(TemplateView):
    """Where signing out (a POST to ``logout``) leads: said plainly, with the way back in."""

    template_name = "registration/signed_out.html"


class PasswordResetRequestView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "reset_minutes": settings.PORTAL_PASSWORD_RESET_MINUTES}

    def form_valid(self, form):
        wait = password_reset_wait(email=form.cleaned_data["email"], address=client_ip(self.request))
        if wait is not None:
            minutes = max(1, -(-wait // 60))
            return render(self.request, "registration/password_reset_limited.html", {"minutes": minutes}, status=429)
        form.save(base_url=self.request.build_absolute_uri("/"))
        return super(auth_views.PasswordResetView, self).form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        from axes.utils import reset as axes_reset

        user = password_set_audited(form=form, action="portal.user.password_reset")
        # A new password ends a lockout the old one's failed attempts caused.
        axes_reset(username=user.get_username())
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return super(auth_views.PasswordResetConfirmView, self).form_valid(form)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        from django.contrib.auth import update_session_auth_hash

        password_set_audited(form=form, action="portal.user.password_changed")
        # The session goes on (Django ends the others: their hash no longer matches).
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password has been changed."))
        return super(auth_views.PasswordChangeView, self).form_valid(form)
