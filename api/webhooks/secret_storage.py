"""Webhook signing secrets at rest: encrypted with ``WEBHOOK_SECRET_KEY``, read with it or an older key.

Signing needs the secret itself (HMAC, not a hash we could compare), so the
database keeps it encrypted with Fernet (``cryptography``: AES-128-CBC and
HMAC-SHA256, so a changed or foreign value is refused, never misread). A copy of
the database, a backup or a log of its rows tells nothing without the key, which
lives in the environment of the processes that sign.

Keys rotate without losing a secret: the new key becomes ``WEBHOOK_SECRET_KEY``,
the old one goes first in ``WEBHOOK_SECRET_KEY_FALLBACKS`` (decryption only),
``manage.py webhook_secrets_reencrypt`` encrypts every stored secret with the new
key (``secret_reencrypt``), and then the old key can go.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from api.webhooks.models import WebhookSubscription
from portal.audit import audit_log_record
from portal.transactions import durable_atomic

BATCH = 500


class SecretUnreadable(Exception):
    """A stored secret that no configured key decrypts (a key dropped too early, or a foreign value)."""


@lru_cache(maxsize=4)
def _fernet(keys):
    return MultiFernet([Fernet(key) for key in keys])


def _keys():
    # Read at each call: settings are fixed in production, but tests change them.
    return _fernet((settings.WEBHOOK_SECRET_KEY, *settings.WEBHOOK_SECRET_KEY_FALLBACKS))


def secret_encrypt(secret):
    """The stored form of a ``whsec_`` secret, encrypted with the current key."""
    return _keys().encrypt(secret.encode()).decode()


def secret_decrypt(stored):
    """The ``whsec_`` secret of a stored value, decrypted with the current key or a fallback."""
    try:
        return _keys().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "A webhook secret cannot be decrypted with WEBHOOK_SECRET_KEY or WEBHOOK_SECRET_KEY_FALLBACKS."
        ) from None


def secret_reencrypt(stored):
    """The same secret encrypted with the current key (a key rotation's second step)."""
    try:
        return _keys().rotate(stored.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "A webhook secret cannot be decrypted with WEBHOOK_SECRET_KEY or WEBHOOK_SECRET_KEY_FALLBACKS."
        ) from None


def webhook_secrets_reencrypt(*, batch=BATCH):
    """Encrypt every stored secret with the current key, a batch per transaction; audited.

    Returns (how many subscriptions were re-encrypted, the ids of those no key decrypts). A
    subscription whose secret changed meanwhile (rotated: already under the current key) is left
    as it is, by a conditional update. Running it twice is harmless: the second re-encrypts again.
    """
    done, unreadable, after = 0, [], 0
    while True:
        with durable_atomic():
            rows = list(
                WebhookSubscription.objects.filter(pk__gt=after)
                .order_by("pk")
                .values_list("pk", "secret_encrypted", "previous_secret_encrypted")[:batch]
            )
            for pk, current, previous in rows:
                try:
                    new, new_previous = secret_reencrypt(current), secret_reencrypt(previous) if previous else ""
                except SecretUnreadable:
                    unreadable.append(pk)
                    continue
                done += WebhookSubscription.objects.filter(
                    pk=pk, secret_encrypted=current, previous_secret_encrypted=previous
                ).update(secret_encrypted=new, previous_secret_encrypted=new_previous)
            if rows:
                after = rows[-1][0]
            else:
                audit_log_record(
                    action="api.webhook.secrets_reencrypted",
                    actor_label="manage.py webhook_secrets_reencrypt",
                    data={
                        "reencrypted": done,
                        "unreadable": unreadable[:100],
                        "fallbacks": len(settings.WEBHOOK_SECRET_KEY_FALLBACKS),
                    },
                )
                return done, unreadable
