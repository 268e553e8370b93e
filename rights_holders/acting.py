"""The brand a user works for now: the top bar's switcher, held in the session, re-checked on every request.

An agent firm's people act for every brand their firm holds a valid letter of authorisation for
(``rights_holders.authority``). The switcher lets them say which one they are working on; pages read
the choice with ``acting_role_current(request)`` (the filing form starts on it, for instance).

The session holds only the role's key ("<organisation id>:<rights holder id>"). It is never trusted:
each request compares it with the roles the user has now, so a letter that expired or was revoked, or
a membership that ended, drops the choice at the next page. Nothing is guessed: with no choice made
(or the choice gone), ``acting_role_current`` answers None ("all my brands"), except for a user with a
single role, who has nothing to choose.
"""

from datetime import UTC

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import pagecache
from portal.models import OrganisationKind
from portal.scoping import organisation_kinds_of
from rights_holders.authority import acting_roles_of

ACTING_SESSION_KEY = "rights_holders.acting_for"
BRAND_SIDE_KINDS = frozenset({OrganisationKind.RIGHTS_HOLDER, OrganisationKind.AGENT})


def acting_roles_cached(user):
    """``acting_roles_of(user)``, kept on the user object for the request; no query for a user in no brand
    or agent firm (a merchant, a reviewer)."""
    cached = getattr(user, "_acting_roles", None)
    if cached is None:
        kinds = set(organisation_kinds_of(user).values())
        if not BRAND_SIDE_KINDS & kinds:
            cached = []
        else:
            # The data decides them and, for an agent firm, the UTC calendar day its letters are judged on
            # (``LetterOfAuthorisation.objects.valid_at``): kept per data version and day (portal.pagecache).
            now = timezone.now()
            key = ("acting-roles", now.astimezone(UTC).date())
            cached = list(pagecache.version_memo(user, key, lambda: tuple(acting_roles_of(user, when=now))))
        user._acting_roles = cached
    return cached


def acting_role_current(request):
    """The role the user chose in the switcher, if it is still one of theirs; their only role if they have
    one; else None. A stale choice is dropped from the session."""
    user = request.user
    if not user.is_authenticated:
        return None
    roles = acting_roles_cached(user)
    chosen = request.session.get(ACTING_SESSION_KEY)
    if chosen:
        for role in roles:
            if role.key == chosen:
                return role
        request.session.pop(ACTING_SESSION_KEY, None)  # the letter or the membership is gone
    return roles[0] if len(roles) == 1 else None


def acting_role_choose(request, key):
    """Hold ``key`` (one of the user's roles' keys, or "" for all of them) as the user's choice.

    Returns the role (None for all); PermissionDenied when ``key`` is not one of the user's roles now.
    """
    if not key:
        request.session.pop(ACTING_SESSION_KEY, None)
        return None
    for role in acting_roles_cached(request.user):
        if role.key == key:
            request.session[ACTING_SESSION_KEY] = role.key
            return role
    raise PermissionDenied(_("You cannot act for that brand (no valid letter of authorisation)."))
