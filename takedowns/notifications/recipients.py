"""Who hears about an item: the filer side and the merchant side.

Filer side: the user who filed the notice, plus the owners of the rights
holder's organisation and of the filing organisation (an agent or a partner),
so a brand hears about its own complaints even when a colleague or its law
firm filed them. Merchant side: every member of the merchant organisation
whose store holds the listing, because a counter-notice deadline must reach
whoever is at work. Inactive users are never notified, nor the principal users
API keys act as (they are members only to see what their organisation sees):
members are read through ``Membership.objects.people()``, and a notice filed
with a key has no person as its filer.
"""

from dataclasses import dataclass

from portal.models import Membership, MembershipRole, Organisation, User


@dataclass(frozen=True)
class Recipient:
    user: User
    organisation: Organisation | None


def _owners(organisation_ids):
    return (
        Membership.objects.people()
        .filter(organisation_id__in=organisation_ids, role=MembershipRole.OWNER, user__is_active=True)
        .select_related("user", "organisation")
        .order_by("user_id")
    )


def filer_side_recipients(notice):
    """The filer, then the owners of the holder and of the filing organisation; each user once."""
    found = {}
    holder_org_id = notice.rights_holder.organisation_id
    if notice.filed_by_id and notice.filed_by.is_active and not notice.filed_by.is_api_principal:
        org = notice.filer_organisation if notice.filer_organisation_id else notice.rights_holder.organisation
        found[notice.filed_by_id] = Recipient(notice.filed_by, org)
    org_ids = {holder_org_id, notice.filer_organisation_id} - {None}
    # One query for both organisations; the holder's owners first.
    owners = sorted(_owners(org_ids), key=lambda m: (m.organisation_id != holder_org_id, m.user_id))
    for membership in owners:
        found.setdefault(membership.user_id, Recipient(membership.user, membership.organisation))
    return list(found.values())


def merchant_side_recipients(item):
    """Every active member of the merchant organisation behind the listing's store."""
    organisation_id = item.listing.store.merchant.organisation_id
    memberships = (
        Membership.objects.people()
        .filter(organisation_id=organisation_id, user__is_active=True)
        .select_related("user", "organisation")
        .order_by("user_id")
    )
    return [Recipient(m.user, m.organisation) for m in memberships]
