"""Creating, finding and revoking API keys (services; the pages, the command and the API call these)."""

import hashlib
import hmac
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from api.models import ApiKey
from api.scopes import ALL_SCOPES
from portal.audit import audit_log_record
from portal.errors import InvalidInput
from portal.models import Membership, MembershipRole

KEY_PREFIX = "tdp_"


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, organisation, name, scopes, created_by=None, expires_at=None):
    """A new key; returns (key, the full secret). The secret is never stored and cannot be shown again."""
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown:
        raise InvalidInput(f"Unknown scope: {', '.join(unknown)}.", code="unknown_scope")
    if not scopes:
        raise InvalidInput("Give the key at least one scope.", code="scope_required")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the key a name.", code="name_required")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    full = f"{KEY_PREFIX}{key_id}_{secret}"
    with transaction.atomic():
        principal = get_user_model().objects.create(username=f"api-key-{key_id}", first_name=name[:150], is_active=True)
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
            data={"scopes": scopes, "expires_at": expires_at.isoformat() if expires_at else None},
        )
    return key, full


def api_key_revoke(*, key, actor=None):
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked_at is not None:
            return key
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        # The principal can never sign in (unusable password); deactivating it also ends its API use.
        key.principal.is_active = False
        key.principal.save(update_fields=["is_active"])
        audit_log_record(action="api.key.revoked", actor=actor, obj=key, organisation=key.organisation)
    return key


def api_key_find(presented):
    """The usable key the presented secret belongs to, or None (unknown, revoked, expired, malformed)."""
    if not presented or not presented.startswith(KEY_PREFIX):
        return None
    key_id, sep, _ = presented[len(KEY_PREFIX) :].partition("_")
    if not sep:
        return None
    key = ApiKey.objects.usable().select_related("principal", "organisation").filter(key_id=key_id).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(presented)):
        return None
    return key
