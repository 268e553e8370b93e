"""What an organisation's user may see. Every read goes through here.

Querysets call these from their ``visible_to(user)`` methods; views then use
``get_object_or_404(Model.objects.visible_to(user), pk=...)`` so another
organisation's object answers 404 exactly like a missing one.
"""

from portal.models import LetterOfAuthorisation, Membership, OrganisationKind


def organisation_ids_of(user):
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_organisation_ids", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
        user._organisation_ids = cached
    return cached


def rights_holder_ids_visible_to(user):
    """Rights holders the user belongs to, plus those an agent firm of theirs holds a valid letter for."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_rights_holder_ids", None)
    if cached is None:
        from rights_holders.models import RightsHolder

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


def letters_visible_to(user):
    if user.is_platform_staff:
        return LetterOfAuthorisation.objects.all()
    from django.db.models import Q

    orgs = organisation_ids_of(user)
    return LetterOfAuthorisation.objects.filter(Q(agent_id__in=orgs) | Q(rights_holder__organisation_id__in=orgs))
