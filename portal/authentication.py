"""Who may sign in to the portal: persons only, never the principal user an API key acts as.

Also what a signed-in page's frame reads of its user, loaded with the user: every page asks whether the
person is platform staff (the nav, the top bar, scoping) and the top bar shows their unread notifications.
Asked separately, these were two more queries on every page; as subqueries of the one that loads the user
from the session they cost nothing more than that query. They are read at the start of the request, like
the user itself; a page that changes them before it renders (none does: marking read renders first or
redirects) would have to ask again.
"""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import Exists, OuterRef

from portal.roles import PlatformRole
from portal.statements import RowStatement

# name -> a function of no arguments answering an expression over the user row (``OuterRef("pk")``); the
# user loaded from the session carries its value as the attribute ``name``. Registered by the app whose
# facts they are (``session_user_annotation_register`` in its ``AppConfig.ready``).
_SESSION_USER_ANNOTATIONS = {}


def session_user_annotation_register(name, expression):
    """Load ``expression()`` (over ``OuterRef("pk")``) with every user a session names, as ``user.<name>``."""
    if not name.startswith("frame_"):
        raise ValueError(f"a session user's annotation is named frame_<what>, not {name!r}")
    _SESSION_USER_ANNOTATIONS[name] = expression
    _session_user_statement.cache_clear()


def _platform_role_annotations():
    through = get_user_model().groups.through
    return {
        f"frame_role_{role}": Exists(through.objects.filter(user_id=OuterRef("pk"), group__name=role))
        for role in PlatformRole.ALL
    }


@functools.cache
def _session_user_statement(alias):
    """The session user's query with its annotations (``portal.statements``: the ORM builds it once).

    Built with the ORM each time, its subqueries cost some 5 ms, more than the queries they replace. The
    annotations must all be registered before the first request (``AppConfig.ready``).
    """
    annotations = _platform_role_annotations() | {name: make() for name, make in _SESSION_USER_ANNOTATIONS.items()}
    return RowStatement(get_user_model(), alias, annotations)


def session_user_load(user_id):
    """The user ``user_id`` with the frame's facts as attributes, in one query; None if there is none."""
    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    user = _session_user_statement(router.db_for_read(model)).get(pk)
    if user is None:
        return None
    # What portal.roles reads of the groups for the request: the platform roles among them.
    user._platform_group_names = frozenset(role for role in PlatformRole.ALL if user.__dict__[f"frame_role_{role}"])
    return user


class PersonBackend(ModelBackend):
    """Django's password backend, refusing API key principals (``User.is_api_principal``).

    A principal is made with an unusable password, but an administrator could still set
    one; refusing it here closes both ways in at once: the sign-in form (``authenticate``)
    and any session that names a principal, which loads as anonymous (``get_user``), so a
    key's principal is only ever reached with its key, within its scopes.
    """

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not getattr(user, "is_api_principal", False)

    def get_user(self, user_id):
        """The session's user, with the platform roles it holds and the registered frame facts (one query)."""
        user = session_user_load(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
