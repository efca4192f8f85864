"""Inserting many rows of plain values (no model instances): what bulk_create does, less its
per-object and per-value machinery, which was most of the cost of posting a 20,000-line ERA.

Values are given per row in the order of `fields` (attribute names: `claim_id`, not `claim`);
each column's values go through the field's own conversion for the database, once per distinct
value (dates, times and amounts repeat a lot). No defaults, signals or `save()` run: callers
give every column the table needs.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.db import connection, models
from django.db.models.base import ModelState

from medoffice.core.copyoverlap import collect, copy_writer

# Columns whose Python values the drivers take as they are.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
_HASHABLE = (models.DateField, models.DecimalField)  # DateTimeField is a DateField


def _json_converter(field: models.JSONField, *, json_text: bool) -> Any:
    """A JSON column's values as the database takes them. Lists and objects are encoded with one
    encoder for the batch, exactly as Django's json.dumps(value, cls=field.encoder) would (which
    builds an encoder per value); repeated values are encoded once: most JSON columns of a
    batch hold an empty list or object or a short list of codes, and one object (a status
    move's detail) often fills several rows."""
    prep = field.get_db_prep_save
    encode = (field.encoder or json.JSONEncoder)().encode
    by_key: dict[Any, Any] = {}
    by_id: dict[int, Any] = {}  # the rows keep their objects alive: ids are not reused

    def as_json(value: Any) -> Any:
        if type(value) is list and all(type(item) is str for item in value):
            key: Any = tuple(value)
        elif type(value) is dict and not value:
            key = dict
        elif type(value) in (list, dict):
            try:
                return by_id[id(value)]
            except KeyError:
                by_id[id(value)] = found = encode(value)
                return found
        else:  # SQL NULL, or a scalar (as json.dumps writes it)
            return None if value is None else encode(value)
        try:
            return by_key[key]
        except KeyError:
            by_key[key] = found = encode(value)
            return found

    if connection.vendor == "postgresql" and not json_text:
        return lambda value: prep(value, connection)  # psycopg's Jsonb wrapper for a parameter
    return as_json  # SQLite stores the text; COPY takes a jsonb column's value as its text


def _converter(field: models.Field, *, json_text: bool = False) -> Any:
    if isinstance(field, models.JSONField):
        return _json_converter(field, json_text=json_text)
    if isinstance(field, _PLAIN):
        return None
    prep = field.get_db_prep_save
    memo: dict[Any, Any] = {}
    if isinstance(field, _HASHABLE):

        def convert(value: Any) -> Any:
            try:
                return memo[value]
            except KeyError:
                memo[value] = prep(value, connection)
                return memo[value]
            except TypeError:
                return prep(value, connection)

        return convert
    return lambda value: prep(value, connection)


def _concrete_field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column.")
    return field


def _column(field: models.Field | None) -> str:
    if field is None or not field.column:
        raise ValueError(f"{field} has no column.")
    return field.column


def prepare_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], *,
    json_text: bool = False,
) -> tuple[str, list[tuple[Any, ...]]]:  # fmt: skip
    """The quoted column list and the rows' values converted for the database, for callers
    that write their own INSERT statement around them (`json_text`: JSON as its text, for
    COPY)."""
    concrete = [_concrete_field(model, name) for name in fields]
    converters = [_converter(field, json_text=json_text) for field in concrete]
    columns = ", ".join(connection.ops.quote_name(_column(field)) for field in concrete)
    natives = [_native_types(field) for field in concrete]
    # Column by column: the columns drivers take as they are cost no Python call per value.
    by_column = [
        column
        if convert is None or (native and all(type(value) in native for value in column))
        else list(map(convert, column))
        for convert, native, column in zip(
            converters, natives, zip(*rows, strict=True), strict=True
        )
    ] if rows else []  # fmt: skip
    return columns, list(zip(*by_column, strict=True))


def _native_types(field: models.Field) -> frozenset[type] | None:
    """Value types of a column that Django's conversion hands to the driver unchanged, or that
    the driver writes as Django would: Decimal (SQLite's adapter is str) and date (its ISO
    text). A column holding only these (or None) skips the per-value conversion. Datetimes are
    always converted: Django makes a naive one aware in the practice's zone, the driver would
    not."""
    if isinstance(field, models.DecimalField):
        return _DECIMALS
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return _DATES
    return None


_DECIMALS: frozenset[type] = frozenset({Decimal, type(None)})
_DATES: frozenset[type] = frozenset({date, type(None)})


def _array_types(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    """PostgreSQL array type per column, without length or precision (as Django's own UNNEST
    bulk insert does: varchar[] rather than varchar(50)[], so nothing is truncated)."""
    return list(_array_types_of(model, tuple(fields), connection.vendor))


@functools.cache
def _array_types_of(
    model: type[models.Model], fields: tuple[str, ...], vendor: str
) -> tuple[str, ...]:
    # Cached: a column's type does not change while the process runs.
    types = []
    for name in fields:
        field = _concrete_field(model, name)
        db_type = field.db_type(connection)
        if not db_type:
            raise ValueError(f"{model.__name__}.{name} has no database type.")
        types.append(db_type.split("(")[0])
    return tuple(types)


_FEW_ROWS = 10


def rows_source(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[str, str, list[Any]]:
    """The quoted column list, a row source for INSERT ... (cols) <source>, and its parameters.

    PostgreSQL gets `SELECT * FROM UNNEST(%s::type[], ...)`: one parameter per column. Django
    talks to psycopg with client-side binding, which splits and quotes a statement's text per
    placeholder: a multi-row VALUES list with tens of thousands of placeholders spent more time
    there than the database spent inserting. Elsewhere, and for a few rows (whose short
    statement psycopg caches): VALUES (...), (...)."""
    columns, prepared = prepare_rows(model, fields, rows)
    if connection.vendor == "postgresql" and len(prepared) > _FEW_ROWS:
        arrays = [list(column) for column in zip(*prepared, strict=True)]
        casts = ", ".join(f"(%s)::{kind}[]" for kind in _array_types(model, fields))
        return columns, f"SELECT * FROM UNNEST({casts})", arrays  # noqa: S608 (our types)
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    flat = [value for row in prepared for value in row]
    return columns, "VALUES " + ", ".join([marks] * len(prepared)), flat


def _sqlite_parameter_limit() -> int:
    """How many parameters one SQLite statement may have: 999 in old builds, 32,766 since
    3.32 (Django assumes 999); fewer, larger statements cost less to prepare."""
    connection.ensure_connection()
    raw = connection.connection
    try:
        return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except AttributeError:  # Python before 3.11
        return 999


def _chunk_size(fields: Sequence[str]) -> int:
    if connection.vendor == "postgresql":
        return 50_000  # one statement per column array: only memory bounds it
    return max(1, min(1000, min(_sqlite_parameter_limit(), 30_000) // len(fields)))


def _next_ids(cursor: Any, table: str, column: str, count: int) -> list[int]:
    """PostgreSQL: `count` values of the column's sequence, in order. The sequence is looked
    up once per statement (OFFSET 0 keeps the planner from inlining the look-up into every
    row: pg_get_serial_sequence per row was 0.3 s of an ERA)."""
    cursor.execute(
        "SELECT nextval(q.seq) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq "
        "OFFSET 0) q, generate_series(1, %s) ORDER BY 1",
        [table, column, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy_rows(
    cursor: Any, model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]],
    *, returning: bool,
) -> list[int]:  # fmt: skip
    """PostgreSQL: COPY the rows in (psycopg formats them in C), ids reserved from the table's
    sequence first when the caller wants them back."""
    meta, quote = model._meta, connection.ops.quote_name
    columns, prepared = prepare_rows(model, fields, rows, json_text=True)
    ids: list[int] = []
    if returning:
        pk_column = _column(meta.pk)
        ids = _next_ids(cursor, meta.db_table, pk_column, len(prepared))
        columns = f"{quote(pk_column)}, {columns}"
        prepared = [(pk, *row) for pk, row in zip(ids, prepared, strict=True)]
    sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    collect()  # a COPY still running on the server (overlapping_copies) ends first
    with cursor.cursor.copy(sql, writer=copy_writer(cursor.cursor)) as copy:
        for row in prepared:
            copy.write_row(row)
    return ids


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], *,
    returning: bool = False,
) -> list[int]:  # fmt: skip
    """Insert `rows`; with `returning`, give back their ids in the order of `rows`.

    SQLite: one executemany, or multi-row INSERT ... RETURNING. PostgreSQL: a few rows with one
    INSERT, more with COPY (Django's client-side binding quotes every value of a statement in
    Python: for an ERA's hundred thousand ledger postings that was most of the time)."""
    if not rows:
        return []
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > _FEW_ROWS:
            return _copy_rows(cursor, model, fields, rows, returning=returning)
        if not returning:
            columns, prepared = prepare_rows(model, fields, rows)
            marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
            sql = f"INSERT INTO {table} ({columns}) VALUES {marks}"  # noqa: S608 (our names)
            cursor.executemany(sql, prepared)
            return ids
        if not connection.features.can_return_rows_from_bulk_insert:
            raise RuntimeError("This database does not return ids from a multi-row insert.")
        pk = quote(_column(meta.pk))
        per = _chunk_size(fields)
        for start in range(0, len(rows), per):
            columns, source, params = rows_source(model, fields, rows[start : start + per])
            cursor.execute(f"INSERT INTO {table} ({columns}) {source} RETURNING {pk}", params)
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def update_rows(model: type[models.Model], fields: Sequence[str], objects: Sequence[Any]) -> None:
    """Set `fields` (names as on the model: `claim`, not `claim_id`) of saved instances to the
    values they carry (see update_values)."""
    attnames = [_concrete_field(model, name).attname for name in fields]
    pk_name = model._meta.pk.attname
    update_values(model, attnames, list(map(_values_of([*attnames, pk_name]), objects)))


def update_values(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Rows of (values of `fields`..., primary key): one UPDATE ... FROM UNNEST on PostgreSQL,
    one UPDATE per row in a single executemany on SQLite (bulk_update's CASE expressions cost
    more on both)."""
    if not rows:
        return
    concrete = [_concrete_field(model, name) for name in fields]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(_column(model._meta.pk))
    names = [*fields, model._meta.pk.attname]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            per = _chunk_size(names)
            aliases = ", ".join(f"c{n}" for n in range(len(names)))
            sets = ", ".join(f"{quote(_column(f))} = v.c{n}" for n, f in enumerate(concrete))
            for start in range(0, len(rows), per):
                _, source, params = rows_source(model, names, rows[start : start + per])
                cursor.execute(
                    f"UPDATE {table} SET {sets} FROM ({source}) AS v({aliases}) "  # noqa: S608
                    f"WHERE {table}.{pk} = v.c{len(concrete)}",
                    params,
                )
            return
        _, prepared = prepare_rows(model, names, rows)
        sets = ", ".join(f"{quote(_column(f))} = %s" for f in concrete)
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", prepared)  # noqa: S608


def instance_maker(model: type[models.Model]) -> Callable[..., Any]:
    """A constructor of unsaved instances from keyword values (attribute names: `claim_id`),
    every other column at its default. It fills the instance's attributes directly, as
    Model.from_db's caller would find them, without Model.__init__ (whose per-field
    descriptor calls and signals were most of the cost of an ERA's tens of thousands of rows);
    so no init signals are sent: these rows are written by insert_objects, not save()."""
    concrete = model._meta.concrete_fields
    names = frozenset(f.attname for f in concrete)
    defaults = [(f.attname, None if f.primary_key else f.get_default) for f in concrete]

    def make(**values: Any) -> Any:
        if not names.issuperset(values):
            unknown = ", ".join(sorted(values.keys() - names))
            raise TypeError(f"{model.__name__} has no column {unknown}")
        obj = model.__new__(model)
        attrs = obj.__dict__
        for name, default in defaults:
            if name not in values:
                attrs[name] = default() if default else None
        attrs.update(values)
        obj._state = ModelState()
        return obj

    return make


def loaded_maker(model: type[models.Model], fields: Sequence[str]) -> Callable[..., Any]:
    """A constructor of saved instances from a row of `fields` (attribute names, as
    values_list gives them), as QuerySet.only(*fields) would load them (a column left out is
    read when first used), without Model.__init__: posting an ERA loads its claims and lines,
    tens of thousands of rows, and their construction was a visible part of it."""
    names = tuple(fields)
    alias = connection.alias

    def make(*row: Any) -> Any:
        obj = model.__new__(model)
        obj.__dict__.update(zip(names, row, strict=True))
        obj._state = state = ModelState()
        state.adding, state.db = False, alias
        return obj

    return make


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`, for rows inserted later in the same transaction
    (with insert_objects(..., with_ids=True)), so that rows pointing at them can be written
    first. PostgreSQL takes them from the table's sequence. SQLite has one writer at a time
    (our transactions begin IMMEDIATE): the ids after the largest ever given are free until
    this transaction ends; call it inside `transaction.atomic()`."""
    if count <= 0:
        return []
    meta = model._meta
    pk_column = _column(meta.pk)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _next_ids(cursor, meta.db_table, pk_column, count)
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids on SQLite needs the caller's transaction")
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(pk_column)}) FROM {quote(meta.db_table)}")  # noqa: S608
        largest = cursor.fetchone()[0] or 0
        # AUTOINCREMENT tables never give an id again, even one whose row was deleted.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
        found = cursor.fetchone()
        first = max(largest, found[0] if found else 0) + 1
        return list(range(first, first + count))


def _values_of(names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving an object's attributes `names` as a tuple (attrgetter runs in C)."""
    if len(names) == 1:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return attrgetter(*names)


def insert_objects(objects: Sequence[models.Model], *, with_ids: bool = False) -> None:
    """Insert unsaved instances of one model (every concrete column as set on them) and give
    them their ids, as bulk_create would, at insert_rows' cost. `with_ids`: they carry ids
    already (reserve_ids), which are inserted as they are."""
    if not objects:
        return
    model = type(objects[0])
    if with_ids:
        fields = [f.attname for f in model._meta.concrete_fields]
        insert_rows(model, fields, list(map(_values_of(fields), objects)))
        alias = connection.alias  # once: the proxy's look-up per object was 0.1 s of an ERA
        for obj in objects:
            obj._state.adding, obj._state.db = False, alias
        return
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    rows = list(map(_values_of(fields), objects))
    alias = connection.alias
    for obj, pk in zip(objects, insert_rows(model, fields, rows, returning=True), strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, alias
