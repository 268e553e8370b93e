"""Which rights holders a user acts for (portal.scoping answers which organisations)."""

from portal.models import LetterOfAuthorisation, OrganisationKind
from portal.scoping import organisation_ids_of
from rights_holders.models import RightsHolder


def rights_holder_ids_visible_to(user):
    """Rights holders the user belongs to, plus those an agent firm of theirs holds a valid letter for."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_rights_holder_ids", None)
    if cached is None:
        orgs = organisation_ids_of(user)
        own = set(RightsHolder.objects.filter(organisation_id__in=orgs).values_list("id", flat=True))
        agented = set(
            LetterOfAuthorisation.objects.valid_at()
            .filter(agent_id__in=orgs, agent__kind=OrganisationKind.AGENT)
            .values_list("rights_holder_id", flat=True)
        )
        cached = frozenset(own | agented)
        user._rights_holder_ids = cached
    return cached
