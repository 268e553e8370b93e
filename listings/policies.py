"""Policies a higher app supplies to listings (STYLE.md habit 15: layers, enforced).

A merchant banned from the marketplace cannot register again under the same
business licence, phone or payout account. The bans themselves are consequences
of the penalty ladder: ``takedowns`` writes and lifts them (``takedowns.penalties.bans``).
Rather than import upwards, listings names the question it asks at registration and
takedowns registers the function that answers it in its ``AppConfig.ready``.

A policy that nobody registered is an error, never a silent default: a portal
without the takedowns app would otherwise let every banned merchant back in.
"""

from django.core.exceptions import ImproperlyConfigured

POLICIES = {
    # (**hashes: registration field -> keyed hash or "") -> the fields whose identifier is under a live ban.
    "banned_identity_fields": "**hashes -> list[str]",
}

_registered = {}


def policy_register(name, function):
    """Register ``function`` as the answer to policy ``name`` (called from ``AppConfig.ready``)."""
    if name not in POLICIES:
        raise ImproperlyConfigured(f"listings asks for no policy named {name!r}; known: {', '.join(POLICIES)}.")
    _registered[name] = function


def policy(name):
    """The function registered for policy ``name``; an error when none was."""
    try:
        return _registered[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"No app registered the listings policy {name!r}; is takedowns in INSTALLED_APPS?"
        ) from None
