"""The verbs of two-factor sign-in: start and confirm an authenticator, check a code, backup codes, turn off.

Each change is audited in its own transaction (``portal.user.two_factor_*``), never with a secret.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.audit import audit_log_record
from portal.roles import user_is_platform_staff
from portal.transactions import durable_atomic

BACKUP_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_CODES_NAME = "Backup codes"


def two_factor_required(user):
    """Whether ``user`` must use a second factor whatever they chose: platform staff while the setting is on."""
    return bool(
        settings.PORTAL_REQUIRE_2FA_FOR_STAFF
        and user.is_authenticated
        and (user.is_staff or user_is_platform_staff(user))
    )


def authenticator_of(user):
    """The user's confirmed authenticator (TOTP device), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def two_factor_gate(user):
    """What an unverified session of ``user`` must do first: "verify", "setup" or None (nothing)."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return "verify"
    return "setup" if two_factor_required(user) else None


def authenticator_start(*, user):
    """The unconfirmed authenticator being set up (the same one on every visit until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


@dataclass(frozen=True)
class CodeCheck:
    device: object = None  # the device that accepted the code
    wait_seconds: int | None = None  # seconds before the next try is looked at (django-otp's throttle)
    throttled: bool = False  # the code was not looked at: it came within the wait a wrong one imposed


def _throttled_wait(devices):
    now = timezone.now()
    waits = []
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(max(1, int((data["locked_until"] - now).total_seconds() + 0.999)))
    return max(waits) if waits else None


def _code_normalised(code):
    return "".join(str(code or "").split()).lower()


def code_check(*, device, code):
    """Check ``code`` against one ``device``; a wrong code makes the next try wait (django-otp's throttle)."""
    wait = _throttled_wait([device])
    if wait is not None:
        return CodeCheck(wait_seconds=wait, throttled=True)
    if device.verify_token(_code_normalised(code)):
        return CodeCheck(device=device)
    return CodeCheck(wait_seconds=_throttled_wait([device]))


def sign_in_code_check(*, user, code):
    """A code at sign-in: the authenticator's six digits, or one of the backup codes (which is then used up).

    Six digits go to the authenticator, anything else to the backup codes: a backup code typed is never
    counted as a wrong authenticator code (each device has its own throttle).
    """
    code = _code_normalised(code)
    authenticator = authenticator_of(user)
    if authenticator is not None and code.isdigit() and len(code) == authenticator.digits:
        return code_check(device=authenticator, code=code)
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if backup is None:
        return CodeCheck()
    check = _backup_code_check(backup, code)
    if check.device is not None:
        audit_log_record(action="portal.user.backup_code_used", actor=user, obj=user)
    return check


def _backup_code_check(device, code):
    """A backup code at sign-in, used up exactly once: the code's row is deleted by a conditional DELETE and
    only the sign-in whose DELETE removed it passes. (django-otp's ``verify_token`` reads the row, then deletes
    it: two sign-ins racing with one code both read it, and both passed.) A wrong code waits as ``code_check``."""
    wait = _throttled_wait([device])
    if wait is not None:
        return CodeCheck(wait_seconds=wait, throttled=True)
    if StaticToken.objects.filter(device_id=device.pk, token=code).delete()[0]:
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
        device.save()
        return CodeCheck(device=device)
    device.throttle_increment()
    return CodeCheck(wait_seconds=_throttled_wait([device]))


def authenticator_confirm(*, user, device, code):
    """Confirm the authenticator being set up with its first code: (CodeCheck, new backup codes or [])."""
    check = code_check(device=device, code=code)
    if check.device is None:
        return check, []
    with durable_atomic():
        # One authenticator at a time: setting up a new one replaces the old.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = _backup_codes_replace(user)
        audit_log_record(action="portal.user.two_factor_enabled", actor=user, obj=user)
    return check, codes


def _backup_codes_replace(user):
    static, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_CODES_NAME, defaults={"confirmed": True})
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


def backup_codes_renew(*, user):
    """New backup codes in place of the old ones (shown once); audited."""
    with durable_atomic():
        codes = _backup_codes_replace(user)
        audit_log_record(action="portal.user.backup_codes_renewed", actor=user, obj=user)
    return codes


def backup_codes_left(user):
    return StaticToken.objects.filter(device__user=user).count()


def two_factor_turn_off(*, user, actor):
    """Remove the user's authenticator and backup codes; audited. False if there was none."""
    with durable_atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
        if not removed:
            return False
        audit_log_record(action="portal.user.two_factor_disabled", actor=actor, obj=user)
    return True


def current_code(device):
    """The code ``device`` shows now (for the demo's ``demo_code`` and for tests)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def authenticator_provision(*, user):
    """A confirmed authenticator for ``user`` made without a first code (the demo's staff: ``demo_code`` reads it)."""
    existing = authenticator_of(user)
    if existing is not None:
        return existing
    with durable_atomic():
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=True)
        audit_log_record(action="portal.user.two_factor_enabled", actor=user, obj=user, data={"provisioned": True})
    return device
