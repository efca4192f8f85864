"""core.copyoverlap: rows a COPY left running are there for the next statement, a COPY's error
is raised (late, but before anything can commit), never taken for a later savepoint's own
IntegrityError, and an error of Python inside the block leaves the connection usable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from medoffice.core.copyoverlap import copy_writer, overlapping_copies
from medoffice.core.fastinsert import insert_rows
from medoffice.remittance.models import (
    FileStatus,
    ItemStatus,
    Remittance,
    RemittanceClaim,
    RemittanceFile,
)

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY overlaps only on PostgreSQL"
)
FIELDS = [
    "remittance_id", "sequence", "patient_control_number", "status_code", "payer_claim_number",
    "billed", "paid", "patient_responsibility", "patient_name", "member_id", "remark_codes",
    "status", "unmatched_reason", "notes", "journal_ids",
]  # fmt: skip
ROWS = 50  # more than fastinsert's few rows: COPY on PostgreSQL


@pytest.fixture
def remittance() -> Remittance:
    file = RemittanceFile.objects.create(name="t.835", sha256="x" * 64, status=FileStatus.POSTED)
    return Remittance.objects.create(
        file=file, payer_key="P1", trace_number="T1", amount=Decimal("1.00"),
        payment_date=date(2026, 1, 2),
    )  # fmt: skip


def _rows(remittance: Remittance, first: int = 0) -> list[list[object]]:
    return [
        [remittance.pk, n, f"PCN{n}", "1", "", Decimal("2.50"), Decimal("1.00"), Decimal("0.00"),
         "", "", [], ItemStatus.UNMATCHED, "", [], []]
        for n in range(first, first + ROWS)
    ]  # fmt: skip


def test_the_next_statement_sees_the_rows(remittance):
    with overlapping_copies():
        insert_rows(RemittanceClaim, FIELDS, _rows(remittance))
        assert RemittanceClaim.objects.filter(remittance=remittance).count() == ROWS
        insert_rows(RemittanceClaim, FIELDS, _rows(remittance, first=ROWS))
        # Only PostgreSQL gets the writer that does not wait.
        assert (copy_writer(connection.cursor().cursor) is not None) == (
            connection.vendor == "postgresql"
        )
    assert RemittanceClaim.objects.filter(remittance=remittance).count() == 2 * ROWS


@postgres_only
def test_a_failed_copy_raises_at_the_next_statement_and_nothing_stays(remittance):
    late, reached = pytest.raises(IntegrityError, match="remclaim_seq_unique"), []
    with late, transaction.atomic(), overlapping_copies():
        insert_rows(RemittanceClaim, FIELDS, _rows(remittance))
        insert_rows(RemittanceClaim, FIELDS, _rows(remittance))  # the same sequences
        reached.append("past the insert")  # the server had not answered yet
        RemittanceClaim.objects.count()  # the error arrives here
        pytest.fail("the duplicate rows were accepted")
    assert reached == ["past the insert"]
    assert not RemittanceClaim.objects.exists()


@postgres_only
def test_a_failed_copy_ends_the_block_with_its_error(remittance):
    with pytest.raises(IntegrityError), transaction.atomic(), overlapping_copies():
        insert_rows(RemittanceClaim, FIELDS, _rows(remittance))
        insert_rows(RemittanceClaim, FIELDS, _rows(remittance))
    assert not RemittanceClaim.objects.exists()


@postgres_only
def test_an_earlier_copys_error_is_not_a_savepoints_own_integrity_error(remittance):
    fell_back = []
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), overlapping_copies():
        insert_rows(RemittanceClaim, FIELDS, _rows(remittance))
        insert_rows(RemittanceClaim, FIELDS, _rows(remittance))
        try:
            with transaction.atomic():  # its SAVEPOINT meets the COPY's error
                RemittanceClaim.objects.count()
        except IntegrityError:  # what a fall-back for its own insert would catch
            fell_back.append(True)
    assert not isinstance(raised.value, IntegrityError)
    assert "earlier bulk insert failed" in str(raised.value)
    assert isinstance(raised.value.__cause__, IntegrityError)
    assert not fell_back and not RemittanceClaim.objects.exists()


def test_an_error_in_the_block_leaves_the_connection_usable(remittance):
    with pytest.raises(ValueError, match="stop"), transaction.atomic(), overlapping_copies():
        insert_rows(RemittanceClaim, FIELDS, _rows(remittance))
        raise ValueError("stop")
    assert not RemittanceClaim.objects.exists()
    insert_rows(RemittanceClaim, FIELDS, _rows(remittance))
    assert RemittanceClaim.objects.count() == ROWS
