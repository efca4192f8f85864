"""The billing pages and API for each role: who sees, who posts, and that a refusal changes
nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client, override_settings

from medoffice.audit.models import AuditEvent
from medoffice.billing import fees, selectors
from medoffice.billing.models import AccountingPeriod, AdjustmentRequest, FeeSchedule, Journal
from medoffice.testing.personas import signed_in_client

from .conftest import charge

D = Decimal
DENIED_LEDGER = ["frontdesk", "clinician", "nurse", "hr", "purchasing", "admin"]


@pytest.fixture
def as_role(staff):
    return lambda role: signed_in_client(staff(role))


@pytest.fixture
def owing(staff, patient, payer):
    charge(patient_id=patient.pk, payer_id=payer.pk, amount="300.00", to_patient="120.00",
           actor=staff("biller"), claim_id=21)  # fmt: skip
    return patient


@pytest.mark.parametrize("role", ["biller", "manager", "compliance"])
def test_the_patient_ledger_shows_balances_and_is_audited(as_role, owing, payer, role):
    response = as_role(role).get(f"/billing/patients/{owing.pk}/ledger/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "$120.00" in body and "Acme Health" in body and "$180.00" in body
    assert ("Post a payment" in body) is (role == "biller")
    assert AuditEvent.objects.filter(action="view", object_type="patient_ledger",
                                     patient_id=owing.pk).exists()  # fmt: skip


@pytest.mark.parametrize("role", DENIED_LEDGER)
def test_other_roles_are_refused_the_ledger_and_posting(as_role, owing, role):
    client = as_role(role)
    before = Journal.objects.count()
    assert client.get(f"/billing/patients/{owing.pk}/ledger/").status_code == 403
    response = client.post(f"/billing/patients/{owing.pk}/payments/",
                           {"amount": "10.00", "method": "cash"})  # fmt: skip
    assert response.status_code == 403
    assert Journal.objects.count() == before


def test_the_biller_posts_a_payment_once_from_the_page(as_role, owing):
    client = as_role("biller")
    form = client.get(f"/billing/patients/{owing.pk}/payments/")
    key = form.context["form"].initial["idempotency_key"]
    data = {"amount": "20.00", "method": "check", "reference": "555", "idempotency_key": key}
    for _ in range(2):
        response = client.post(f"/billing/patients/{owing.pk}/payments/", data)
        assert response.status_code == 302
    assert Journal.objects.filter(kind="payment").count() == 1
    bad = client.post(
        f"/billing/patients/{owing.pk}/payments/", {"amount": "1.234", "method": "cash"}
    )
    assert bad.status_code == 200 and "two decimal places" in bad.content.decode()
    assert Journal.objects.filter(kind="payment").count() == 1


@override_settings(WRITEOFF_APPROVAL_LIMIT=D("50.00"))
def test_write_off_request_and_approval_through_the_pages(as_role, owing, staff):
    response = as_role("biller").post("/billing/adjustments/new/", {
        "kind": "write_off", "patient_id": owing.pk, "amount": "100.00", "reason": "hardship policy"})  # fmt: skip
    assert response.status_code == 302
    request = AdjustmentRequest.objects.get()
    assert request.status == "pending"
    listing = as_role("manager").get("/billing/adjustments/")
    assert "hardship policy" in listing.content.decode() and "Approve" in listing.content.decode()
    assert "Approve" not in as_role("biller").get("/billing/adjustments/").content.decode()
    refused = as_role("biller").post(
        f"/billing/adjustments/{request.pk}/decide/", {"decision": "approve"}
    )
    assert refused.status_code == 403
    manager = as_role("manager")
    for _ in range(2):
        manager.post(f"/billing/adjustments/{request.pk}/decide/", {"decision": "approve"})
    assert Journal.objects.filter(kind="write_off").count() == 1
    assert selectors.patient_balance(owing.pk) == D("20.00")


@pytest.mark.parametrize("role", ["frontdesk", "clinician", "nurse", "hr", "purchasing", "admin"])
def test_adjustment_and_period_pages_are_refused_to_other_roles(as_role, role):
    client = as_role(role)
    for path in ("/billing/adjustments/", "/billing/periods/"):
        assert client.get(path).status_code == 403
    assert client.post("/billing/periods/close/", {"year": 2024, "month": 1}).status_code == 403
    assert not AccountingPeriod.objects.exists()


def test_month_end_close_and_download(as_role, staff, patient):
    charge(patient_id=patient.pk, payer_id=None, amount="75.00", to_patient="75.00",
           actor=staff("biller"), day=date(2024, 1, 10))  # fmt: skip
    assert (
        as_role("biller").post("/billing/periods/close/", {"year": 2024, "month": 1}).status_code
        == 403
    )
    manager = as_role("manager")
    assert manager.post("/billing/periods/close/", {"year": 2024, "month": 1}).status_code == 302
    page = manager.post("/billing/periods/close/", {"year": 2024, "month": 1})
    assert "already closed" in page.content.decode()
    download = as_role("biller").get("/billing/periods/2024/1/quickbooks.csv")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert b"JournalNo,JournalDate" in download.content and b"75.00" in download.content
    assert as_role("biller").get("/billing/periods/2024/2/xero.csv").status_code == 404


def test_fee_schedule_pages(as_role, office_visit, staff):
    biller = as_role("biller")
    response = biller.post(
        "/billing/fees/new/", {"name": "Self-pay 2024", "effective_from": "2024-01-01"}
    )
    schedule = FeeSchedule.objects.get()
    assert response.status_code == 302
    biller.post(
        f"/billing/fees/{schedule.pk}/items/", {"code": "99213", "billed": "120", "expected": "120"}
    )
    assert "$120.00" in as_role("manager").get(f"/billing/fees/{schedule.pk}/").content.decode()
    assert (
        as_role("manager")
        .post("/billing/fees/new/", {"name": "X", "effective_from": "2030-01-01"})
        .status_code
        == 403
    )
    # Clinicians hold billing for their own records only: they read prices, never set them.
    clinician = as_role("clinician")
    assert clinician.get("/billing/fees/").status_code == 200
    refused = clinician.post(f"/billing/fees/{schedule.pk}/items/",
                             {"code": "99213", "billed": "1", "expected": "1"})  # fmt: skip
    assert refused.status_code == 403
    assert schedule.items.get().billed_amount == D("120.00")
    for role in ("frontdesk", "nurse", "hr", "purchasing"):
        assert as_role(role).get("/billing/fees/").status_code == 403


def _api(user) -> tuple[Client, dict[str, str]]:
    from medoffice.accounts.services import api_token_create

    _, raw = api_token_create(actor=user, user=user, name="test")
    return Client(), {"Authorization": f"Bearer {raw}"}


def test_api_balance_ledger_payment_and_fees(staff, owing, payer, office_visit):
    client, headers = _api(staff("biller"))
    balance = client.get(f"/api/billing/patients/{owing.pk}/balance", headers=headers).json()
    assert balance["balance"] == "120.00" and balance["payers"][0]["balance"] == "180.00"
    body = {"patient_id": owing.pk, "amount": "20.00", "method": "cash", "idempotency_key": "api-1"}
    for _ in range(2):
        made = client.post(
            "/api/billing/payments", body, content_type="application/json", headers=headers
        )
        assert made.status_code == 201 and made.json()["balance"] == "100.00"
    assert Journal.objects.filter(kind="payment").count() == 1
    bad = client.post("/api/billing/payments", {**body, "amount": "1.001", "idempotency_key": ""},
                      content_type="application/json", headers=headers)  # fmt: skip
    assert bad.status_code == 400 and "amount" in bad.json()["errors"]
    ledger = client.get(f"/api/billing/patients/{owing.pk}/ledger", headers=headers).json()
    assert [j["kind"] for j in ledger["journals"]] == ["charge", "payment"]
    assert ledger["journals"][-1]["running_balance"] == "100.00"
    fees.fee_schedule_import(payer_id=payer.pk, effective_from=date(2024, 1, 1),
                                      text="code,modifier,billed,expected\n99213,,150,90\n",
                                      actor=staff("biller"))  # fmt: skip
    fee = client.get(
        f"/api/billing/fees?code=99213&payer_id={payer.pk}&on=2024-06-01", headers=headers
    )
    assert fee.json()["billed"] == "150.00" and fee.json()["expected"] == "90.00"
    assert client.get("/api/billing/fees", headers=headers).status_code == 400


@pytest.mark.parametrize("role", ["clinician", "frontdesk", "nurse"])
def test_api_refuses_other_roles(staff, owing, role):
    client, headers = _api(staff(role))
    assert (
        client.get(f"/api/billing/patients/{owing.pk}/balance", headers=headers).status_code == 403
    )
    made = client.post("/api/billing/payments", {"patient_id": owing.pk, "amount": "5", "method": "cash"},
                       content_type="application/json", headers=headers)  # fmt: skip
    assert made.status_code == 403 and not Journal.objects.filter(kind="payment").exists()
