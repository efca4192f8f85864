"""On PostgreSQL a trigger keeps audit_auditevent append-only, even for raw SQL.

(SQLite has no such trigger; there the hash chain and `medoffice audit verify` are the control,
tested in test_chain.py. `make test` runs this suite on both databases.)
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from medoffice.audit.models import AuditEvent
from medoffice.audit.services import audit_record

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL-only trigger"),
    pytest.mark.django_db,
]


def _rejected(sql: str, params: list[object]) -> None:
    # The savepoint keeps the error from aborting the test's transaction.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_raw_update_is_rejected() -> None:
    event = audit_record(action="login", actor=None)
    _rejected("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["logout", event.pk])
    _rejected("UPDATE audit_auditevent SET hash = %s", ["0" * 64])
    event.refresh_from_db()
    assert event.action == "login"


def test_raw_delete_is_rejected() -> None:
    event = audit_record(action="login", actor=None)
    _rejected("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    _rejected("DELETE FROM audit_auditevent", [])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_orm_update_and_delete_are_rejected_too() -> None:
    event = audit_record(action="login", actor=None)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="logout")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "login"
