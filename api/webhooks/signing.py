"""Secrets and signatures of the Standard Webhooks specification (symmetric, ``v1``).

The secret is ``whsec_`` and the base64 of 32 random bytes; the signature of a
message is ``v1,`` and the base64 of HMAC-SHA256, keyed with the decoded
secret, of ``<webhook-id>.<webhook-timestamp>.<body>``. Several signatures go
in one header, separated by spaces (during a secret rotation).
"""

import base64
import binascii
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 (the specification's prefix, not a secret)
SECRET_BYTES = 32


def secret_generate():
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret):
    """The HMAC key of a ``whsec_`` secret (its base64-decoded bytes)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not a whsec_ secret") from exc
    if not key:
        raise ValueError("an empty secret")
    return key


def signature(secret, *, msg_id, timestamp, body):
    """``v1,<base64>`` for one message; ``timestamp`` is whole seconds since the epoch, ``body`` the exact text."""
    to_sign = f"{msg_id}.{int(timestamp)}.{body}".encode()
    digest = hmac.new(secret_key(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_in_use, *, msg_id, timestamp, body):
    """The ``webhook-signature`` value: one signature per secret in use, space-separated."""
    return " ".join(signature(s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets_in_use)
