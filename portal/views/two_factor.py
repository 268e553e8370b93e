"""Two-factor sign-in pages: set up an authenticator, enter a code after the password, backup codes, turn off."""

import base64
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from portal.forms import LineField
from portal.two_factor.devices import (
    authenticator_confirm,
    authenticator_of,
    authenticator_start,
    backup_codes_renew,
    sign_in_code_check,
    two_factor_required,
    two_factor_turn_off,
)
from portal.two_factor.qr import qr_svg
from portal.views.account import TurnOffForm, account_page


class CodeForm(forms.Form):
    code = LineField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


def _with_next(name, request):
    """The page ``name`` with the (checked) ``next`` as one query value: a next that holds ``&`` or ``?``
    arrives whole, not cut at its own parameters."""
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


def _verified(request):
    return request.user.is_verified()


def _refuse(form, check):
    if check.throttled:
        message = ngettext(
            "Too many wrong codes: this one was not checked. Wait %(seconds)d second, then enter the code your "
            "app shows then.",
            "Too many wrong codes: this one was not checked. Wait %(seconds)d seconds, then enter the code your "
            "app shows then.",
            check.wait_seconds,
        ) % {"seconds": check.wait_seconds}
    else:
        message = _("That code is not right. Enter the code your app shows now.")
    form.add_error("code", message)


def _session_verified(request, device):
    # A new session key for the raised privilege, as signing in does.
    request.session.cycle_key()
    otp_login(request, device)


def _secret_text(device):
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def setup(request):
    """Set up an authenticator: the QR code and the key as text, then a first code confirms it."""
    user = request.user
    if authenticator_of(user) is not None and not _verified(request):
        # Someone with the password only must not swap the authenticator for their own.
        return redirect(_with_next("two-factor-verify", request))
    device = authenticator_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check, codes = authenticator_confirm(user=user, device=device, code=form.cleaned_data["code"])
        if check.device is not None:
            _session_verified(request, check.device)
            return render(
                request,
                "portal/two_factor/backup_codes.html",
                {"codes": codes, "next": _next_url(request), "new": True},
            )
        _refuse(form, check)
    context = {
        "form": form,
        "qr": qr_svg(device.config_url, label=_("QR code to scan with your authenticator app")),
        "secret": _secret_text(device),
        "required": two_factor_required(user),
        "replacing": authenticator_of(user) is not None,
        "next": _next_url(request),
    }
    return render(request, "portal/two_factor/setup.html", context)


@login_required
def verify(request):
    """After the password: the authenticator's code, or a backup code."""
    user = request.user
    if _verified(request):
        return redirect(_next_url(request))
    if authenticator_of(user) is None:
        if two_factor_required(user):
            return redirect(_with_next("two-factor-setup", request))
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = sign_in_code_check(user=user, code=form.cleaned_data["code"])
        if check.device is not None:
            _session_verified(request, check.device)
            return redirect(_next_url(request))
        _refuse(form, check)
    return render(request, "portal/two_factor/verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_POST
def backup_codes(request):
    """New backup codes in place of the old ones, shown once."""
    if authenticator_of(request.user) is None:
        raise Http404
    codes = backup_codes_renew(user=request.user)
    return render(request, "portal/two_factor/backup_codes.html", {"codes": codes, "next": reverse("account")})


@login_required
@require_POST
def turn_off(request):
    """Turn two-factor sign-in off (with the password): for those whose role does not require it."""
    user = request.user
    if two_factor_required(user) or authenticator_of(user) is None:
        raise Http404
    form = TurnOffForm(request.POST)
    if form.is_valid():
        if authenticate(request, username=user.get_username(), password=form.cleaned_data["password"]):
            two_factor_turn_off(user=user, actor=user)
            messages.success(request, _("Two-factor sign-in is off. Your sign-in asks for your password only."))
            return redirect("account")
        form.add_error("password", _("That is not your password. Two-factor sign-in stays on."))
    return account_page(request, turn_off_form=form, status=400)
