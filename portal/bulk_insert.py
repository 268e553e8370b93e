"""Inserting many new rows of one model in one statement, for the set-based writers (``bulk_insert``).

Django's ``bulk_create`` sends every value of every row through its field's whole
save path (``pre_save``, ``get_db_prep_save``, the checks for expressions): for a
notice of 100 items, its events, audit entries and effects that is some 8,000
calls and a third of the filing's CPU. The rows the set paths insert hold plain
values the code has just set (strings, numbers, aware datetimes, ids, dicts), so
on PostgreSQL each column goes as one array, as ``bulk_create``'s own PostgreSQL
path sends it (``INSERT ... SELECT * FROM UNNEST(...)``); a value that is plain
for its column goes as it is, and any other value takes its field's own path, the
one ``bulk_create`` takes. What is written is what ``bulk_create`` writes: the same
columns, defaults, ``auto_now_add`` stamps, related objects' ids, returned ids.

Anything this does not do plainly is handed to ``bulk_create`` whole: another
database, an expression among the values, a field PostgreSQL cannot take in an
array, rows with and without their ids mixed, a value PostgreSQL computes and
returns (``db_default``).
"""

import datetime
import json
import uuid
from operator import attrgetter

from django.db import connections, models
from django.db.models.expressions import DatabaseDefault

# Field classes (exactly these, not subclasses, which may convert) whose plain Python values
# PostgreSQL takes as they are: text (any str, as CharField.to_python keeps it), and values of
# exactly these types (a bool is no integer here: the field's path makes it one).
_TEXT = {models.CharField, models.TextField, models.EmailField, models.SlugField, models.URLField}
_EXACT = {
    models.BooleanField: bool,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.SmallAutoField: int,
    models.UUIDField: uuid.UUID,
    models.DateField: datetime.date,
    models.DateTimeField: datetime.datetime,
}


def unsaved(model, **values):
    """``model(**values)``, made through the positional path Django takes for rows it reads.

    The keyword path costs several times more (an exception caught for each foreign key not
    named, a descriptor for each one named); the set paths make hundreds of rows a request.
    Every field gets its value or its default, in order; a related object given by name is
    cached on the row as the keyword path caches it. Anything else (a one-to-one, an object of
    another model, a name that is not a field) is left to ``model(**values)``, which says what
    is wrong with it.
    """
    plan = _PLANS.get(model)
    if plan is None:
        plan = _PLANS[model] = [
            (f.name, f.attname, f if f.is_relation else None, _default(f)) for f in model._meta.concrete_fields
        ]
    given = dict(values)
    args, related = [], []
    for name, attname, relation, default in plan:
        if relation is not None and name in given:
            obj = given.pop(name)
            if (
                relation.one_to_one
                or attname in given
                or (obj is not None and not isinstance(obj, relation.remote_field.model))
            ):
                return model(**values)
            related.append((relation, obj))
            args.append(None if obj is None else getattr(obj, relation.target_field.attname))
        else:
            value = given.pop(attname, _MISSING)
            args.append((default() if callable(default) else default.value) if value is _MISSING else value)
    if given:
        return model(**values)
    instance = model(*args)
    for relation, obj in related:
        relation.set_cached_value(instance, obj)
    return instance


_PLANS = {}
_MISSING = object()


class _Constant:
    def __init__(self, value):
        self.value = value


def _default(field):
    """What ``field.get_default()`` gives, as a function to call for each row or a ``_Constant``
    when it is the same every time (no default, or a default that is not callable: Django gives
    that very object to every row too)."""
    if type(field).get_default is not models.Field.get_default or field.has_db_default():
        return field.get_default
    if field.has_default():
        return field.default if callable(field.default) else _Constant(field.default)
    return _Constant(field.get_default())


def bulk_insert(objs, *, ignore_conflicts=False, using="default"):
    """Insert ``objs`` (new instances of one model) as ``bulk_create`` does; returns them.

    Each gets its id (not with ``ignore_conflicts``: as with ``bulk_create``, a row
    skipped for a conflict has none, so none is given), and is marked saved.
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    manager = model._base_manager.db_manager(using)
    connection = connections[using]
    if connection.vendor != "postgresql" or any(type(obj) is not model for obj in objs):
        return manager.bulk_create(objs, ignore_conflicts=ignore_conflicts)
    pk = model._meta.pk
    with_pk = [obj.pk is not None for obj in objs]
    if any(with_pk) and not all(with_pk) or model._meta.parents or model._meta.db_returning_fields != [pk]:
        return manager.bulk_create(objs, ignore_conflicts=ignore_conflicts)
    fields = [f for f in model._meta.concrete_fields if f is not pk or all(with_pk)]
    for field in fields:
        target = field.target_field if field.is_relation else field
        if hasattr(field, "get_placeholder") or target.get_internal_type() not in connection.data_types:
            return manager.bulk_create(objs, ignore_conflicts=ignore_conflicts)
    columns = []
    for field in fields:
        values = _column(field, objs, connection)
        if values is None:
            return manager.bulk_create(objs, ignore_conflicts=ignore_conflicts)
        columns.append(values)

    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    arrays = ", ".join(f"%s::{field.db_type(connection).split('(')[0]}[]" for field in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT * FROM UNNEST({arrays})"  # noqa: S608
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    returning = not ignore_conflicts and not all(with_pk)
    if returning:
        sql += f" RETURNING {quote(pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, columns)
        if returning:
            for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = value
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs


def _column(field, objs, connection):
    """The column of ``field`` for ``objs`` as PostgreSQL is sent it; None when it needs ``bulk_create``.

    A column of plain values goes as one array literal (``'{"a","b",NULL}'``), which the server
    reads with the array type's input function. psycopg2 would send a list as ``ARRAY['a', 'b',
    NULL]``: one expression per value for the server to parse, and for the client between 1 and
    4 microseconds a value (an integer, an instant, a UUID), several times what writing the
    literal costs. A column with any other value goes as a list, each value through its field.
    """
    kind = type(field.target_field if field.is_relation else field)
    if field.is_relation:
        values = list(map(attrgetter(field.attname), objs))
        if None in values:
            values = [
                _related_id(field, obj) if value is None else value for obj, value in zip(objs, values, strict=True)
            ]
            if _UNSAVED in values:
                return None
    elif (kind in _TEXT or kind in _EXACT or kind is models.JSONField) and not (
        getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ):
        values = list(map(attrgetter(field.attname), objs))
    else:
        values = [field.pre_save(obj, True) for obj in objs]  # auto_now_add stamps the instance, as in bulk_create
    if kind is models.JSONField and not field.is_relation:
        if any(hasattr(value, "resolve_expression") for value in values):
            return None
        encoder = field.encoder
        # None is SQL NULL, as the field stores it.
        return _literal([None if value is None else _quoted(json.dumps(value, cls=encoder)) for value in values])
    # The common case, told by the set of the values' types: every value plain for its column.
    types = set(map(type, values)) - {type(None)}
    if kind in _TEXT:
        if all(issubclass(t, str) for t in types):  # choices' members are strings too
            return _literal([None if value is None else _quoted(value) for value in values])
    elif types <= {_EXACT.get(kind)} and (
        datetime.datetime not in types or all(value.tzinfo is not None for value in values if value is not None)
    ):
        write = _WRITE[_EXACT[kind]] if types else None
        return _literal([None if value is None else write(value) for value in values])
    out = []
    for value in values:
        if value is None or _plain(kind, value):
            out.append(value)
        elif isinstance(value, DatabaseDefault) or hasattr(value, "resolve_expression"):
            return None
        else:
            out.append(field.get_db_prep_save(value, connection))
    return out


def _plain(kind, value):
    """Whether PostgreSQL takes ``value`` as it is in a column of this field class (a naive datetime
    takes the field's path: its warning, the current zone)."""
    if kind in _TEXT:
        return isinstance(value, str)
    return type(value) is _EXACT.get(kind) and (type(value) is not datetime.datetime or value.tzinfo is not None)


def _quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# How a plain value is written in an array literal: as PostgreSQL reads it, and as psycopg2 would
# write it alone (an instant by isoformat(), in its zone).
_WRITE = {
    bool: lambda value: "t" if value else "f",
    int: str,
    uuid.UUID: str,
    datetime.date: datetime.date.isoformat,
    datetime.datetime: datetime.datetime.isoformat,
}


def _literal(elements):
    return "{" + ",".join(["NULL" if element is None else element for element in elements]) + "}"


_UNSAVED = object()


def _related_id(field, obj):
    """The id a foreign key writes; a related object saved after it was assigned (an event of an item
    inserted since) gives its id now, as bulk_create's ``_prepare_related_fields_for_save`` takes it."""
    value = getattr(obj, field.attname)
    if value is None:
        related = field.get_cached_value(obj, None)
        if related is not None:
            if related.pk is None:
                return _UNSAVED  # bulk_create refuses it with its own message
            value = getattr(related, field.target_field.attname)
            setattr(obj, field.attname, value)
    return value
