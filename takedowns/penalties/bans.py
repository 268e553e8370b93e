"""A banned merchant's identifiers, kept as keyed hashes so re-registration can be refused."""

from dataclasses import dataclass

from django.db.models import Q

from portal.bulk_insert import bulk_insert
from portal.identity import identity_hash
from takedowns.models import BannedIdentity, IdentityKind, Sanction, SanctionKind

# The registration fields of listings.services.merchant_register and the identifier each one is.
REGISTRATION_FIELD_KINDS = {
    "business_licence_number": IdentityKind.LICENCE,
    "contact_phone": IdentityKind.PHONE,
    "payout_account": IdentityKind.PAYOUT,
}


def banned_identity_fields(**hashes):
    """The registration fields (name -> keyed hash) whose identifier is under a live ban.

    Registered as listings' ``banned_identity_fields`` policy: merchant registration refuses them.
    """
    wanted = {field: (REGISTRATION_FIELD_KINDS[field], value) for field, value in hashes.items() if value}
    banned = identities_banned(wanted.values())
    return [field for field, identity in wanted.items() if identity in banned]


@dataclass(frozen=True, slots=True)
class IdentityBan:
    """Who is banned under an identifier, and since when (the ban's decision)."""

    merchant_id: int
    banned_at: object


def identities_banned(identities):
    """{(kind, keyed hash): IdentityBan} for those of ``identities`` under a live ban, in one query.

    The ban register's rule, for one identifier or many: an identifier is banned while a row
    for it is not lifted (a reversed ban lifts its rows; ``merchant_bans_restore`` re-bans).
    """
    by_kind = {}
    for kind, value in identities:
        if value:
            by_kind.setdefault(kind, set()).add(value)
    if not by_kind:
        return {}
    wanted = Q()
    for kind, values in by_kind.items():
        wanted |= Q(kind=kind, identity_hash__in=values)
    rows = (
        BannedIdentity.objects.filter(wanted, lifted_at__isnull=True)
        .order_by()
        .values_list("kind", "identity_hash", "merchant_id", "sanction__starts_at")
    )
    return {(kind, value): IdentityBan(merchant_id, banned_at) for kind, value, merchant_id, banned_at in rows}


def merchants_banned():
    """The merchants under a live ban, as a subquery of merchant ids: those with an identifier banned.

    A ban always registers the merchant's own business licence (unique to it), so every banned
    merchant has a live row until the ban is reversed.
    """
    return BannedIdentity.objects.filter(lifted_at__isnull=True).values("merchant_id")


def merchant_identities(merchant, stores):
    identities = {(IdentityKind.LICENCE, identity_hash(merchant.business_licence_number))}
    if merchant.contact_phone:
        identities.add((IdentityKind.PHONE, identity_hash(merchant.contact_phone)))
    identities |= {(IdentityKind.PAYOUT, s.payout_account_hash) for s in stores if s.payout_account_hash}
    return sorted(identities)


def banned_identity_rows(ban, *, merchant, stores, now):
    """The unsaved BannedIdentity rows of ``ban``: the merchant's licence, phone and payout accounts."""
    return [
        BannedIdentity(kind=kind, identity_hash=value, merchant=merchant, sanction=ban, created_at=now)
        for kind, value in merchant_identities(merchant, stores)
    ]


def banned_identities_insert(rows):
    """Insert banned identities; one live row per identifier: one already banned (another ban, another
    merchant) stays banned by it."""
    bulk_insert(rows, ignore_conflicts=True)


def merchant_identities_ban(ban, *, merchant, stores, now):
    """Ban the merchant's licence, phone and payout accounts under `ban`. Returns the kinds banned."""
    rows = banned_identity_rows(ban, merchant=merchant, stores=stores, now=now)
    banned_identities_insert(rows)
    return sorted({row.kind for row in rows})


def merchant_bans_restore(merchant, *, stores, now):
    """After lifting a reversed ban's identities, re-ban those another live ban of the merchant still covers."""
    for ban in Sanction.objects.filter(
        store__merchant=merchant, kind=SanctionKind.BAN, reversed_at__isnull=True
    ).order_by("pk"):
        merchant_identities_ban(ban, merchant=merchant, stores=stores, now=now)
