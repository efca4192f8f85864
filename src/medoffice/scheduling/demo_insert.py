"""Fast inserts for the demo's big tables (appointments, occupancy, encounters and their rows).

Django's bulk_create prepares every value of every row through the field machinery, which is
most of the demo's time at half a million appointments and millions of chart rows. These
helpers take the model instances the demo builds (defaults already applied by __init__), give
them explicit ids, convert only the values that need it (datetimes, decimals, JSON) and send
each batch as one executemany. Ids come after the table's current maximum; PostgreSQL's
identity sequence is moved past them afterwards (SQLite's AUTOINCREMENT follows by itself).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max
from django.utils import timezone

# Values of these field types go to the driver as they are.
PLAIN = {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
         "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField",
         "CharField", "TextField", "SlugField", "BooleanField", "ForeignKey", "OneToOneField"}  # fmt: skip


@contextlib.contextmanager
def keep_timestamps(model: type[models.Model]) -> Iterator[None]:
    """Let bulk_create store the given created_at/updated_at (history has its own times)."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]  # type: ignore[attr-defined]
    for f in fields:
        f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add  # type: ignore[attr-defined]


def _converter(field: models.Field, connection: BaseDatabaseWrapper) -> Callable[[Any], Any] | None:
    kind = field.get_internal_type()
    if kind in PLAIN:
        return None
    if kind == "DateTimeField":
        adapt = connection.ops.adapt_datetimefield_value
        stamp = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if stamp:  # a created_at the demo left empty is "now", as auto_now_add would make it
            now = timezone.now()
            return lambda value: adapt(now if value is None else value)
        return adapt
    return lambda value: field.get_db_prep_save(value, connection)


def insert_objects(
    model: type[models.Model],
    objects: Sequence[models.Model | dict[str, Any]],
    batch: int = 2000,
) -> None:
    """Insert unsaved instances (their ids are set, as bulk_create would) or plain dicts of
    attribute names (fields left out take their defaults; cheaper than instances by far)."""
    if not objects:
        return
    connection = connections[model._default_manager.db]  # the wrapper itself, not the proxy
    meta = model._meta
    fields = list(meta.concrete_fields)
    convert = [_converter(f, connection) for f in fields]
    defaults = {f.attname: f.get_default() for f in fields}
    first = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
    pk_name = meta.pk.attname
    for offset, obj in enumerate(objects):
        if isinstance(obj, dict):
            obj[pk_name] = first + offset
        else:
            obj.pk = first + offset
            obj._state.adding = False
            obj._state.db = connection.alias
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    pairs = [(f.attname, fn) for f, fn in zip(fields, convert, strict=True)]
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch):
            rows = []
            for obj in objects[start : start + batch]:
                values = obj if isinstance(obj, dict) else obj.__dict__
                row = [(values.get(name, defaults[name]), fn) for name, fn in pairs]
                rows.append([v if fn is None else fn(v) for v, fn in row])
            cursor.executemany(sql, rows)
        if connection.vendor == "postgresql":
            for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(statement)
