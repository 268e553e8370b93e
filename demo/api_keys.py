"""The demo world's API keys: one per kind of organisation, so whoever runs the demo can call the API at once.

Their secrets are published, like the demo password: each is derived from a fixed label
and the demo's seed, so every run of ``seed_demo`` (and every machine) prints the same
keys and a second run creates nothing new. They are made by ``api.keys.api_key_create``,
the service behind the owner's page and the operators' command, with a preset id and
secret (``demo<kind>``), so the scope rules hold for them as for any key: only the
marketplace's key carries ``listings:ingest``.

A demo key that someone revoked in the portal stays revoked: the report says so, and
shows no secret for it.
"""

import base64
import hashlib
from dataclasses import dataclass

from api.keys import KEY_PREFIX, api_key_create, api_key_find
from api.models import ApiKey
from demo.world_data import AGENT, MARKETPLACE, MERCHANTS, PARTNER, SEED
from portal.models import Organisation

DEMO_KEY_NAME = "Demo key (published secret)"

# (kind, key id, organisation, scopes): what an integration of each kind of organisation would use.
DEMO_API_KEYS = [
    (
        "rights holder",
        "demobrand",
        "Northwind Athletics",
        [
            "assets:read",
            "assets:write",
            "listings:read",
            "notices:read",
            "notices:write",
            "good_faith:read",
            "alerts:read",
            "alerts:write",
            "intelligence:read",
            "intelligence:write",
            "webhooks:manage",
        ],
    ),
    (
        "agent",
        "demoagent",
        AGENT["name"],
        [
            "assets:read",
            "assets:write",
            "listings:read",
            "notices:read",
            "notices:write",
            "good_faith:read",
            "alerts:read",
            "alerts:write",
            "intelligence:read",
            "intelligence:write",
        ],
    ),
    (
        "partner",
        "demopartner",
        PARTNER["name"],
        ["assets:read", "listings:read", "notices:read", "notices:write", "good_faith:read", "webhooks:manage"],
    ),
    # The demo merchant's organisation (demo-merchant): items against its listings, counter-notices.
    ("merchant", "demomerchant", MERCHANTS[1][0], ["listings:read", "notices:read", "counter_notices:write"]),
    ("marketplace", "demomarketplace", MARKETPLACE["name"], ["listings:read", "listings:ingest"]),
]


@dataclass(frozen=True)
class DemoKey:
    kind: str
    organisation: str
    scopes: tuple
    # The key to send, or None when it no longer works (revoked in the portal since).
    secret: str | None
    created: bool


def demo_key_secret(key_id):
    """The published secret of the demo key ``key_id``: the same on every run and every machine."""
    digest = hashlib.sha256(f"takedown-portal demo API key {key_id} {SEED}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def demo_api_keys_seed():
    """Create the demo keys that do not exist yet (inside the caller's transaction); return every one of them."""
    keys = []
    for kind, key_id, organisation_name, scopes in DEMO_API_KEYS:
        organisation = Organisation.objects.get(name=organisation_name)
        secret = demo_key_secret(key_id)
        existing = ApiKey.objects.filter(key_id=key_id).first()
        if existing is None:
            key, full = api_key_create(
                organisation=organisation, name=DEMO_KEY_NAME, scopes=scopes, preset=(key_id, secret)
            )
            keys.append(DemoKey(kind, organisation.name, tuple(sorted(key.scopes_in_force)), full, created=True))
            continue
        full = f"{KEY_PREFIX}{key_id}_{secret}"
        usable = api_key_find(full) is not None
        scopes = tuple(sorted(existing.scopes_in_force))
        keys.append(DemoKey(kind, existing.organisation.name, scopes, full if usable else None, created=False))
    return keys
