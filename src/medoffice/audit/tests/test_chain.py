"""The hash chain: appends link up, and any edit, deletion or reordering is caught."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from medoffice.audit import chain
from medoffice.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from medoffice.audit.services import audit_patients_shown, audit_record, audit_record_many


def _fill(n: int = 5) -> list[AuditEvent]:
    return [
        audit_record(action="view", object_type="thing", object_id=i, patient_id=100 + i)
        for i in range(n)
    ]


def _raw(sql: str, params: list | None = None) -> None:
    """Tamper as someone with database access would: around the trigger on PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fire the deferred foreign-key checks first: ALTER TABLE refuses pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def test_entries_link_into_a_chain(db):
    events = _fill(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (3, events[2].hash)
    result = chain.verify()
    assert result.ok and result.checked == 3


def test_batch_append_and_patients_shown(db):
    events = audit_patients_shown(patient_ids=[7, 8, 7, 9], view="test list")
    assert [e.patient_id for e in events] == [7, 8, 9]  # each patient once
    assert all(e.action == "view_list" for e in events)
    audit_record_many([{"action": "view"}, {"action": "export"}])
    assert chain.verify().ok
    assert AuditEvent.objects.count() == 5


def test_a_large_batch_is_built_as_single_entries_are(db):
    from medoffice.testing.personas import persona

    user = persona("biller")
    entries = [
        {
            "action": "update",
            "actor": user,
            "object_type": "claim",
            "object_id": i,
            "patient_id": 40 + i % 3,
            "patient_ref": f"MRN{i % 3}",
            "resolve_ref": False,
            "details": {"from": "accepted", "to": "paid", "n": i},
            "reason": "ERA",
        }
        for i in range(25)
    ] + [{"action": "view", "object_type": "thing", "outcome": "failure", "emergency": True}]
    events = audit_record_many(entries)
    one = audit_record(**{k: v for k, v in entries[3].items() if k != "resolve_ref"})
    assert [e.seq for e in events] == list(range(1, 27)) and one.seq == 27
    stored = AuditEvent.objects.get(seq=4)
    for name in (
        "action",
        "actor_id",
        "actor_username",
        "object_type",
        "object_id",
        "patient_id",
        "patient_ref",
        "reason",
        "details",
        "source",
        "emergency",
    ):
        assert getattr(stored, name) == getattr(one, name), name
    last = AuditEvent.objects.get(seq=26)
    assert (last.outcome, last.emergency, last.actor_id) == ("failure", True, None)
    with pytest.raises(TypeError, match="unexpected"):
        audit_record_many([{"action": "view", "colour": "red"}] * 25)
    assert chain.verify().ok and AuditEvent.objects.count() == 27


def test_hash_survives_the_database_round_trip(db):
    audit_record(
        action="update",
        object_type="patient",
        reason="Ünïcode — reason",
        details={"b": 1, "a": [1, "x"], "f": 1.5, "nested": {"z": None}},
    )
    assert chain.verify().ok


def test_edit_is_detected(db):
    _fill()
    _raw("UPDATE audit_auditevent SET reason = 'nothing to see' WHERE seq = 3")
    result = chain.verify()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert "altered" in result.problem
    assert result.checked == 2


def test_edit_with_recomputed_hash_breaks_the_next_link(db):
    events = _fill()
    event = AuditEvent.objects.get(seq=2)
    event.actor_username = "someone-else"
    forged = chain.entry_digest({name: getattr(event, name) for name in chain.HASHED_FIELDS})
    _raw(
        "UPDATE audit_auditevent SET actor_username = %s, hash = %s WHERE seq = 2",
        ["someone-else", forged],
    )
    result = chain.verify()
    assert not result.ok and result.first_bad_seq == 3
    assert events[1].hash != forged


def test_deletion_is_detected(db):
    _fill()
    _raw("DELETE FROM audit_auditevent WHERE seq = 2")
    result = chain.verify()
    assert not result.ok and result.first_bad_seq == 2
    assert "missing" in result.problem


def test_deleting_the_newest_entries_is_detected(db):
    _fill()
    _raw("DELETE FROM audit_auditevent WHERE seq >= 4")
    result = chain.verify()
    assert not result.ok
    assert "newest entries deleted" in result.problem


def test_reordering_is_detected(db):
    _fill()
    _raw("UPDATE audit_auditevent SET seq = -1 WHERE seq = 2")
    _raw("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3")
    _raw("UPDATE audit_auditevent SET seq = 3 WHERE seq = -1")
    result = chain.verify()
    assert not result.ok and result.first_bad_seq == 2


def test_cli_verify_names_the_first_bad_entry(db, capsys):
    _fill()
    call_command("audit", "verify", "--quiet")
    assert "intact: 5 entries" in capsys.readouterr().out
    _raw("UPDATE audit_auditevent SET object_id = '999' WHERE seq = 4")
    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify", "--quiet")
    assert exc.value.code == 1
    assert "BROKEN at entry #4" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain():
    """Many threads appending at once: no fork, no gap, no duplicate sequence number."""
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                audit_record(action="view", object_type="thread", object_id=f"{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    result = chain.verify()
    assert result.ok, result.problem
    assert result.checked == 60
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 61))


def _set_local_statements(fn) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fn()
    return [q["sql"] for q in queries.captured_queries if "synchronous_commit" in q["sql"]]


@pytest.mark.django_db(transaction=True)
def test_only_a_view_of_its_own_commits_without_waiting_for_the_flush(settings) -> None:
    from django.db import connection, transaction

    from medoffice.audit.services import audit_record

    postgres = connection.vendor == "postgresql"
    view_alone = _set_local_statements(lambda: audit_record(action="view", patient_id=1))
    assert bool(view_alone) is postgres
    assert not _set_local_statements(lambda: audit_record(action="update", patient_id=1))

    def view_with_a_change() -> None:
        with transaction.atomic():
            audit_record(action="view", patient_id=1)

    assert not _set_local_statements(view_with_a_change)
    settings.AUDIT_FAST_VIEW_COMMIT = False
    assert not _set_local_statements(lambda: audit_record(action="view", patient_id=1))
    assert chain.verify().ok
