"""INSERT … VALUES (%s, …) executemany for rows the import writes by the thousand.

Django's bulk_create keeps SQLite statements under 999 parameters, so a Person (36 columns) goes
in 27 rows a statement, each compiled in Python: measured 3–5× slower than one prepared
statement run with executemany (sqlite3 loops in C; psycopg 3 pipelines). Values are prepared by
each field as the ORM prepares them for a save (`get_db_prep_save`), except text, integers and
booleans already of their type, which the ORM would pass through unchanged anyway; building a
model instance per row is skipped too (dicts of column values), as it costs more than the insert.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    Model,
    TextField,
)
from django.utils import timezone

PLAIN_FIELDS = (CharField, TextField, IntegerField, BooleanField, ForeignKey)
PLAIN_VALUES = (str, int, bool)
Prepare = Callable[[Any], Any]


def _statement(model: type[Model]) -> tuple[list[Field[Any, Any]], str, Any]:
    # The wrapper itself, not the `connection` proxy: every attribute of the proxy is a thread-local
    # lookup, and preparing values touches it once per cell.
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    return fields, sql, connection


def _preparer(field: Field[Any, Any], connection: Any) -> Prepare:
    """The field's get_db_prep_save, minus the layers that hand these values through unchanged.
    A chunk's rows share one timestamp object, so the last prepared one is reused (by identity:
    equal datetimes in different zones are not the same value to every backend)."""
    save = field.get_db_prep_save
    plain = isinstance(field, PLAIN_FIELDS)
    # DateField.to_python returns a date as it is; the backend's adapter is all that is left.
    adapt_date = connection.ops.adapt_datefield_value if type(field) is DateField else None
    stamp = isinstance(field, DateTimeField)
    last: list[Any] = [object(), None]

    def prepare(value: Any) -> Any:
        if value is None:
            return None
        kind = type(value)
        if plain and kind in PLAIN_VALUES:
            return value
        if adapt_date is not None and kind is date:
            return adapt_date(value)
        if value is last[0]:
            return last[1]
        prepared = save(value, connection)
        if stamp:
            last[0], last[1] = value, prepared
        return prepared

    return prepare


def insert_rows(objs: Sequence[Model]) -> None:
    """Insert unsaved instances of one model; auto_now(_add) fields get one timestamp for all (set on
    the instances too, as a save would). Primary keys are NOT set — read them back by a unique
    column when needed."""
    if not objs:
        return
    fields, sql, connection = _statement(type(objs[0]))
    now = timezone.now()
    stamped = [
        f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj in objs:
        for name in stamped:
            setattr(obj, name, now)
    named = [(f.attname, _preparer(f, connection)) for f in fields]
    values = [[prepare(getattr(obj, name)) for name, prepare in named] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def insert_dicts(model: type[Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows given as {attname: value}; a missing column gets the field's default. For models
    without auto_now fields (their value would have to be given)."""
    if not rows:
        return
    fields, sql, connection = _statement(model)
    named = [(f.attname, f.get_default(), _preparer(f, connection)) for f in fields]
    values = [[prepare(row.get(name, default)) for name, default, prepare in named] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
