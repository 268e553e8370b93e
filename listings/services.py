"""Merchant registration and listing creation, with the penalty ladder's refusals.

A banned merchant cannot come back under the same business licence, phone
or payout account (compared as keyed hashes, portal.identity), and a store
under a listing restriction, closed or banned cannot add listings
(``store_refusal``, applied to one listing here and to many by the ingest:
both go through ``listings.catalogue.listings_apply``).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError

from listings.catalogue import ListingAction, ListingChange, listings_apply
from listings.models import Merchant, Store
from listings.policies import policy
from portal.audit import audit_log_record
from portal.identity import identity_hash
from portal.models import Membership, MembershipRole, Organisation, OrganisationKind
from portal.organisations import organisation_slug_for
from portal.transactions import durable_atomic

BANNED_MESSAGES = {
    "business_licence_number": "This business licence number belongs to a merchant permanently banned from the "
    "marketplace; it cannot register a store again.",
    "contact_phone": "This phone number belongs to a merchant permanently banned from the marketplace; "
    "register with a phone number of your own.",
    "payout_account": "This payout account belongs to a merchant permanently banned from the marketplace; "
    "it cannot receive payouts for a new store.",
}


def _refuse_banned(actor, **hashes):
    banned = policy("banned_identity_fields")(**hashes)
    if banned:
        # Recorded outside any transaction the caller rolls back: attempts to come back are worth knowing.
        audit_log_record(action="listings.merchant.registration_refused", actor=actor, data={"banned": banned})
        raise ValidationError({field: BANNED_MESSAGES[field] for field in banned}, code="banned_identity")


def merchant_register(
    *,
    legal_name,
    business_licence_number,
    contact_phone,
    store_name,
    payout_account,
    region,
    city,
    contact_email="",
    address="",
    security_deposit=Decimal("0"),
    owner=None,
    actor=None,
):
    """Register a merchant with its organisation and first store; refused for banned identities."""
    payout_hash = identity_hash(payout_account)
    _refuse_banned(
        actor,
        business_licence_number=identity_hash(business_licence_number),
        contact_phone=identity_hash(contact_phone),
        payout_account=payout_hash,
    )
    if Merchant.objects.filter(business_licence_number=business_licence_number).exists():
        raise ValidationError({"business_licence_number": "A merchant with this business licence is registered."})
    with durable_atomic():
        organisation = Organisation.objects.create(
            name=legal_name,
            kind=OrganisationKind.MERCHANT,
            contact_email=contact_email,
            slug=organisation_slug_for(legal_name),
        )
        if owner is not None:
            Membership.objects.create(user=owner, organisation=organisation, role=MembershipRole.OWNER)
        merchant = Merchant.objects.create(
            organisation=organisation,
            legal_name=legal_name,
            business_licence_number=business_licence_number,
            contact_phone=contact_phone,
            contact_email=contact_email,
            address=address,
        )
        store = Store.objects.create(
            merchant=merchant,
            name=store_name,
            payout_account_hash=payout_hash,
            payout_account_last4=str(payout_account)[-4:],
            region=region,
            city=city,
            security_deposit=security_deposit,
        )
        audit_log_record(
            action="listings.merchant.registered",
            actor=actor,
            obj=merchant,
            organisation=organisation,
            data={"store": store.pk},
        )
        return merchant


def listing_create(*, store, external_id, title, category, price, currency="EUR", description="", actor=None, now=None):
    """Add a listing to a store; refused while the store is restricted, suspended, closed or banned.

    The rules are listings.catalogue's, the same as the bulk ingest's: a ValidationError
    names the field (a refused store is the listing as a whole).
    """
    applied = listings_apply(
        [
            ListingChange(
                external_id=external_id,
                action=ListingAction.CREATE,
                store_public_id=store.public_id,
                values={
                    "title": title,
                    "category": category,
                    "price": price,
                    "currency": currency,
                    "description": description,
                },
            )
        ],
        actor=actor,
        now=now,
    )
    _raise_first(applied)
    return applied.outcomes[0].listing


def listing_remove(*, listing, actor=None, now=None):
    """Take a listing off the marketplace (status ``removed``); removing it again changes nothing."""
    applied = listings_apply(
        [ListingChange(external_id=listing.external_id, action=ListingAction.REMOVE)], actor=actor, now=now
    )
    _raise_first(applied)
    return applied.outcomes[0].listing


def _raise_first(applied):
    if not applied.errors:
        return
    error = applied.errors[0]
    if error.field == "store":
        raise ValidationError(error.message, code=error.code)
    raise ValidationError({error.field or "external_id": ValidationError(error.message, code=error.code)})
