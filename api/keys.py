"""Creating, finding and revoking API keys (services; the pages, the command and the API call these)."""

import hashlib
import hmac
import logging
import re
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey
from api.scopes import ALL_SCOPES, Scope, scopes_offered_to
from portal.audit import audit_log_record
from portal.errors import InvalidInput
from portal.forms import text_problem_later
from portal.i18n import text_later
from portal.models import Membership, MembershipRole
from portal.transactions import durable_atomic

KEY_PREFIX = "tdp_"

logger = logging.getLogger(__name__)


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def user_manages_api_keys(user, organisation):
    """Only the organisation's owners create and revoke its keys (operators use ``api_key_create`` the command)."""
    return (
        user is not None
        and user.is_authenticated
        and Membership.objects.filter(user=user, organisation=organisation, role=MembershipRole.OWNER).exists()
    )


def _actor_check(actor, organisation):
    # None is an operator at the command line; a person must own the organisation.
    if actor is not None and not user_manages_api_keys(actor, organisation):
        raise PermissionDenied(_("Only an owner of the organisation may create or revoke its API keys."))


PRESET_KEY_ID = re.compile(r"[a-z0-9]{4,16}")
PRESET_SECRET = re.compile(r"[A-Za-z0-9_-]{32,64}")


def api_key_create(*, organisation, name, scopes, created_by=None, expires_at=None, now=None, preset=None):
    """A new key; returns (key, the full secret). The secret is never stored and cannot be shown again.

    ``created_by`` is the owner creating it, or None for an operator (``manage.py api_key_create``).
    ``preset`` is a (key id, secret) pair to use instead of random ones, for keys whose
    secret is published on purpose: the demo world's (``demo/api_keys.py``), printed by
    ``seed_demo`` like its password. Neither the pages nor the command offer it.
    """
    _actor_check(created_by, organisation)
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown:
        raise InvalidInput(
            text_later(
                _("Unknown scope: %(unknown)s. Known scopes: %(known)s."),
                unknown=", ".join(unknown),
                known=", ".join(Scope.values),
            ),
            code="unknown_scope",
        )
    if not scopes:
        raise InvalidInput(_("Give the key at least one scope."), code="scope_required")
    offered = scopes_offered_to(organisation)
    refused = [s for s in scopes if s not in offered]
    if refused:
        raise InvalidInput(
            text_later(
                _("Only the marketplace's keys may carry %(scopes)s; %(organisation)s is not the marketplace."),
                scopes=", ".join(refused),
                organisation=organisation.name,
            ),
            code="scope_not_allowed",
        )
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the key a name."), code="name_required")
    problem = text_problem_later(name, multiline=False, max_length=ApiKey._meta.get_field("name").max_length)
    if problem:
        raise InvalidInput(text_later(_("Key name: %(problem)s"), problem=problem), code="name_invalid")
    if expires_at is not None and expires_at <= (now or timezone.now()):
        raise InvalidInput(_("The expiry must be in the future."), code="expiry_in_past")
    if preset is None:
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    else:
        key_id, secret = preset
        if not (PRESET_KEY_ID.fullmatch(key_id) and PRESET_SECRET.fullmatch(secret)):
            raise InvalidInput(
                _(
                    "A preset key needs an id of 4 to 16 lowercase letters and digits and a secret of 32 to 64 "
                    "URL-safe characters."
                ),
                code="preset_invalid",
            )
        if ApiKey.objects.filter(key_id=key_id).exists():
            raise InvalidInput(
                text_later(_("A key with the id %(key)s exists already."), key=key_id), code="key_id_taken"
            )
    full = f"{KEY_PREFIX}{key_id}_{secret}"
    with durable_atomic():
        # Marked as no person: listed, counted and notified nowhere (``people()``), a member only to see.
        # Its first name is the key's name: what it does is shown as the key of its organisation (portal.actors).
        principal = get_user_model().objects.create(
            username=f"api-key-{key_id}", first_name=name[:150], is_active=True, is_api_principal=True
        )
        principal.set_unusable_password()
        principal.save(update_fields=["password"])
        Membership.objects.create(user=principal, organisation=organisation, role=MembershipRole.STAFF)
        key = ApiKey.objects.create(
            organisation=organisation,
            name=name,
            key_id=key_id,
            secret_hash=_hash(full),
            scopes=scopes,
            principal=principal,
            created_by=created_by,
            expires_at=expires_at,
        )
        audit_log_record(
            action="api.key.created",
            actor=created_by,
            obj=key,
            organisation=organisation,
            data={
                "name": name,
                "prefix": key.prefix,
                "scopes": scopes,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return key, full


def api_key_revoke(*, key, actor=None):
    """Revoke ``key`` for good (its principal is deactivated too); revoking a revoked key changes nothing."""
    _actor_check(actor, key.organisation)
    with durable_atomic():
        key = ApiKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked_at is not None:
            return key
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        # The principal can never sign in (unusable password); deactivating it also ends its API use.
        key.principal.is_active = False
        key.principal.save(update_fields=["is_active"])
        audit_log_record(
            action="api.key.revoked", actor=actor, obj=key, organisation=key.organisation, data={"prefix": key.prefix}
        )
    return key


def api_key_used(key, *, now=None):
    """Mark ``key`` as used now, writing at most once per ``API_KEY_LAST_USED_SECONDS`` per key.

    The first request of each interval wins ``cache.add`` and writes; the others write
    nothing, so a key's busiest hour costs a few dozen updates, not one per request.
    ``last_used_at`` is therefore up to that interval behind. Returns whether it wrote.
    """
    interval = settings.API_KEY_LAST_USED_SECONDS
    try:
        claimed = cache.add(f"api:key-used:{key.pk}", 1, timeout=interval)
    except Exception:  # a failing cache must not fail the request, nor turn every request into a write
        logger.warning("API key %s: last use not recorded, the cache failed", key.prefix, exc_info=True)
        return False
    if not claimed:
        return False
    now = now or timezone.now()
    # Conditional: a slower request that claimed earlier never moves the mark back in time.
    ApiKey.objects.filter(pk=key.pk).filter(
        models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lt=now)
    ).update(last_used_at=now)
    return True


def api_key_find(presented):
    """The usable key the presented secret belongs to, or None (unknown, revoked, expired, malformed)."""
    if not presented or not presented.startswith(KEY_PREFIX):
        return None
    key_id, sep, _secret = presented[len(KEY_PREFIX) :].partition("_")
    if not sep:
        return None
    # The organisation's partner record comes along: the key's scopes in force depend on it (one query in all).
    key = ApiKey.objects.usable().select_related("principal", "organisation__partner").filter(key_id=key_id).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(presented)):
        return None
    return key
