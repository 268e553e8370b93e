"""Which rights holders a user acts for (portal.scoping answers which organisations)."""

from portal.models import OrganisationKind
from portal.roles import user_is_platform_staff
from portal.scoping import organisation_kinds_of
from rights_holders.acting import acting_roles_cached
from rights_holders.authority import vetting_authority
from rights_holders.models import RightsHolder


def rights_holder_ids_visible_to(user):
    """Rights holders the user belongs to, plus those an agent firm of theirs holds a valid letter for.

    The rule is ``rights_holders.authority.acting_authority``'s, read from the user's acting roles
    (``acting_roles_cached``): every signed-in page reads them for the top bar, so scoping pays no query
    of its own; a user in no brand or agent firm (a merchant, a reviewer) pays none at all.
    """
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_rights_holder_ids", None)
    if cached is None:
        cached = frozenset(role.rights_holder.pk for role in acting_roles_cached(user))
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
