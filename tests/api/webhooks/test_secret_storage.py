"""Webhook secrets are encrypted at rest with WEBHOOK_SECRET_KEY; keys rotate through a fallback and a re-encryption.

Deliveries are checked by a real receiver verifying each signature with the specification's
reference library, so a secret that decrypts to anything else than what its owner got shows.
"""

import base64
import logging
import os

import pytest
import time_machine
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from api.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from api.webhooks.delivery import deliveries_send_due
from api.webhooks.secret_storage import SecretUnreadable, secret_decrypt, secret_encrypt
from api.webhooks.signing import secret_generate
from api.webhooks.subscriptions import webhook_secret_rotate, webhook_test_send
from portal.models import AuditLogEntry
from tests import factories


def _key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def owner(brand_a):
    return factories.member_of(brand_a.organisation, role="owner")


@pytest.fixture
def key_a(settings):
    settings.WEBHOOK_SECRET_KEY, settings.WEBHOOK_SECRET_KEY_FALLBACKS = _key(), []
    return settings.WEBHOOK_SECRET_KEY


def _stored(subscription):
    return WebhookSubscription.objects.values_list("secret_encrypted", "previous_secret_encrypted").get(
        pk=subscription.pk
    )


def _send_test(subscription, owner):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return webhook_test_send(subscription_id=subscription.pk, actor=owner)


def test_secrets_are_stored_encrypted_and_a_rotation_moves_the_old_one_as_it_is(key_a, brand_a, owner, subscribe):
    subscription, secret = subscribe(brand_a.organisation, "http://127.0.0.1:9/hooks", actor=owner)
    stored, previous = _stored(subscription)
    assert secret.startswith("whsec_") and not stored.startswith("whsec_") and previous == ""
    assert secret.removeprefix("whsec_")[:16] not in stored
    assert Fernet(key_a).decrypt(stored.encode()).decode() == secret  # Fernet with the configured key
    assert secret_encrypt(secret) != stored  # a fresh IV each time: equal secrets do not look equal

    _, new_secret = webhook_secret_rotate(subscription_id=subscription.pk, actor=owner)
    rotated, moved = _stored(subscription)
    assert moved == stored, "the old secret keeps its stored form: it was never decrypted"
    assert secret_decrypt(rotated) == new_secret != secret
    audit = AuditLogEntry.objects.filter(object_id=str(subscription.pk)).values_list("data", flat=True)
    assert not any(secret in str(data) or new_secret in str(data) for data in audit)


def test_a_key_rotation_loses_no_delivery(settings, key_a, brand_a, owner, subscribe, receiver):
    subscription, secret = subscribe(brand_a.organisation, receiver.url, actor=owner)
    receiver.secret = secret
    _send_test(subscription, owner)

    # Step 1: the new key, the old one as a fallback. Every secret still reads.
    key_b = _key()
    settings.WEBHOOK_SECRET_KEY, settings.WEBHOOK_SECRET_KEY_FALLBACKS = key_b, [key_a]
    _send_test(subscription, owner)
    # Step 2: re-encrypt with the new key.
    call_command("webhook_secrets_reencrypt", stdout=(out := _Out()))
    assert "1 webhook subscription secret(s) re-encrypted with WEBHOOK_SECRET_KEY." in out.text
    stored, _ = _stored(subscription)
    assert Fernet(key_b).decrypt(stored.encode()).decode() == secret
    with pytest.raises(InvalidToken):
        Fernet(key_a).decrypt(stored.encode())
    entry = AuditLogEntry.objects.get(action="api.webhook.secrets_reencrypted")
    assert entry.data == {"reencrypted": 1, "unreadable": [], "fallbacks": 1}
    # Step 3: the old key goes.
    settings.WEBHOOK_SECRET_KEY_FALLBACKS = []
    _send_test(subscription, owner)

    assert len(receiver.requests) == 3 and all(r.verified for r in receiver.requests)
    assert len(receiver.processed) == 3


def test_a_key_dropped_too_early_sends_nothing_counts_nothing_against_the_endpoint_and_says_so(
    settings, key_a, brand_a, owner, subscribe, receiver, caplog
):
    subscription, secret = subscribe(brand_a.organisation, receiver.url, actor=owner)
    receiver.secret = secret
    settings.WEBHOOK_SECRET_KEY = _key()  # the old key forgotten: no fallback
    with pytest.raises(SecretUnreadable):
        secret_decrypt(_stored(subscription)[0])
    start = timezone.now()
    with time_machine.travel(start, tick=False), caplog.at_level(logging.ERROR, logger="api.webhooks.delivery"):
        delivery = _send_test(subscription, owner)
    assert receiver.requests == []
    assert not WebhookAttempt.objects.exists(), "no attempt is held against the endpoint"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    subscription.refresh_from_db()
    assert subscription.active and subscription.failing_since is None
    assert "secret cannot be decrypted" in caplog.text

    before = _stored(subscription)
    with pytest.raises(
        CommandError, match=rf"1 subscription\(s\) .* no configured key decrypts \(ids {subscription.pk}\)"
    ):
        call_command("webhook_secrets_reencrypt", stdout=_Out())
    assert _stored(subscription) == before, "left as it was"

    # The old key back as a fallback: once its claim has run out, the delivery goes out.
    settings.WEBHOOK_SECRET_KEY_FALLBACKS = [key_a]
    due = WebhookDelivery.objects.get().next_attempt_at
    with time_machine.travel(due, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        assert deliveries_send_due() == 1
    assert len(receiver.processed) == 1 and receiver.requests[0].verified


def test_a_secret_rotated_while_the_keys_are_re_encrypted_is_left_as_it_is(settings, key_a, brand_a, owner, subscribe):
    from api.webhooks import secret_storage

    subscription, _ = subscribe(brand_a.organisation, "http://127.0.0.1:9/hooks", actor=owner)
    settings.WEBHOOK_SECRET_KEY, settings.WEBHOOK_SECRET_KEY_FALLBACKS = _key(), [key_a]
    real = secret_storage.secret_reencrypt
    rotated = []

    def reencrypt_while_the_owner_rotates(stored):
        if not rotated:
            # What the owner's rotation, committed meanwhile, leaves in the row: a new secret, new key.
            rotated.append(secret_generate())
            WebhookSubscription.objects.filter(pk=subscription.pk).update(
                secret_encrypted=secret_encrypt(rotated[0]), previous_secret_encrypted=stored
            )
        return real(stored)

    secret_storage.secret_reencrypt = reencrypt_while_the_owner_rotates
    try:
        done, unreadable = secret_storage.webhook_secrets_reencrypt()
    finally:
        secret_storage.secret_reencrypt = real
    assert (done, unreadable) == (0, [])
    assert secret_decrypt(_stored(subscription)[0]) == rotated[0], "the owner's new secret stands"


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass
