"""Merchant registration and listing creation, with the penalty ladder's refusals.

A banned merchant cannot come back under the same business licence, phone
or payout account (compared as keyed hashes, portal.identity), and a store
under a listing restriction, closed or banned cannot add listings.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from listings.models import Listing, Merchant, Store, StoreStatus
from listings.policies import policy
from portal.audit import audit_log_record
from portal.identity import identity_hash
from portal.models import Membership, MembershipRole, Organisation, OrganisationKind
from portal.organisations import organisation_slug_for

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
    with transaction.atomic():
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


def store_refusal(store, *, now):
    """Why this store may not add listings now, or None."""
    if store.status in {StoreStatus.CLOSED, StoreStatus.BANNED}:
        return f"Store \u201c{store.name}\u201d is {store.get_status_display().lower()} and cannot add listings."
    if store.status == StoreStatus.SUSPENDED:
        return f"Store \u201c{store.name}\u201d is suspended and cannot add listings."
    if store.status == StoreStatus.RESTRICTED and store.restricted_until and store.restricted_until > now:
        return (
            f"Store \u201c{store.name}\u201d may not add new listings until "
            f"{store.restricted_until:%Y-%m-%d %H:%M} UTC (a penalty restriction)."
        )
    return None


def listing_create(*, store, external_id, title, category, price, currency="EUR", description="", actor=None, now=None):
    """Add a listing to a store; refused while the store is restricted, suspended, closed or banned."""
    now = now or timezone.now()
    with transaction.atomic():
        # Locked so a restriction being applied right now is seen.
        store = Store.objects.select_for_update(of=("self",)).select_related("merchant__organisation").get(pk=store.pk)
        refusal = store_refusal(store, now=now)
        if refusal:
            raise ValidationError(refusal, code=f"store_{store.status}")
        if Listing.objects.filter(external_id=external_id).exists():
            raise ValidationError({"external_id": f"A listing with id {external_id} exists already."})
        listing = Listing.objects.create(
            store=store,
            external_id=external_id,
            title=title,
            description=description,
            category=category,
            price=price,
            currency=currency,
            created_at=now,
            updated_at=now,
        )
        audit_log_record(
            action="listings.listing.created",
            actor=actor,
            obj=listing,
            organisation=store.merchant.organisation,
            data={"store": store.pk},
        )
        return listing
