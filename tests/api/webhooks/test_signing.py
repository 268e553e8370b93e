"""Signatures as the Standard Webhooks reference library (``standardwebhooks``, not our code) checks them."""

import base64
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from api.webhooks.signing import SECRET_PREFIX, secret_generate, secret_key, signature, signature_header

# The specification's published test vector (its Python library's test_sign_function).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_published_test_vector():
    ours = signature(VECTOR_SECRET, msg_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY)
    assert ours == VECTOR_SIGNATURE
    reference = Webhook(VECTOR_SECRET).sign(
        msg_id=VECTOR_ID, timestamp=datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC).replace(tzinfo=None), data=VECTOR_BODY
    )
    assert reference == ours


def test_a_message_we_sign_now_is_verified_by_the_reference_library():
    secret = secret_generate()
    assert secret.startswith(SECRET_PREFIX) and len(secret_key(secret)) == 32
    body = '{"type":"webhook.test","timestamp":"2026-01-01T00:00:00Z","data":{"message":"é"}}'
    now = int(datetime.now(UTC).timestamp())
    headers = {
        "webhook-id": "evt_0000",
        "webhook-timestamp": str(now),
        "webhook-signature": signature_header([secret], msg_id="evt_0000", timestamp=now, body=body),
    }
    assert Webhook(secret).verify(body, headers)["data"]["message"] == "é"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("é", "e"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret_generate()).verify(body, headers)


def test_during_a_rotation_both_secrets_verify():
    old, new = secret_generate(), secret_generate()
    now = int(datetime.now(UTC).timestamp())
    header = signature_header([new, old], msg_id="evt_1", timestamp=now, body="{}")
    assert len(header.split(" ")) == 2
    headers = {"webhook-id": "evt_1", "webhook-timestamp": str(now), "webhook-signature": header}
    assert Webhook(new).verify("{}", headers) == {}
    assert Webhook(old).verify("{}", headers) == {}


def test_a_malformed_secret_is_refused():
    with pytest.raises(ValueError):
        secret_key("whsec_***")
    with pytest.raises(ValueError):
        secret_key("whsec_")
    assert secret_key("whsec_" + base64.b64encode(b"k" * 24).decode().rstrip("=")) == b"k" * 24
