"""Inserting many rows of plain values (no model instances): what bulk_create does, less its
per-object and per-value machinery, which was most of the cost of posting a 20,000-line ERA.

Values are given per row in the order of `fields` (attribute names: `claim_id`, not `claim`);
each column's values go through the field's own conversion for the database, once per distinct
value (dates, times and amounts repeat a lot). No defaults, signals or `save()` run: callers
give every column the table needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

# Columns whose Python values the drivers take as they are.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
_HASHABLE = (models.DateField, models.DecimalField)  # DateTimeField is a DateField


def _converter(field: models.Field) -> Any:
    if isinstance(field, _PLAIN) and not isinstance(field, models.JSONField):
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
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[str, list[list[Any]]]:
    """The quoted column list and the rows' values converted for the database, for callers
    that write their own INSERT statement around them."""
    concrete = [_concrete_field(model, name) for name in fields]
    converters = [_converter(field) for field in concrete]
    columns = ", ".join(connection.ops.quote_name(_column(field)) for field in concrete)
    prepared = [
        [
            value if convert is None else convert(value)
            for convert, value in zip(converters, row, strict=True)
        ]
        for row in rows
    ]
    return columns, prepared


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], *,
    returning: bool = False,
) -> list[int]:  # fmt: skip
    """Insert `rows`; with `returning`, give back their ids in the order of `rows` (SQLite 3.35+
    and PostgreSQL return them from a multi-row INSERT)."""
    if not rows:
        return []
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns, prepared = prepare_rows(model, fields, rows)
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        if not returning:
            sql = f"INSERT INTO {table} ({columns}) VALUES {marks}"  # noqa: S608 (our names)
            cursor.executemany(sql, prepared)
            return ids
        if not connection.features.can_return_rows_from_bulk_insert:
            raise RuntimeError("This database does not return ids from a multi-row insert.")
        per = max(1, min(500, (999 if connection.vendor == "sqlite" else 30000) // len(fields)))
        pk = quote(_column(meta.pk))
        for start in range(0, len(prepared), per):
            chunk = prepared[start : start + per]
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(chunk))} "  # noqa: S608
                f"RETURNING {pk}"
            )
            cursor.execute(sql, [value for row in chunk for value in row])
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def insert_objects(objects: Sequence[models.Model]) -> None:
    """Insert unsaved instances of one model (every concrete column as set on them) and give
    them their ids, as bulk_create would, at insert_rows' cost."""
    if not objects:
        return
    model = type(objects[0])
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    rows = [[getattr(obj, name) for name in fields] for obj in objects]
    for obj, pk in zip(objects, insert_rows(model, fields, rows, returning=True), strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias
