"""Hash chaining of audit entries: append under a serialized head, and verify.

Each entry's hash covers its own fields and the previous entry's hash, so editing,
deleting or reordering any entry breaks the chain from that point on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from medoffice.audit.hashing import (
    HASHED_FIELDS,
    entry_digest,
    normalize_details,
    normalize_ip,
)
from medoffice.audit.models import GENESIS_HASH, AuditAction, AuditChainHead, AuditEvent
from medoffice.core.fastinsert import insert_rows, rows_source

__all__ = ["HASHED_FIELDS", "append", "entry_digest", "normalize_details", "normalize_ip", "verify"]


def _fields_of(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def _bump_head(count: int, *, relaxed: bool = False) -> tuple[int, str] | None:
    """Advance the head by `count` and read it back in one statement (UPDATE ... RETURNING,
    PostgreSQL and SQLite 3.35+). Taking the row lock here is what serializes appends.

    relaxed (PostgreSQL): the same statement turns synchronous_commit off for this transaction
    (set_config(..., is_local => true) is SET LOCAL as a function), saving a round trip."""
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)  # our own table name
    extra = ", set_config('synchronous_commit', 'off', true)" if relaxed else ""
    sql = f"UPDATE {table} SET seq = seq + %s WHERE id = 1 RETURNING seq, hash{extra}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [count])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


_INSERTED = [f.attname for f in AuditEvent._meta.concrete_fields if not f.primary_key]
_VALUES = attrgetter(*_INSERTED)  # an entry's values in _INSERTED's order, read in C


# PostgreSQL: up to this many entries go in with the head's new hash in one statement.
_ONE_STATEMENT_ROWS = 200  # more go in with COPY (core.fastinsert.insert_rows)


def _insert_with_head_hash(events: list[AuditEvent], head_hash: str) -> None:
    """PostgreSQL: insert the entries and store the chain head's new hash in one statement (a
    data-modifying WITH), one round trip less per append than _insert + UPDATE."""
    rows = list(map(_VALUES, events))
    columns, source, params = rows_source(AuditEvent, _INSERTED, rows)
    quote = connection.ops.quote_name
    sql = (
        f"WITH ins AS (INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) "  # noqa: S608
        f"{source} RETURNING id) "
        f"UPDATE {quote(AuditChainHead._meta.db_table)} SET hash = %s WHERE id = 1 "
        "RETURNING (SELECT array_agg(id ORDER BY id) FROM ins)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, head_hash])
        ids = cursor.fetchone()[0]
    # Ids come from one sequence in insert order within the statement.
    alias = connection.alias
    for event, pk in zip(events, ids, strict=True):
        event.pk = pk
        event._state.adding = False
        event._state.db = alias


def _insert(events: list[AuditEvent]) -> None:
    """Multi-row INSERT ... RETURNING id (core.fastinsert): no per-object bulk_create
    machinery, and the ids come back with the insert, so one entry costs one statement."""
    rows = list(map(_VALUES, events))
    ids = insert_rows(AuditEvent, _INSERTED, rows, returning=True)
    # Callers get saved instances, with their ids, as bulk_create would give them.
    alias = connection.alias
    for event, pk in zip(events, ids, strict=True):
        event.pk = pk
        event._state.adding = False
        event._state.db = alias


_VIEW_ACTIONS = frozenset({AuditAction.VIEW, AuditAction.VIEW_LIST})


def _may_commit_without_flush(events: list[AuditEvent]) -> bool:
    """True when these entries are a transaction of their own (no change commits with them)
    and only record views, on PostgreSQL with settings.AUDIT_FAST_VIEW_COMMIT."""
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and settings.AUDIT_FAST_VIEW_COMMIT
        and all(event.action in _VIEW_ACTIONS for event in events)
    )


def append(events: list[AuditEvent]) -> list[AuditEvent]:
    """Give the events the next sequence numbers and hashes, and insert them.

    Bumping the head row first takes its row lock (PostgreSQL) or the write lock
    (SQLite, IMMEDIATE transactions), so concurrent appends queue up instead of forking
    the chain. The lock lasts until the caller's transaction commits. Statements per call:
    bump and read the head, then insert the entries and store the new head hash (one
    statement on PostgreSQL, two on SQLite, which has no INSERT inside WITH).
    """
    count = len(events)
    if not count:
        return events
    relaxed = _may_commit_without_flush(events)
    # No savepoint inside a caller's transaction: if the audit write fails, the action it
    # records must not commit either.
    with transaction.atomic(savepoint=False):
        head = _bump_head(count, relaxed=relaxed)
        if head is None:  # an empty table (a flushed test database): start the chain
            try:
                with transaction.atomic():
                    AuditChainHead.objects.create(pk=1)
            except IntegrityError:
                pass  # another writer created it first
            head = _bump_head(count, relaxed=relaxed)
        assert head is not None
        head_seq, head_hash = head
        seq, prev = head_seq - count, head_hash
        for event in events:
            seq += 1
            event.seq = seq
            event.prev_hash = prev
            event.hash = entry_digest(_fields_of(event))
            prev = event.hash
        if connection.vendor == "postgresql" and count <= _ONE_STATEMENT_ROWS:
            _insert_with_head_hash(events, prev)
        else:
            # The head first: on PostgreSQL the server then inserts the entries while the
            # caller goes on (core.copyoverlap); the head row's lock orders appends either way.
            AuditChainHead.objects.filter(pk=1).update(hash=prev)
            _insert(events)
    return events


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""


def verify(
    *, batch_size: int = 5000, progress: Callable[[int, int], None] | None = None
) -> VerifyResult:
    """Walk the whole chain in sequence order and re-check every link and hash."""
    total = AuditEvent.objects.count()
    expected_seq, prev, checked = 1, GENESIS_HASH, 0
    last_seq = 0
    while True:
        rows: Iterable[dict[str, Any]] = (
            AuditEvent.objects.filter(seq__gt=last_seq)
            .order_by("seq")
            .values("id", "hash", *HASHED_FIELDS)[:batch_size]
        )
        rows = list(rows)
        if not rows:
            break
        for row in rows:
            seq = row["seq"]
            if seq != expected_seq:
                return _bad(
                    checked,
                    expected_seq,
                    f"entry #{expected_seq} is missing (deleted or renumbered)",
                )
            if row["prev_hash"] != prev:
                return _bad(
                    checked,
                    seq,
                    f"entry #{seq} does not follow entry #{seq - 1} (reordered or rewritten)",
                )
            if entry_digest(row) != row["hash"]:
                return _bad(checked, seq, f"entry #{seq} was altered after it was written")
            prev = row["hash"]
            expected_seq += 1
            checked += 1
        last_seq = rows[-1]["seq"]
        if progress:
            progress(checked, total)
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    head_seq, head_hash = head if head else (0, GENESIS_HASH)
    if head_seq != checked or head_hash != prev:
        return _bad(
            checked,
            checked + 1,
            f"the chain head says #{head_seq} but the log ends at #{checked} (newest entries deleted)",
        )
    return VerifyResult(ok=True, checked=checked, head_seq=head_seq, head_hash=head_hash)


def _bad(checked: int, seq: int, problem: str) -> VerifyResult:
    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (
        0,
        GENESIS_HASH,
    )
    return VerifyResult(
        ok=False,
        checked=checked,
        head_seq=head[0],
        head_hash=head[1],
        first_bad_seq=seq,
        problem=problem,
    )
