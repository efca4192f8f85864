"""Statement runs: the threshold, who is skipped, one statement a day, what is on it, the job,
and the PDF (rendered and audited as a print)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.billing import plans, statements
from medoffice.billing.ledger import Account, JournalKind, Posting, post_journal
from medoffice.billing.models import PaymentPlan, Statement, StatementLine, StatementRun
from medoffice.core.models import JobRun, JobStatus
from medoffice.patients.models import Guarantor
from medoffice.scheduling.tests.conftest import make_patient

from .conftest import charge

D = Decimal


def owe(patient, amount: str, actor, *, day: date | None = None) -> None:
    post_journal(kind=JournalKind.CHARGE, effective_date=day or timezone.localdate(), actor=actor,
                 postings=[Posting(Account.AR_PATIENT, D(amount), patient_id=patient.pk),
                           Posting(Account.REVENUE, -D(amount), patient_id=patient.pk)],
                 memo="Self-pay charge 99213")  # fmt: skip


def pay(patient, amount: str, actor) -> None:
    post_journal(kind=JournalKind.PAYMENT, effective_date=timezone.localdate(), actor=actor,
                 postings=[Posting(Account.CASH, D(amount), patient_id=patient.pk),
                           Posting(Account.AR_PATIENT, -D(amount), patient_id=patient.pk)])  # fmt: skip


@pytest.fixture
def biller(staff):
    return staff("biller")


@pytest.fixture
def people(db, biller):
    """Patients over and under the threshold, and ones a run must skip."""
    made = {
        "owes": make_patient(family="Owes", given="Olga", address_line1="1 Main St",
                             city="Albany", state="NY", postal_code="12207"),
        "small": make_patient(family="Small", given="Sam"),
        "dead": make_patient(family="Gone", given="Gil", status="deceased",
                             deceased_date=date(2025, 1, 1)),
        "agency": make_patient(family="Agency", given="Ava"),
        "plan": make_patient(family="Plan", given="Pia"),
        "credit": make_patient(family="Credit", given="Cal"),
    }  # fmt: skip
    for key, amount in (("owes", "80.00"), ("small", "4.99"), ("dead", "50.00"),
                        ("agency", "70.00"), ("plan", "300.00"), ("credit", "10.00")):  # fmt: skip
        owe(made[key], amount, biller)
    pay(made["credit"], "25.00", biller)
    plans.collections_set(patient_id=made["agency"].pk, agency="Acme Recovery",
                          sent_on=timezone.localdate(), actor=biller)  # fmt: skip
    plans.plan_create(patient_id=made["plan"].pk, total="300.00", installment_amount="50.00",
                      first_due_date=timezone.localdate() + timedelta(days=20), actor=biller)  # fmt: skip
    return made


def run(biller, minimum="5.00", as_of=None, *, capture) -> StatementRun:
    with capture(execute=True):
        made = statements.statements_run(actor=biller, minimum_balance=minimum, as_of=as_of)
    made.refresh_from_db()
    return made


def test_threshold_and_skips(people, biller, django_capture_on_commit_callbacks):
    made = run(biller, capture=django_capture_on_commit_callbacks)
    got = set(Statement.objects.values_list("patient_id", flat=True))
    assert got == {people["owes"].pk}
    assert made.considered == 4 and made.created == 1 and made.already_made == 0
    assert made.skipped == {"deceased": 1, "collections": 1, "plan_not_due": 1}
    job = JobRun.objects.get(pk=made.job_id)
    assert job.status == JobStatus.SUCCEEDED and "1 statements made" in job.message
    assert job.progress_done == 1


def test_a_second_run_the_same_day_makes_nothing_new(
    people, biller, django_capture_on_commit_callbacks
):
    run(biller, capture=django_capture_on_commit_callbacks)
    owe(people["owes"], "20.00", biller)
    again = run(biller, capture=django_capture_on_commit_callbacks)
    assert Statement.objects.count() == 1 and again.created == 0 and again.already_made == 1
    assert Statement.objects.get().balance == D("80.00")


def test_a_lower_threshold_the_same_day_adds_only_the_missing(
    people, biller, django_capture_on_commit_callbacks
):
    run(biller, capture=django_capture_on_commit_callbacks)
    lower = run(biller, minimum="1.00", capture=django_capture_on_commit_callbacks)
    assert lower.created == 1 and lower.already_made == 1
    assert Statement.objects.filter(patient=people["small"]).exists()


def test_a_due_installment_puts_the_plan_patient_on_the_run(
    people, biller, django_capture_on_commit_callbacks
):
    later = timezone.localdate() + timedelta(days=20)
    PaymentPlan.objects.filter(patient=people["plan"]).update(
        start_date=timezone.localdate() - timedelta(days=40)
    )
    with pytest.raises(ValidationError):  # statements are not dated in the future
        statements.statements_run(actor=biller, minimum_balance="5.00", as_of=later)
    plan = PaymentPlan.objects.get(patient=people["plan"])
    PaymentPlan.objects.filter(pk=plan.pk).update(
        first_due_date=timezone.localdate(), next_due_date=timezone.localdate()
    )
    run(biller, capture=django_capture_on_commit_callbacks)
    statement = Statement.objects.get(patient=people["plan"])
    assert statement.balance == D("300.00") and statement.amount_due == D("50.00")


def test_lines_since_the_last_statement_with_codes_and_insurance(db, biller, payer, patient):
    from medoffice.claims.models import ClaimLine

    first = post_journal(kind=JournalKind.PAYMENT, effective_date=timezone.localdate(), actor=biller,
                         postings=[Posting(Account.CASH, D("1.00")), Posting(Account.UNAPPLIED, D("-1.00"))])  # fmt: skip
    owe(patient, "40.00", biller)
    old = statements.statement_make(patient=patient, as_of=timezone.localdate() - timedelta(days=30),
                                    through_journal_id=first.pk + 1, run=None, actor=biller).statement  # fmt: skip
    assert old.balance == D("40.00") and old.lines.count() == 1
    charge(
        patient_id=patient.pk,
        payer_id=payer.pk,
        amount="200.00",
        to_patient="30.00",
        actor=biller,
        claim_id=5,
    )
    paid = post_journal(kind=JournalKind.PAYMENT, effective_date=timezone.localdate(), actor=biller,
                        postings=[Posting(Account.CASH, D("150.00")),
                                  Posting(Account.AR_PAYER, D("-150.00"), patient_id=patient.pk,
                                          payer_id=payer.pk, claim_id=5)])  # fmt: skip
    pay(patient, "10.00", biller)
    assert not ClaimLine.objects.exists()  # hand-made ledger: no claim lines, codes stay empty
    new = statements.statement_make(patient=patient, as_of=timezone.localdate(),
                                    through_journal_id=paid.pk + 1, run=None, actor=biller).statement  # fmt: skip
    lines = list(new.lines.all())
    assert [ln.description.split(":")[0] for ln in lines] == [
        "Service",
        "Insurance payment",
        "Payment received, thank you",
    ]
    assert lines[0].charge == D("200.00") and lines[0].patient_amount == D("30.00")
    assert lines[1].insurance_paid == D("150.00") and lines[1].patient_amount == 0
    assert lines[2].patient_amount == D("-10.00")
    assert new.previous_balance == D("40.00") and new.balance == D("60.00") == new.amount_due
    assert dict(new.aging)["0-30"] == "60.00"
    assert (
        AuditEvent.objects.filter(
            action="create", object_type="statement", patient_id=patient.pk
        ).count()
        == 2
    )


def test_an_eras_claim_is_one_line_with_insurance_adjustment_and_the_patients_share(
    db, biller, payer, patient
):
    charge(patient_id=patient.pk, payer_id=payer.pk, amount="200.00", actor=biller, claim_id=7)
    ids = {"patient_id": patient.pk, "payer_id": payer.pk, "claim_id": 7}
    era = post_journal(kind=JournalKind.REMITTANCE, effective_date=timezone.localdate(),
                       actor=biller, memo="ERA 123 claim 7", postings=[
                           Posting(Account.CASH, D("120.00"), **ids),
                           Posting(Account.CONTRACTUAL_ADJUSTMENT, D("50.00"), **ids),
                           Posting(Account.AR_PATIENT, D("30.00"), **ids),
                           Posting(Account.AR_PAYER, D("-200.00"), **ids)])  # fmt: skip
    made = statements.statement_make(patient=patient, as_of=timezone.localdate(),
                                     through_journal_id=era.pk, run=None, actor=biller).statement  # fmt: skip
    service, insurance = made.lines.all()
    assert service.charge == D("200.00") and service.patient_amount == 0
    assert insurance.description == "Insurance payment"  # no ERA trace number for the patient
    assert (insurance.insurance_paid, insurance.adjustment, insurance.patient_amount) == (
        D("120.00"), D("50.00"), D("30.00"),
    )  # fmt: skip
    assert made.balance == D("30.00")


def test_the_guarantor_receives_the_statement(db, biller, patient):
    Guarantor.objects.create(patient=patient, relationship="parent", family_name="Ledger", given_name="Paul",
                             address_line1="9 Elm St", city="Troy", state="NY", postal_code="12180")  # fmt: skip
    owe(patient, "12.00", biller)
    made = statements.statement_make(patient=patient, as_of=timezone.localdate(), through_journal_id=10**9,
                                     run=None, actor=biller).statement  # fmt: skip
    assert made.mail_to_name == "Paul Ledger" and not made.guarantor_is_patient
    assert made.mail_to_address == ["9 Elm St", "Troy, NY 12180"] and made.delivery == "mail"


def test_the_pdf_renders_and_printing_is_audited(
    people, biller, django_capture_on_commit_callbacks
):
    run(biller, capture=django_capture_on_commit_callbacks)
    statement = Statement.objects.get()
    pdf = statements.statement_print(statement=statement, actor=biller)
    assert pdf.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="print", object_type="statement",
                                     object_id=str(statement.pk), patient_id=statement.patient_id).exists()  # fmt: skip


@pytest.mark.parametrize("role", ["manager", "frontdesk", "clinician", "compliance"])
def test_only_the_billing_office_runs_statements(people, staff, role):
    before = (StatementRun.objects.count(), JobRun.objects.count())
    with pytest.raises(PermissionDenied):
        statements.statements_run(actor=staff(role), minimum_balance="5.00")
    assert (StatementRun.objects.count(), JobRun.objects.count()) == before
    assert not StatementLine.objects.exists()


def test_the_threshold_is_at_least_a_cent(db, biller):
    for bad in ("0", "-5", "abc"):
        with pytest.raises(ValidationError):
            statements.statements_run(actor=biller, minimum_balance=bad)
    assert not StatementRun.objects.exists()
