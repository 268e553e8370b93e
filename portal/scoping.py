"""What an organisation's user may see. Every read goes through here.

Querysets call these from their ``visible_to(user)`` methods; views then use
``get_object_or_404(Model.objects.visible_to(user), pk=...)`` so another
organisation's object answers 404 exactly like a missing one. What depends on a
higher app's models lives in that app (``rights_holders.scoping``).
"""

import functools
from dataclasses import dataclass

from django.db import router
from django.db.models import Q

from portal import pagecache
from portal.models import LetterOfAuthorisation, Membership
from portal.statements import ValuesStatement


@dataclass(frozen=True)
class MembershipSummary:
    """What the top bar and the scoping rules read of one of the user's memberships."""

    organisation_id: int
    organisation_name: str
    organisation_kind: str
    role: str


def memberships_of(user):
    """The user's memberships, by organisation name; one query, kept on the user object (one request) and in
    the process until the data changes (``portal.pagecache.version_memo``).

    Scoping (``organisation_kinds_of``) and the top bar (the organisation and the role) both read it, so a
    page pays for it once.
    """
    if not user.is_authenticated:
        return ()
    cached = getattr(user, "_memberships_summary", None)
    if cached is None:

        def read():
            rows = _memberships_statement(router.db_for_read(Membership)).rows(user.pk)
            return tuple(MembershipSummary(*row) for row in rows)

        # Only data decides them: kept per data version across the user's pages (portal.pagecache).
        cached = user._memberships_summary = pagecache.version_memo(user, "memberships", read)
    return cached


def _memberships_of_user(user_id):
    return (
        Membership.objects.filter(user_id=user_id)
        .order_by("organisation__name", "organisation_id")
        .values_list("organisation_id", "organisation__name", "organisation__kind", "role")
    )


@functools.cache
def _memberships_statement(alias):
    # Every signed-in page of a member reads it (the top bar, scoping): compiled once (portal.statements).
    return ValuesStatement(_memberships_of_user, alias)


def organisation_kinds_of(user):
    """{organisation id: kind} of the user's organisations (``memberships_of``: one query a request)."""
    return {m.organisation_id: m.organisation_kind for m in memberships_of(user)}


def organisation_ids_of(user):
    return frozenset(organisation_kinds_of(user))


def letters_visible_to(user):
    if user.is_platform_staff:
        return LetterOfAuthorisation.objects.all()
    orgs = organisation_ids_of(user)
    return LetterOfAuthorisation.objects.filter(Q(agent_id__in=orgs) | Q(rights_holder__organisation_id__in=orgs))
