"""What an organisation's user may see. Every read goes through here.

Querysets call these from their ``visible_to(user)`` methods; views then use
``get_object_or_404(Model.objects.visible_to(user), pk=...)`` so another
organisation's object answers 404 exactly like a missing one. What depends on a
higher app's models lives in that app (``rights_holders.scoping``).
"""

from django.db.models import Q

from portal.models import LetterOfAuthorisation, Membership


def organisation_kinds_of(user):
    """{organisation id: kind} of the user's organisations; one query, kept on the user object (one request)."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_organisation_kinds", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organisation_id", "organisation__kind"))
        user._organisation_kinds = cached
    return cached


def organisation_ids_of(user):
    return frozenset(organisation_kinds_of(user))


def letters_visible_to(user):
    if user.is_platform_staff:
        return LetterOfAuthorisation.objects.all()
    orgs = organisation_ids_of(user)
    return LetterOfAuthorisation.objects.filter(Q(agent_id__in=orgs) | Q(rights_holder__organisation_id__in=orgs))
