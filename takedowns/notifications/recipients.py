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
from takedowns.models import Channel


@dataclass(frozen=True)
class Recipient:
    user: User
    organisation: Organisation | None


class RecipientDirectory:
    """The organisations' people a batch of notifications goes to, read once for all of them.

    ``owner_orgs``: organisations whose owners are read; ``member_orgs``: organisations
    whose members are. Two queries at most, whatever the number of notices and items;
    one notice or item is a directory of its own organisations.
    """

    def __init__(self, *, owner_orgs=(), member_orgs=()):
        self._owners = self._read(set(owner_orgs) - {None}, role=MembershipRole.OWNER)
        self._members = self._read(set(member_orgs) - {None})

    @staticmethod
    def _read(organisation_ids, **filters):
        found = {organisation_id: [] for organisation_id in organisation_ids}
        if organisation_ids:
            for membership in (
                Membership.objects.people()
                .filter(organisation_id__in=organisation_ids, user__is_active=True, **filters)
                .select_related("user", "organisation")
                .order_by("user_id")
            ):
                found[membership.organisation_id].append(membership)
        return found

    def owners(self, organisation_ids):
        return [m for organisation_id in organisation_ids for m in self._owners[organisation_id]]

    def members(self, organisation_id):
        return self._members[organisation_id]


def filer_side_orgs(notice):
    """The organisations whose owners hear about a notice: its rights holder's and the filing one.

    A proactive notice's filer is the marketplace itself, which follows its screening elsewhere:
    only the brand it filed for hears about it.
    """
    if notice.channel == Channel.PROACTIVE:
        return {notice.rights_holder.organisation_id}
    return {notice.rights_holder.organisation_id, notice.filer_organisation_id} - {None}


def merchant_side_org(item):
    return item.listing.store.merchant.organisation_id


def filer_side_recipients(notice, directory=None):
    """The filer, then the owners of the holder and of the filing organisation; each user once."""
    found = {}
    holder_org_id = notice.rights_holder.organisation_id
    if notice.filed_by_id and notice.filed_by.is_active and not notice.filed_by.is_api_principal:
        org = notice.filer_organisation if notice.filer_organisation_id else notice.rights_holder.organisation
        found[notice.filed_by_id] = Recipient(notice.filed_by, org)
    org_ids = filer_side_orgs(notice)
    directory = directory or RecipientDirectory(owner_orgs=org_ids)
    # The holder's owners first.
    owners = sorted(directory.owners(org_ids), key=lambda m: (m.organisation_id != holder_org_id, m.user_id))
    for membership in owners:
        found.setdefault(membership.user_id, Recipient(membership.user, membership.organisation))
    return list(found.values())


def merchant_side_recipients(item, directory=None):
    """Every active member of the merchant organisation behind the listing's store."""
    organisation_id = merchant_side_org(item)
    directory = directory or RecipientDirectory(member_orgs=[organisation_id])
    return [Recipient(m.user, m.organisation) for m in directory.members(organisation_id)]
