"""Fee schedules (no overlaps, the CSV importer, fee look-ups), the month's CSV exports, and the
reconcile command."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from medoffice.billing import export, fees, selectors
from medoffice.billing.models import AccountingPeriod, FeeSchedule, FeeScheduleItem, Journal
from medoffice.coding.models import ProcedureCode
from medoffice.core.access import AccessDenied

from .conftest import charge

D = Decimal
CSV = "code,modifier,billed,expected\n99213,,150.00,92.50\n99213,25,150.00,80.00\n"


def test_a_payers_schedules_never_overlap(staff, payer):
    biller = staff("biller")
    fees.fee_schedule_create(payer_id=payer.pk, name="Acme 2024", effective_from=date(2024, 1, 1),
                             effective_to=date(2024, 12, 31), actor=biller)  # fmt: skip
    with pytest.raises(ValidationError, match="overlap Acme 2024"):
        fees.fee_schedule_create(payer_id=payer.pk, name="Acme mid", effective_from=date(2024, 6, 1),
                                 effective_to=None, actor=biller)  # fmt: skip
    fees.fee_schedule_create(payer_id=payer.pk, name="Acme 2025", effective_from=date(2025, 1, 1),
                             effective_to=None, actor=biller)  # fmt: skip
    fees.fee_schedule_create(payer_id=None, name="Self-pay", effective_from=date(2024, 6, 1),
                             effective_to=None, actor=biller)  # fmt: skip
    with pytest.raises(ValidationError, match="on or after"):
        fees.fee_schedule_create(payer_id=None, name="Bad", effective_from=date(2030, 2, 1),
                                 effective_to=date(2030, 1, 1), actor=biller)  # fmt: skip
    assert FeeSchedule.objects.count() == 3


@pytest.mark.parametrize("role", ["clinician", "manager", "frontdesk", "nurse", "compliance"])
def test_only_billers_edit_fee_schedules(staff, role):
    with pytest.raises(AccessDenied):
        fees.fee_schedule_create(payer_id=None, name="Self-pay", effective_from=date(2024, 1, 1),
                                 effective_to=None, actor=staff(role))  # fmt: skip
    assert not FeeSchedule.objects.exists()


def test_import_is_idempotent_and_fee_for_prices_code_and_modifier(staff, payer, office_visit):
    biller = staff("biller")
    schedule, count = fees.fee_schedule_import(payer_id=payer.pk, effective_from=date(2024, 1, 1),
                                               text=CSV, actor=biller)  # fmt: skip
    again, _ = fees.fee_schedule_import(payer_id=payer.pk, effective_from=date(2024, 1, 1),
                                        text=CSV, actor=biller)  # fmt: skip
    assert again.pk == schedule.pk and count == 2 and FeeScheduleItem.objects.count() == 2
    on = date(2024, 5, 1)
    assert selectors.fee_for(payer.pk, "99213", "", on) == (D("150.00"), D("92.50"))
    assert selectors.fee_for(payer.pk, "99213", "25", on) == (D("150.00"), D("80.00"))
    assert selectors.fee_for(payer.pk, "99213", "59", on) == (D("150.00"), D("92.50"))
    assert selectors.fee_for(payer.pk, "99214", "", on) is None
    assert selectors.fee_for(payer.pk, "99213", "", date(2023, 12, 31)) is None
    assert selectors.fee_for(None, "99213", "", on) is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("code,billed\n99213,1\n", "Line 1: the header"),
        (
            "code,modifier,billed,expected\n99213,,150.00,92.50\n99213,,abc,1\n",
            "Line 3: Give the amount",
        ),
        (
            "code,modifier,billed,expected\n99213,,150.00,92.50\n\nZZZZZ,,10,5\n",
            "Line 4: ZZZZZ is not a known",
        ),
        ("code,modifier,billed,expected\n99213,,50.00,92.50\n", "Line 2: The expected amount"),
        (
            "code,modifier,billed,expected\n99213,,1,1\n99213,,2,2\n",
            "Line 3: 99213  repeats line 2",
        ),
        ("code,modifier,billed,expected\n", "no fee lines"),
    ],
)
def test_a_bad_file_imports_nothing_and_names_the_line(staff, payer, office_visit, text, error):
    with pytest.raises(ValidationError, match=error):
        fees.fee_schedule_import(payer_id=payer.pk, effective_from=date(2024, 1, 1), text=text,
                                 actor=staff("biller"))  # fmt: skip
    assert not FeeSchedule.objects.exists() and not FeeScheduleItem.objects.exists()


def test_import_fees_command(tmp_path, payer, office_visit):
    good = tmp_path / "acme.csv"
    good.write_text(CSV)
    out = io.StringIO()
    call_command("billing", "import-fees", "--payer", str(payer.pk), "--from", "2024-01-01",
                 str(good), stdout=out)  # fmt: skip
    assert "2 fee lines loaded" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("code,modifier,billed,expected\n99213,,150,90\nZZZZ9,,1,1\n")
    with pytest.raises(CommandError, match=r"Line 3: ZZZZ9 is not a known.*nothing imported"):
        call_command(
            "billing", "import-fees", "--payer", "self-pay", "--from", "2024-01-01", str(bad)
        )
    assert FeeSchedule.objects.count() == 1


def test_reconcile_command_exits_1_on_a_hand_made_unbalanced_row(staff, patient, payer):
    charge(
        patient_id=patient.pk, payer_id=payer.pk, amount="90.00", actor=staff("biller"), claim_id=5
    )
    out = io.StringIO()
    call_command("billing", "reconcile", stdout=out)
    assert "Ledger reconciles: 1 journals, 2 postings" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_posting (journal_id, account, amount, payer_id, effective_date)"
            " VALUES (%s, 'ar_payer', '7.00', %s, %s)",
            [Journal.objects.get().pk, payer.pk, date.today().isoformat()],
        )
    err = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("billing", "reconcile", stdout=out, stderr=err)
    assert exited.value.code == 1 and "does not balance" in err.getvalue()


# --- Exports -------------------------------------------------------------------------------------


@pytest.fixture
def closed_march(staff, patient, payer):
    charge(patient_id=patient.pk, payer_id=payer.pk, amount="100.00", to_patient="20.00",
           actor=staff("biller"), claim_id=1, day=date(2024, 3, 4))  # fmt: skip
    charge(patient_id=patient.pk, payer_id=payer.pk, amount="5.00", actor=staff("biller"),
           claim_id=2, day=date(2024, 4, 1))  # fmt: skip
    AccountingPeriod.objects.create(year=2024, month=3, closed_at=timezone.now(),
                                    closed_by=staff("manager"))  # fmt: skip
    return Journal.objects.get(effective_date=date(2024, 3, 4))


def test_quickbooks_export_has_debits_and_credits_and_no_patient(closed_march, patient):
    text = export.period_export(year=2024, month=3, fmt="quickbooks")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "JournalNo",
        "JournalDate",
        "AccountName",
        "Debits",
        "Credits",
        "Description",
    ]
    j = closed_march.pk
    assert rows[1:] == [
        [f"MO-{j}", "03/04/2024", "Patient service revenue", "", "100.00", f"MedOffice journal {j}: Charge"],
        [f"MO-{j}", "03/04/2024", "Accounts receivable: payers", "80.00", "", f"MedOffice journal {j}: Charge"],
        [f"MO-{j}", "03/04/2024", "Accounts receivable: patients", "20.00", "", f"MedOffice journal {j}: Charge"],
    ]  # fmt: skip
    assert patient.family_name not in text


def test_xero_export_signs_amounts_and_codes_accounts(closed_march):
    rows = list(csv.reader(io.StringIO(export.period_export(year=2024, month=3, fmt="xero"))))
    assert rows[0] == ["*Narration", "*Date", "Description", "*AccountCode", "*TaxRate", "*Amount"]
    assert [(r[3], r[5]) for r in rows[1:]] == [
        ("4000", "-100.00"),
        ("1100", "80.00"),
        ("1110", "20.00"),
    ]
    assert sum(D(r[5]) for r in rows[1:]) == 0 and all(r[4] == "Tax Exempt" for r in rows[1:])


def test_only_a_closed_month_exports_in_a_known_format(closed_march):
    with pytest.raises(ValidationError, match="Only a closed month"):
        export.period_export(year=2024, month=4, fmt="xero")
    with pytest.raises(ValidationError, match="Choose one of"):
        export.period_export(year=2024, month=3, fmt="sage")


def test_codes_are_matched_whatever_the_case(staff, payer):
    ProcedureCode.objects.get_or_create(
        code="G0008", defaults={"system": "HCPCS", "description": "Flu shot admin"}
    )
    fees.fee_schedule_import(payer_id=None, effective_from=date(2024, 1, 1),
                             text="code,modifier,billed,expected\ng0008,,30,25\n", actor=staff("biller"))  # fmt: skip
    assert selectors.fee_for(None, "g0008", "", date(2024, 2, 1)) == (D("30.00"), D("25.00"))
