"""Which rights holders a user acts for (portal.scoping answers which organisations)."""

from portal.models import OrganisationKind
from portal.roles import user_is_platform_staff
from portal.scoping import organisation_ids_of, organisation_kinds_of
from rights_holders.authority import acting_authority, vetting_authority
from rights_holders.models import RightsHolder


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


def rights_holder_ids_vetted_by(user):
    """Rights holders a partner of the user's vets (``rights_holders.authority.vetting_authority``), as ids.

    The partner files for them; they are not among ``rights_holder_ids_visible_to`` unless the user also
    acts for them (own staff, or a letter).
    """
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_rights_holder_ids_vetted", None)
    if cached is None:
        kinds = organisation_kinds_of(user)
        partners = {pk for pk, kind in kinds.items() if kind == OrganisationKind.PARTNER}
        # Only a partner organisation vets: nobody else pays a query to learn that.
        cached = frozenset(vetting_authority(partners).values_list("id", flat=True)) if partners else frozenset()
        user._rights_holder_ids_vetted = cached
    return cached


def rights_holders_readable_by(user):
    """The brands whose settings and screening ``user`` may read: platform staff every one (for audit), anyone
    else those they act for (``rights_holder_ids_visible_to``). Reading is not acting: changes keep their own
    rules (an owner for the opt-in, the brand's people for its intelligence)."""
    if user_is_platform_staff(user):
        return RightsHolder.objects.order_by("legal_name", "pk")
    return RightsHolder.objects.filter(pk__in=rights_holder_ids_visible_to(user)).order_by("legal_name", "pk")
