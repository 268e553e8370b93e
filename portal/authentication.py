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
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connections, router
from django.db.models import Exists, OuterRef

from portal.roles import PlatformRole

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


_USER_ID_PLACEHOLDER = -424242


@functools.cache
def _session_user_statement(alias):
    """(SQL, params, field names, annotation names) of the session user's query, made by the ORM once.

    Building the query with its subqueries costs the ORM some 5 ms each time, more than the queries it
    replaces; the statement never changes, so it is compiled once per process and database and only the
    user's id is put in. The annotations must all be registered before (``AppConfig.ready``).
    """
    model = get_user_model()
    annotations = _platform_role_annotations() | {name: make() for name, make in _SESSION_USER_ANNOTATIONS.items()}
    fields = [field.attname for field in model._meta.concrete_fields]
    query = (
        model._default_manager.using(alias)
        .annotate(**annotations)
        .filter(pk=_USER_ID_PLACEHOLDER)
        .values_list(*fields, *annotations)
        .query
    )
    compiler = query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if params.count(_USER_ID_PLACEHOLDER) != 1 or params[-1] != _USER_ID_PLACEHOLDER:
        raise ImproperlyConfigured("the session user's query does not end with the user's id")
    # What the ORM would do to each column's value (SQLite's datetimes and booleans, for instance).
    converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
    return sql, tuple(params[:-1]), fields, tuple(annotations), converters


def session_user_load(user_id):
    """The user ``user_id`` with the frame's facts as attributes, in one query; None if there is none."""
    model = get_user_model()
    alias = router.db_for_read(model)
    sql, params, fields, annotations, converters = _session_user_statement(alias)
    try:
        pk = model._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, pk))
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for position, (functions, expression) in converters.items():
        for convert in functions:
            row[position] = convert(row[position], expression, connection)
    user = model.from_db(alias, fields, row[: len(fields)])
    for name, value in zip(annotations, row[len(fields) :], strict=True):
        setattr(user, name, value)
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
