"""Keyed hashes of identifiers we compare but never keep in clear (payout accounts)."""

import hashlib
import hmac
import re

from django.conf import settings


def normalise_identifier(value):
    return re.sub(r"[\s\-./]", "", str(value)).upper()


def identity_hash(value):
    key = settings.IDENTITY_HASH_KEY.encode()
    return hmac.new(key, normalise_identifier(value).encode(), hashlib.sha256).hexdigest()
