"""Queries of every request, compiled by the ORM once per process: only a row's id changes between requests.

The ORM builds and compiles a query afresh each time it runs, about 0.5 ms of Python for a plain one and
several for one with subqueries. For the few queries every signed-in page makes before its own content
(the session's user, the session's authenticator), whose SQL never changes, that work is done once: the
ORM still writes the SQL (right for each database) and converts the row's values as it would.
"""

import functools

from django.core.exceptions import ImproperlyConfigured
from django.db import connections

_ID_PLACEHOLDER = -424242


class RowStatement:
    """One row of ``model`` by primary key, with ``annotations`` (name -> expression) as extra columns."""

    def __init__(self, model, alias, annotations=None):
        annotations = annotations or {}
        self.model = model
        self.alias = alias
        self.fields = [field.attname for field in model._meta.concrete_fields]
        self.annotations = tuple(annotations)
        query = (
            model._default_manager.using(alias)
            .annotate(**annotations)
            .filter(pk=_ID_PLACEHOLDER)
            .values_list(*self.fields, *self.annotations)
            .query
        )
        compiler = query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        # The key's field writes the placeholder as its own type (a session key is text).
        if [str(param) for param in params].count(str(_ID_PLACEHOLDER)) != 1 or str(params[-1]) != str(_ID_PLACEHOLDER):
            raise ImproperlyConfigured(f"{model.__name__}'s row statement does not end with its id")
        self.params = tuple(params[:-1])
        # What the ORM would do to each column's value (SQLite's datetimes and booleans, for instance).
        self.converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])

    def get(self, pk):
        """The instance whose primary key is ``pk`` (already of the key's type), annotations set; or None."""
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, (*self.params, pk))
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, (functions, expression) in self.converters.items():
            for convert in functions:
                row[position] = convert(row[position], expression, connection)
        count = len(self.fields)
        instance = self.model.from_db(self.alias, self.fields, row[:count])
        for name, value in zip(self.annotations, row[count:], strict=True):
            setattr(instance, name, value)
        return instance


class ValuesStatement:
    """The rows of a ``values_list`` query that varies by one id only (``build(placeholder)`` makes it)."""

    def __init__(self, build, alias):
        self.alias = alias
        query = build(_ID_PLACEHOLDER).using(alias).query
        compiler = query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        texts = [str(param) for param in params]
        if texts.count(str(_ID_PLACEHOLDER)) != 1:
            raise ImproperlyConfigured("a values statement varies by exactly one parameter, the id")
        self.params = list(params)
        self.position = texts.index(str(_ID_PLACEHOLDER))
        self.converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])

    def rows(self, value):
        """The rows (tuples) for ``value``, converted as the ORM would."""
        params = list(self.params)
        params[self.position] = value
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in self.converters.items():
                for convert in functions:
                    row[position] = convert(row[position], expression, connection)
            converted.append(tuple(row))
        return converted


@functools.cache
def row_statement(model, alias):
    """The plain ``RowStatement`` of ``model`` on database ``alias``, made once per process."""
    return RowStatement(model, alias)
