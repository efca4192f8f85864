"""Payment plans and collections: the rules, the review that advances, completes or defaults a
plan, and who may change them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.billing import plans
from medoffice.billing.ledger import Account, JournalKind, Posting, post_journal
from medoffice.billing.models import PatientAccount, PaymentPlan, PlanStatus

D = Decimal
TODAY = timezone.localdate


def owe(patient, amount: str, actor) -> None:
    post_journal(kind=JournalKind.CHARGE, effective_date=TODAY(), actor=actor,
                 postings=[Posting(Account.AR_PATIENT, D(amount), patient_id=patient.pk),
                           Posting(Account.REVENUE, -D(amount), patient_id=patient.pk)])  # fmt: skip


def pay(patient, amount: str, actor, day: date | None = None) -> None:
    post_journal(kind=JournalKind.PAYMENT, effective_date=day or TODAY(), actor=actor,
                 postings=[Posting(Account.CASH, D(amount), patient_id=patient.pk),
                           Posting(Account.AR_PATIENT, -D(amount), patient_id=patient.pk)])  # fmt: skip


@pytest.fixture
def biller(staff):
    return staff("biller")


@pytest.fixture
def owing(patient, biller):
    owe(patient, "600.00", biller)
    return patient


def new_plan(patient, biller, **overrides):
    values = {"patient_id": patient.pk, "total": "600.00", "installment_amount": "100.00",
              "first_due_date": TODAY() + timedelta(days=10), "actor": biller}  # fmt: skip
    return plans.plan_create(**{**values, **overrides})


def test_a_plan_is_agreed_and_audited(owing, biller):
    plan = new_plan(owing, biller)
    assert plan.status == PlanStatus.ACTIVE and plan.next_due_date == plan.first_due_date
    assert AuditEvent.objects.filter(
        action="create", object_type="payment_plan", patient_id=owing.pk
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"total": "600.01"}, "total"),  # more than the balance
        ({"installment_amount": "700.00"}, "installment_amount"),  # more than the total
        ({"installment_amount": "10.00"}, "installment_amount"),  # 60 installments
        ({"installment_amount": "0"}, "installment_amount"),
        ({"first_due_date": date(2020, 1, 1)}, "first_due_date"),
        ({"first_due_date": date.today() + timedelta(days=90)}, "first_due_date"),
    ],
)
def test_plan_rules(owing, biller, overrides, field):
    with pytest.raises(ValidationError) as exc:
        new_plan(owing, biller, **overrides)
    assert field in exc.value.message_dict
    assert not PaymentPlan.objects.exists()


def test_one_active_plan_and_none_in_collections(owing, biller):
    new_plan(owing, biller, total="300.00")
    with pytest.raises(ValidationError, match="already has an active plan"):
        new_plan(owing, biller, total="200.00")
    with pytest.raises(ValidationError, match="active payment plan"):
        plans.collections_set(patient_id=owing.pk, agency="Acme", sent_on=TODAY(), actor=biller)
    plans.plan_close(patient_id=owing.pk, status="cancelled", actor=biller)
    plans.collections_set(patient_id=owing.pk, agency="Acme", sent_on=TODAY(), actor=biller)
    with pytest.raises(ValidationError, match="collections"):
        new_plan(owing, biller)
    plans.collections_clear(patient_id=owing.pk, actor=biller)
    assert new_plan(owing, biller).status == PlanStatus.ACTIVE


def test_installments_paid_move_the_due_date_and_paying_off_completes(owing, biller):
    plan = new_plan(owing, biller)
    pay(owing, "250.00", biller)  # two installments and a half
    plan = plans.plan_review(plan=plan, as_of=TODAY())
    assert plan.status == PlanStatus.ACTIVE
    assert plan.next_due_date == plans.add_months(plan.first_due_date, 2)
    pay(owing, "350.00", biller)
    assert plans.plan_review(plan=plan, as_of=TODAY()).status == PlanStatus.COMPLETED


def test_a_late_installment_defaults_the_plan(owing, biller):
    plan = new_plan(owing, biller)
    assert (
        plans.plan_review(plan=plan, as_of=plan.first_due_date + timedelta(days=30)).status
        == "active"
    )
    late = plans.plan_review(plan=plan, as_of=plan.first_due_date + timedelta(days=31))
    assert late.status == PlanStatus.DEFAULTED and late.closed_at is not None
    assert AuditEvent.objects.filter(object_type="payment_plan", action="update").exists()


def test_add_months_keeps_the_day_or_the_months_end():
    assert plans.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert plans.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_closing_twice_and_bad_status(owing, biller):
    new_plan(owing, biller)
    with pytest.raises(ValidationError):
        plans.plan_close(patient_id=owing.pk, status="completed", actor=biller)
    assert (
        plans.plan_close(patient_id=owing.pk, status="defaulted", actor=biller).status
        == "defaulted"
    )
    with pytest.raises(ValidationError, match="no active plan"):
        plans.plan_close(patient_id=owing.pk, status="defaulted", actor=biller)


def test_collections_needs_an_agency_and_a_past_day(owing, biller):
    with pytest.raises(ValidationError) as exc:
        plans.collections_set(
            patient_id=owing.pk, agency=" ", sent_on=TODAY() + timedelta(days=1), actor=biller
        )
    assert set(exc.value.message_dict) == {"agency", "sent_on"}
    account = plans.collections_set(
        patient_id=owing.pk, agency="Acme Recovery", sent_on=TODAY(), actor=biller
    )
    assert account.collections_status == "collections" and plans.in_collections(owing.pk)
    assert AuditEvent.objects.filter(object_type="patient_account", patient_id=owing.pk).exists()


@pytest.mark.parametrize("role", ["manager", "frontdesk", "clinician", "nurse", "compliance"])
def test_others_change_nothing(owing, staff, role):
    actor = staff(role)
    with pytest.raises(PermissionDenied):
        new_plan(owing, actor)
    with pytest.raises(PermissionDenied):
        plans.collections_set(patient_id=owing.pk, agency="Acme", sent_on=TODAY(), actor=actor)
    assert not PaymentPlan.objects.exists() and not PatientAccount.objects.exists()
