"""The A/R report, statements, payment plan and collections pages for each role: the biller
works, the manager reads, the other roles are refused and a refusal changes nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.billing import statements
from medoffice.billing.models import PatientAccount, PaymentPlan, Statement, StatementRun
from medoffice.testing.personas import signed_in_client

from .conftest import charge

D = Decimal
OFFICE = ["biller", "manager"]
DENIED = ["frontdesk", "clinician", "nurse", "hr", "purchasing", "admin", "compliance"]


@pytest.fixture
def as_role(staff):
    return lambda role: signed_in_client(staff(role))


@pytest.fixture
def owing(staff, patient, payer):
    charge(patient_id=patient.pk, payer_id=payer.pk, amount="300.00", to_patient="120.00",
           actor=staff("biller"), claim_id=21)  # fmt: skip
    return patient


@pytest.fixture
def statement(owing, staff):
    return statements.statement_make(patient=owing, as_of=timezone.localdate(), through_journal_id=10**9,
                                     run=None, actor=staff("biller")).statement  # fmt: skip


def counts() -> tuple[int, ...]:
    return (StatementRun.objects.count(), Statement.objects.count(), PaymentPlan.objects.count(),
            PatientAccount.objects.count())  # fmt: skip


@pytest.mark.parametrize("role", OFFICE)
def test_the_office_reads_the_ar_report_and_its_csv(as_role, owing, payer, role):
    client = as_role(role)
    response = client.get("/billing/ar/")
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "Acme Health" in body and "$180.00" in body and owing.mrn in body and "Days in A/R" in body
    )
    assert AuditEvent.objects.filter(action="view_list", patient_id=owing.pk).exists()
    export = client.get(f"/billing/ar/export.csv?payer={payer.pk}&as_of={timezone.localdate()}")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:3] == ["section", "name", "mrn"]
    assert rows[2][:4] == ["payer", "Acme Health", "", "180.00"]
    assert any(r[0] == "patient" and r[2] == owing.mrn and r[-1] == "120.00" for r in rows)
    assert AuditEvent.objects.filter(action="export", object_type="ar_report").exists()


def test_ar_filters_a_bad_date_falls_back_to_today(as_role, owing):
    response = as_role("biller").get("/billing/ar/?as_of=not-a-date&location=abc")
    assert response.status_code == 200
    assert response.context["flt"].as_of == timezone.localdate()


@pytest.mark.parametrize("role", DENIED)
def test_other_roles_are_refused_every_new_page(as_role, owing, statement, role):
    client = as_role(role)
    before = counts()
    pid = owing.pk
    for path in ("/billing/ar/", "/billing/ar/export.csv", "/billing/statements/",
                 f"/billing/statements/{statement.pk}.pdf"):  # fmt: skip
        assert client.get(path).status_code == 403, path
    assert client.post("/billing/statements/run/", {"minimum_balance": "1.00"}).status_code == 403
    assert client.post(f"/billing/statements/{statement.pk}/sent/").status_code == 403
    assert client.post(f"/billing/patients/{pid}/plan/", {
        "total": "100.00", "installment_amount": "50.00",
        "first_due_date": timezone.localdate() + timedelta(days=5)}).status_code == 403  # fmt: skip
    assert (
        client.post(f"/billing/patients/{pid}/plan/close/", {"status": "cancelled"}).status_code
        == 403
    )
    assert client.post(f"/billing/patients/{pid}/collections/", {
        "in_collections": "on", "agency": "X", "sent_on": timezone.localdate()}).status_code == 403  # fmt: skip
    assert counts() == before
    assert not AuditEvent.objects.filter(action="print", object_type="statement").exists()


def test_the_manager_reads_statements_but_changes_nothing(as_role, owing, statement):
    client = as_role("manager")
    page = client.get("/billing/statements/")
    assert page.status_code == 200 and "Make today" not in page.content.decode()
    pdf = client.get(f"/billing/statements/{statement.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    before = counts()
    assert client.post("/billing/statements/run/", {"minimum_balance": "1.00"}).status_code == 403
    assert client.get(f"/billing/patients/{owing.pk}/plan/").status_code == 403
    assert (
        client.post(f"/billing/patients/{owing.pk}/collections/", {"agency": "X"}).status_code
        == 403
    )
    assert counts() == before


def test_the_biller_runs_statements_and_prints_one(
    as_role, owing, django_capture_on_commit_callbacks
):
    client = as_role("biller")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/billing/statements/run/", {"minimum_balance": "5.00"})
    run = StatementRun.objects.get()
    assert response.status_code == 302 and str(run.job_id) in response["Location"]
    made = Statement.objects.get(patient=owing)
    assert made.amount_due == D("120.00")
    listing = client.get("/billing/statements/").content.decode()
    assert owing.mrn in listing and "Make today" in listing
    pdf = client.get(f"/billing/statements/{made.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action="print", object_type="statement", patient_id=owing.pk
    ).exists()
    ledger = client.get(f"/billing/patients/{owing.pk}/ledger/").content.decode()
    assert "statement-history" in ledger and f"/billing/statements/{made.pk}.pdf" in ledger
    assert client.post(f"/billing/statements/{made.pk}/sent/").status_code == 302
    made.refresh_from_db()
    assert made.status == "sent"
    client.post(f"/billing/statements/{made.pk}/sent/")  # twice: nothing more happens
    assert (
        AuditEvent.objects.filter(
            object_type="statement", action="update", object_id=str(made.pk)
        ).count()
        == 1
    )
    assert client.post("/billing/statements/999999/sent/").status_code == 404


def test_a_bad_threshold_shows_the_form_again(as_role, owing):
    response = as_role("biller").post("/billing/statements/run/", {"minimum_balance": "0"})
    assert response.status_code == 200 and not StatementRun.objects.exists()


def test_the_biller_agrees_and_closes_a_plan_from_the_pages(as_role, owing):
    client = as_role("biller")
    due = timezone.localdate() + timedelta(days=7)
    bad = client.post(f"/billing/patients/{owing.pk}/plan/",
                      {"total": "500.00", "installment_amount": "50.00", "first_due_date": due})  # fmt: skip
    assert bad.status_code == 400 and "owes $120.00" in bad.content.decode()
    ok = client.post(f"/billing/patients/{owing.pk}/plan/",
                     {"total": "120.00", "installment_amount": "40.00", "first_due_date": due})  # fmt: skip
    assert ok.status_code == 302
    ledger = client.get(f"/billing/patients/{owing.pk}/ledger/").content.decode()
    assert "$40.00 a month toward $120.00" in ledger
    client.post(f"/billing/patients/{owing.pk}/plan/close/", {"status": "defaulted"})
    assert PaymentPlan.objects.get().status == "defaulted"


def test_the_biller_sends_an_account_to_collections_and_back(as_role, owing):
    client = as_role("biller")
    url = f"/billing/patients/{owing.pk}/collections/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"in_collections": "on", "agency": ""}).status_code == 400
    sent = client.post(
        url, {"in_collections": "on", "agency": "Acme Recovery", "sent_on": timezone.localdate()}
    )
    assert sent.status_code == 302
    assert (
        "In collections</strong> with Acme Recovery"
        in client.get(f"/billing/patients/{owing.pk}/ledger/").content.decode()
    )
    client.post(url, {})
    assert PatientAccount.objects.get().collections_status == "none"


def test_the_menu_shows_the_new_pages_to_the_office_only(as_role, owing):
    assert "/billing/ar/" in as_role("manager").get("/").content.decode()
    assert "/billing/statements/" in as_role("biller").get("/").content.decode()
    assert "/billing/ar/" not in as_role("frontdesk").get("/").content.decode()
