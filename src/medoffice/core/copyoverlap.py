"""PostgreSQL: let the server insert a COPY's rows while Python goes on.

A COPY's data streams to the server while Python writes it, but the server needs longer to
insert the rows (indexes, WAL) than Python to send them, and psycopg waits for the end at
the close of every COPY block: with an ERA's hundred thousand rows the client and the server
took turns, one core idle all the time (about 4 s of Python and 5 s of server work made 9 s).

Inside `overlapping_copies()`, a COPY ends by sending its end-of-data and not waiting: the
server's answer is collected before the next statement on the connection (an execute
wrapper), before the next COPY, and when the block ends. So the Python between a COPY and
the next statement runs while the server inserts. An error of the COPY (a violated
constraint) is raised at that next statement or at the end of the block, as the Django
exception it would have been: the work of the transaction is then rolled back as before.
Raised when a savepoint starts, it is a plain DatabaseError, so code that catches the
IntegrityError of its own insert (to fall back) does not take an earlier COPY's for it; a
savepoint's release waits for the COPYs inside it, whose errors stay its own. SQLite:
nothing changes.

This uses psycopg's `Writer` interface (documented) and its connection's wait loop and
generators (internal, stable through psycopg 3.1-3.3); the PostgreSQL test suite runs the
ERA imports through it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, IntegrityError, connection

_state = threading.local()
logger = logging.getLogger(__name__)


def _ending_sent(pgconn: Any) -> Any:
    """psycopg's copy_end without its last step (fetching the result): queue the end of the
    data and flush it to the server."""
    from psycopg.waiting import Wait

    while pgconn.put_copy_end(None) == 0:
        while not (yield Wait.W):
            continue
    while True:
        while not (yield Wait.W):
            continue
        if pgconn.flush() == 0:
            break


def copy_writer(cursor: Any) -> Any:
    """The writer for psycopg's `cursor.copy(..., writer=)` inside overlapping_copies(), else
    None (psycopg's own, which waits)."""
    if not getattr(_state, "active", False):
        return None
    from psycopg.copy import LibpqWriter

    class EndWithoutWaiting(LibpqWriter):
        def finish(self, exc: BaseException | None = None) -> None:
            if exc is not None:  # psycopg's: the server is told and the COPY fails at once
                super().finish(exc)
                return
            self.connection.wait(_ending_sent(self._pgconn))
            _state.pending = self.connection

    return EndWithoutWaiting(cursor)


def collect() -> None:
    """Wait for the COPY still running on the server, if any; raise its error."""
    pending = getattr(_state, "pending", None)
    if pending is None:
        return
    _state.pending = None
    from psycopg import errors, pq
    from psycopg.generators import fetch_many

    with connection.wrap_database_errors:
        for result in pending.wait(fetch_many(pending.pgconn)):
            if result.status != pq.ExecStatus.COMMAND_OK:
                raise errors.error_from_result(result)


def _collect_first(execute: Callable[..., Any], sql: str, params: Any, many: bool,
                   context: dict[str, Any]) -> Any:  # fmt: skip
    try:
        collect()
    except IntegrityError as exc:
        if sql.startswith("SAVEPOINT"):
            # Not the error of what the new savepoint guards: code that catches its own
            # insert's IntegrityError (to fall back) must not take an earlier COPY's for it.
            raise DatabaseError(f"An earlier bulk insert failed: {exc}") from exc
        raise
    return execute(sql, params, many, context)


@contextmanager
def overlapping_copies() -> Iterator[None]:
    """COPYs inside the block overlap the Python that follows them (PostgreSQL)."""
    if connection.vendor != "postgresql" or getattr(_state, "active", False):
        yield
        return
    _state.active = True
    try:
        with connection.execute_wrapper(_collect_first):
            yield
    except BaseException:
        try:
            collect()
        except Exception as late:  # the block's own error is the one to report
            logger.warning("A COPY failed while an error was raised: %s", late)
        raise
    else:
        collect()
    finally:
        _state.active = False
        _state.pending = None
