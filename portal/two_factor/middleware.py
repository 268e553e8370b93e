"""No page before the second factor: an unverified session of someone who must use one is sent to it."""

from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.db import router
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from portal.i18n import API_PATH_PREFIX
from portal.statements import row_statement
from portal.two_factor.devices import two_factor_gate

# Pages an unverified session may still open: the two steps themselves, signing out, the language.
OPEN_URL_NAMES = ("two-factor-setup", "two-factor-verify", "logout", "signed-out", "set_language", "health")


class SessionDeviceMiddleware(OTPMiddleware):
    """django-otp's OTPMiddleware (``request.user.is_verified()``), reading the session's authenticator with a
    statement the ORM compiled once (``portal.statements``): every verified page asks for it.

    The same row as django-otp's ``Device.from_persistent_id``; django-otp still checks that it is the
    user's and confirmed, and forgets it from the session if not.
    """

    def _device_from_persistent_id(self, persistent_id):
        try:
            model_label, device_id = self._normalize_persistent_id(persistent_id).rsplit("/", 1)
            model = apps.get_model(*model_label.split("."))
            pk = int(device_id)
        except (ValueError, LookupError, TypeError):
            return None
        if not issubclass(model, Device):
            return None
        return row_statement(model, router.db_for_read(model)).get(pk)


class TwoFactorRequiredMiddleware:
    """After django-otp's OTPMiddleware (``request.user.is_verified()``).

    A verified session costs nothing here. An unverified one asks once whether the person has an
    authenticator (one query) and whether they are staff (their groups, read once per request anyway).
    The partner API answers for itself (``api.authentication``: 403 ``two_factor_required``).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def __call__(self, request):
        return self._gate(request) or self.get_response(request)

    def _gate(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        path = request.path_info
        if path.startswith((API_PATH_PREFIX, "/" + settings.STATIC_URL.lstrip("/"))):
            return None
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in OPEN_URL_NAMES)
        if path in self._open_paths:
            return None
        step = two_factor_gate(user)
        if step is None:
            return None
        target = reverse("two-factor-verify" if step == "verify" else "two-factor-setup")
        if request.method in ("GET", "HEAD") and not request.htmx:
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        if request.htmx:
            return HttpResponseClientRedirect(target)
        return redirect(target)
