"""core.fastinsert on both databases: ids come back in the order of the rows, values (dates,
amounts, JSON, nulls) arrive as given, and updates set exactly the rows named."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from medoffice.core.fastinsert import (
    insert_objects,
    insert_rows,
    instance_maker,
    loaded_maker,
    reserve_ids,
    update_rows,
    update_values,
)
from medoffice.remittance.models import (
    FileStatus,
    ItemStatus,
    Remittance,
    RemittanceClaim,
    RemittanceFile,
)

pytestmark = pytest.mark.django_db

CLAIM_FIELDS = [
    "remittance_id", "sequence", "patient_control_number", "status_code", "payer_claim_number",
    "billed", "paid", "patient_responsibility", "patient_name", "member_id", "remark_codes",
    "claim_id", "patient_id", "status", "unmatched_reason", "notes", "journal_ids",
    "resolved_by_id", "resolved_at",
]  # fmt: skip


@pytest.fixture
def remittance() -> Remittance:
    file = RemittanceFile.objects.create(name="t.835", sha256="x" * 64, status=FileStatus.POSTED)
    return Remittance.objects.create(
        file=file, payer_key="P1", trace_number="T1", amount=Decimal("1.00"),
        payment_date=date(2026, 1, 2),
    )  # fmt: skip


def _row(remittance: Remittance, n: int) -> list[object]:
    return [
        remittance.pk, n, f"PCN{n:05d}", "1", "", Decimal(n) + Decimal("0.25"), Decimal("1.10"),
        Decimal("0.00"), "", "", ["N130"] if n % 3 == 0 else [], None, None,
        ItemStatus.UNMATCHED, "", [] if n % 2 else [f"note {n}"], [n], None,
        timezone.now() if n % 5 == 0 else None,
    ]  # fmt: skip


@pytest.mark.parametrize("count", [1, 7, 1_234])  # a few rows (VALUES) and many (UNNEST)
def test_insert_rows_returns_ids_in_row_order_with_values_intact(remittance, count):
    ids = insert_rows(
        RemittanceClaim, CLAIM_FIELDS, [_row(remittance, n) for n in range(count)], returning=True
    )
    assert len(ids) == count == len(set(ids))
    saved = RemittanceClaim.objects.in_bulk(ids)
    for n, pk in enumerate(ids):
        claim = saved[pk]
        assert claim.sequence == n and claim.patient_control_number == f"PCN{n:05d}"
        assert claim.billed == Decimal(n) + Decimal("0.25")
        assert claim.remark_codes == (["N130"] if n % 3 == 0 else [])
        assert claim.notes == ([] if n % 2 else [f"note {n}"]) and claim.journal_ids == [n]
        assert (claim.resolved_at is None) == (n % 5 != 0)
        assert claim.claim_id is None


def test_insert_rows_without_returning_and_empty(remittance):
    assert insert_rows(RemittanceClaim, CLAIM_FIELDS, []) == []
    insert_rows(RemittanceClaim, CLAIM_FIELDS, [_row(remittance, n) for n in range(30)])
    assert RemittanceClaim.objects.filter(remittance=remittance).count() == 30


def test_update_rows_and_values_touch_only_the_rows_named(remittance):
    ids = insert_rows(
        RemittanceClaim, CLAIM_FIELDS, [_row(remittance, n) for n in range(40)], returning=True
    )
    claims = list(RemittanceClaim.objects.filter(pk__in=ids[:25]).order_by("pk"))
    for claim in claims:
        claim.status, claim.notes = ItemStatus.NOT_OURS, [f"posted {claim.sequence}"]
    update_rows(RemittanceClaim, ["status", "notes"], claims)
    update_values(RemittanceClaim, ["unmatched_reason"], [("why", ids[30])])
    after = RemittanceClaim.objects.in_bulk(ids)
    for n, pk in enumerate(ids):
        claim = after[pk]
        assert claim.status == (ItemStatus.NOT_OURS if n < 25 else ItemStatus.UNMATCHED)
        assert claim.notes == ([f"posted {n}"] if n < 25 else ([] if n % 2 else [f"note {n}"]))
        assert claim.unmatched_reason == ("why" if n == 30 else "")
    update_values(RemittanceClaim, ["status"], [])  # nothing to do


def test_a_name_that_is_not_a_column_is_refused(remittance):
    with pytest.raises(ValueError, match="not a column"):
        insert_rows(RemittanceClaim, ["lines"], [[1]])


def test_instance_maker_fills_defaults_and_refuses_unknown_columns(remittance):
    make = instance_maker(RemittanceClaim)
    one, two = (
        make(remittance_id=remittance.pk, sequence=n, patient_control_number=f"P{n}",
             status_code="1", billed=Decimal("5.00"), paid=Decimal("0.00"),
             patient_responsibility=Decimal("0.00"), status=ItemStatus.UNMATCHED)
        for n in (1, 2)
    )  # fmt: skip
    assert one.pk is None and one.remark_codes == [] and one.notes == [] and one.claim_id is None
    one.notes.append("x")
    assert two.notes == []  # each instance its own default list
    with pytest.raises(TypeError, match="no column lines"):
        make(lines=[])


@pytest.mark.parametrize("many", [3, 150])  # one INSERT, and COPY on PostgreSQL
def test_reserved_ids_are_inserted_as_given_and_never_given_again(remittance, many):
    make = instance_maker(RemittanceClaim)
    first = insert_rows(RemittanceClaim, CLAIM_FIELDS, [_row(remittance, 0)], returning=True)[0]
    # The largest row goes away: an id once given is not reserved again.
    RemittanceClaim.objects.filter(pk=first).delete()
    ids = reserve_ids(RemittanceClaim, many)
    assert len(set(ids)) == many and min(ids) > first
    claims = [
        make(**dict(zip(CLAIM_FIELDS, _row(remittance, n), strict=True)), id=pk)
        for n, pk in enumerate(ids, 1)
    ]
    insert_objects(claims, with_ids=True)
    stored = dict(RemittanceClaim.objects.values_list("pk", "sequence"))
    assert stored == {pk: n for n, pk in enumerate(ids, 1)}
    later = insert_rows(RemittanceClaim, CLAIM_FIELDS, [_row(remittance, 9_999)], returning=True)[0]
    assert later > max(ids)


@pytest.mark.parametrize("count", [9, 60])  # VALUES, and COPY on PostgreSQL
def test_json_values_are_stored_as_django_stores_them(remittance, count):
    """Lists and objects, a dict repeated across rows (encoded once), equal dicts that are
    different objects, nested values, scalars and SQL NULL all read back as given, and the
    stored text is what Django's own save writes."""
    shared = {"carc": ["CO-45"], "n": 1}
    values = [shared, shared, dict(shared), {"nested": [1, {"x": "é"}]}, "text", 7, [], {}]
    rows = []
    for n in range(count):
        row = _row(remittance, n)
        row[CLAIM_FIELDS.index("journal_ids")] = values[n % len(values)]
        rows.append(row)
    ids = insert_rows(RemittanceClaim, CLAIM_FIELDS, rows, returning=True)
    stored = RemittanceClaim.objects.in_bulk(ids)
    assert [stored[pk].journal_ids for pk in ids] == [values[n % len(values)] for n in range(count)]
    other = stored[ids[0]]
    other.journal_ids = values[3]
    other.save(update_fields=["journal_ids"])  # Django's own encoding of the same value
    text = "CAST(journal_ids AS TEXT)" if connection.vendor == "sqlite" else "journal_ids::text"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {text} FROM remittance_remittanceclaim WHERE id IN (%s, %s)",  # noqa: S608
            [ids[0], ids[3]],
        )
        assert len({value for (value,) in cursor.fetchall()}) == 1


def test_loaded_maker_gives_saved_instances_that_load_what_was_left_out(remittance):
    pk = insert_rows(RemittanceClaim, CLAIM_FIELDS, [_row(remittance, 4)], returning=True)[0]
    make = loaded_maker(RemittanceClaim, ["id", "sequence", "remittance_id"])
    claim = make(*RemittanceClaim.objects.values_list("id", "sequence", "remittance_id").get())
    assert claim.pk == pk and claim.sequence == 4 and not claim._state.adding
    assert claim.get_deferred_fields() >= {"patient_control_number", "billed"}
    assert claim.patient_control_number == "PCN00004"  # read on first use, as .only() does
    assert claim.remittance == remittance
    with pytest.raises(ValueError):
        make(1, 2)  # a row of the wrong length


@pytest.mark.parametrize("count", [4, 40])  # VALUES, and COPY on PostgreSQL
def test_dates_and_amounts_as_given_or_as_text(remittance, count):
    """Columns of only dates and Decimals go to the driver as they are; a column with any other
    value (text, an int) goes through Django's conversion: both read back the same."""
    fields = ["file_id", "payer_key", "payer_name", "trace_number", "amount", "payment_date",
              "method", "control_number"]  # fmt: skip

    def rows(mixed: bool) -> list[list[object]]:
        return [
            [remittance.file_id, "P", "", f"{'M' if mixed else 'N'}{n}",
             ("7.5" if n == 0 else 7) if mixed else Decimal("7.50"),
             "2026-03-04" if mixed and n == 0 else date(2026, 3, 4 + n % 2), "CHK", ""]
            for n in range(count)
        ]  # fmt: skip

    for mixed in (False, True):
        ids = insert_rows(Remittance, fields, rows(mixed), returning=True)
        saved = Remittance.objects.in_bulk(ids)
        assert [saved[pk].payment_date for pk in ids] == [
            date(2026, 3, 4 + n % 2) for n in range(count)
        ]
        amounts = [saved[pk].amount for pk in ids]
        assert amounts == [Decimal("7.5")] + [Decimal(7) if mixed else Decimal("7.5")] * (count - 1)
