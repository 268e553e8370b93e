"""Policies a higher app supplies to listings (STYLE.md habit 15: layers, enforced).

A merchant banned from the marketplace cannot register again under the same
business licence, phone or payout account. The bans themselves are consequences
of the penalty ladder: ``takedowns`` writes and lifts them (``takedowns.penalties.bans``).
Rather than import upwards, listings names the question it asks at registration and
takedowns registers the function that answers it in its ``AppConfig.ready``.

A policy that nobody registered is an error, never a silent default: a portal
without the takedowns app would otherwise let every banned merchant back in.
"""

from portal.policies import PolicyRegistry

POLICIES = {
    # (**hashes: registration field -> keyed hash or "") -> the fields whose identifier is under a live ban.
    "banned_identity_fields": "**hashes -> list[str]",
}

REGISTRY = PolicyRegistry(asker="listings", answerer="takedowns", policies=POLICIES)
policy_register = REGISTRY.register
policy = REGISTRY.get
