"""listings asks takedowns about banned identities through a registered policy, never an upward import."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from listings import policies
from takedowns.penalties.bans import banned_identity_fields


def test_takedowns_registers_the_banned_identity_policy_at_start_up():
    assert policies.policy("banned_identity_fields") is banned_identity_fields


def test_an_unregistered_policy_is_an_error_not_a_silent_default(monkeypatch):
    monkeypatch.setattr(policies.REGISTRY, "_registered", {})
    with pytest.raises(ImproperlyConfigured, match="banned_identity_fields"):
        policies.policy("banned_identity_fields")


def test_registering_an_unknown_policy_is_refused():
    with pytest.raises(ImproperlyConfigured, match="no policy named 'banned_fields'"):
        policies.policy_register("banned_fields", lambda **hashes: [])
