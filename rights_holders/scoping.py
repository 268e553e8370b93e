"""Which rights holders a user acts for (portal.scoping answers which organisations)."""

from portal.scoping import organisation_ids_of
from rights_holders.authority import acting_authority


def rights_holder_ids_visible_to(user):
    """Rights holders the user belongs to, plus those an agent firm of theirs holds a valid letter for.

    The rule is ``rights_holders.authority.acting_authority``'s, read as ids.
    """
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_rights_holder_ids", None)
    if cached is None:
        holders, letters = acting_authority(organisation_ids_of(user))
        own = set(holders.values_list("id", flat=True))
        agented = set(letters.values_list("rights_holder_id", flat=True))
        cached = frozenset(own | agented)
        user._rights_holder_ids = cached
    return cached
