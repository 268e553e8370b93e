"""A banned merchant's identifiers, kept as keyed hashes so re-registration can be refused."""

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
    return [
        field
        for field, value in hashes.items()
        if value
        and BannedIdentity.objects.filter(
            kind=REGISTRATION_FIELD_KINDS[field], identity_hash=value, lifted_at__isnull=True
        ).exists()
    ]


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
