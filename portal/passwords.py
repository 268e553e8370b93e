"""Passwords: a reset by e-mail for someone who forgot theirs, and a change for someone signed in.

A reset answers the same whether or not the address belongs to an account (nobody learns who has
one), and the e-mail is sent by a worker after the request has answered, so the answer takes as
long either way. The link carries Django's token: it works once (it is made from the password it
replaces) and for ``PORTAL_PASSWORD_RESET_MINUTES``. Requests are counted per e-mail address and
per client address (like the sign-in's lockout, in its window): past the limit the page says when
to try again, for every address alike.
"""

import hashlib
import time

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from portal.audit import audit_log_record
from portal.i18n import user_language
from portal.transactions import durable_atomic


def _window_seconds():
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def _counter_hit(name, limit):
    """Count one request in the fixed window ``name``; the seconds to wait when it is past ``limit``, else None."""
    window = _window_seconds()
    now = time.time()
    cache.add(f"{name}:start", now, timeout=window + 1)
    cache.add(name, 0, timeout=window + 1)
    try:
        count = cache.incr(name)
    except ValueError:  # the counter expired between add and incr: this request opens the next window
        cache.set(f"{name}:start", now, timeout=window + 1)
        cache.set(name, 1, timeout=window + 1)
        count = 1
    if count <= limit:
        return None
    started = cache.get(f"{name}:start") or now
    return max(1, int(started + window - now))


def password_reset_wait(*, email, address):
    """Count a reset request; None if it may go on, else the seconds until one may be asked again.

    The e-mail address is counted whether or not an account has it, so the limit says nothing of who has one.
    """
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    waits = [
        _counter_hit(f"password-reset:email:{digest}", settings.PASSWORD_RESET_LIMIT),
        _counter_hit(f"password-reset:address:{address or 'unknown'}", settings.PASSWORD_RESET_ADDRESS_LIMIT),
    ]
    waits = [wait for wait in waits if wait is not None]
    return max(waits) if waits else None


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """Django's form, sending nothing itself: a worker writes the e-mail after the request has answered."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("The address of your account. We send a link to choose a new password to it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        # Persons only: an API key's principal never signs in (portal.authentication).
        return (user for user in super().get_users(email) if not user.is_api_principal)

    def save(self, *, base_url, **kwargs):
        # One message to the worker whoever has the address, and no lookup here: the request takes as long
        # for an address with an account as for one without, so its timing tells nobody which it was.
        from portal.tasks import password_reset_emails_send

        email = self.cleaned_data["email"]
        transaction.on_commit(lambda: password_reset_emails_send.delay(email=email, base_url=base_url))


def password_reset_emails_send(*, email, base_url):
    """The worker's part of a reset request: the e-mail to each account with the address (none, usually one)."""
    users = PasswordResetRequestForm().get_users(email)
    return sum(password_reset_email_send(user_id=user.pk, base_url=base_url) for user in users)


def password_reset_email_send(*, user_id, base_url):
    """Write the reset e-mail to the account ``user_id`` in its language; False if it may no longer reset."""
    from portal.models import User

    user = User.objects.filter(pk=user_id, is_active=True, is_api_principal=False).first()
    if user is None or not user.has_usable_password() or not user.email:
        return False
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "site_name": settings.PORTAL_SITE_NAME,
        "reset_url": f"{(settings.PORTAL_BASE_URL or base_url).rstrip('/')}{path}",
        "minutes": settings.PORTAL_PASSWORD_RESET_MINUTES,
    }
    with translation.override(user_language(user)):
        subject = "".join(loader.render_to_string("registration/password_reset_subject.txt", context).splitlines())
        body = loader.render_to_string("registration/password_reset_email.txt", context)
    EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    return True


def password_set_audited(*, form, action):
    """Save ``form`` (a SetPasswordForm or PasswordChangeForm) and audit it in one transaction: the user."""
    with durable_atomic():
        user = form.save()
        # The fact, never the password or its hash.
        audit_log_record(action=action, actor=user, obj=user)
    return user
