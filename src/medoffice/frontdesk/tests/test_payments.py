"""Desk payments: amounts in Decimal, the gateway for cards, idempotency, voids, receipts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.core.access import AccessDenied
from medoffice.frontdesk import services
from medoffice.frontdesk.models import DeskPayment
from medoffice.frontdesk.payments import CardCharge
from medoffice.testing.personas import signed_in_client

from .conftest import make_patient

Pay = services.PaymentInput


class DecliningGateway:
    name = "declines"

    def charge(self, **kwargs):
        return CardCharge(approved=False, message="insufficient funds")

    def void(self, *, authorization_id):
        return True


class RecordingGateway:
    """Approves, and remembers what it charged and voided (class-level: one per test)."""

    name = "recording"
    charged: list[str] = []
    voided: list[str] = []

    def charge(self, *, amount, card_last4, description, idempotency_key):
        auth = f"AUTH{len(self.charged) + 1}"
        self.charged.append(auth)
        return CardCharge(approved=True, authorization_id=auth, card_last4="1111")

    def void(self, *, authorization_id):
        self.voided.append(authorization_id)
        return True


@pytest.fixture
def recording():
    RecordingGateway.charged, RecordingGateway.voided = [], []
    with override_settings(PAYMENT_GATEWAY=f"{__name__}.RecordingGateway"):
        yield RecordingGateway


@pytest.fixture
def patient(db):
    return make_patient(family="Payer", given="Paula")


def test_cash_payment_in_decimal_with_a_receipt_number(patient, staff):
    row = services.desk_payment_record(
        actor=staff("frontdesk"), patient_id=patient.pk,
        payment=Pay(amount="25.5", method="cash", kind="prepayment"),
    )  # fmt: skip
    row.refresh_from_db()
    assert row.amount == Decimal("25.50") and isinstance(row.amount, Decimal)
    assert row.receipt_number.startswith("R") and row.reference == ""
    event = AuditEvent.objects.get(action="create", object_type="desk_payment")
    assert event.patient_id == patient.pk and event.details["amount"] == "25.50"
    second = services.desk_payment_record(
        actor=staff("biller"), patient_id=patient.pk, payment=Pay(amount=Decimal("1"), method="cash", kind="copay")
    )  # fmt: skip
    assert second.receipt_number != row.receipt_number


@pytest.mark.parametrize(
    "amount", ["0", "0.00", "-1", "-0.01", "abc", "", "1.005", "NaN", "Infinity", "100000"]
)
def test_bad_amounts_are_refused(patient, staff, amount):
    with pytest.raises(ValidationError) as exc:
        services.desk_payment_record(
            actor=staff("frontdesk"), patient_id=patient.pk,
            payment=Pay(amount=amount, method="cash", kind="copay"),
        )  # fmt: skip
    assert "amount" in exc.value.message_dict
    assert not DeskPayment.objects.exists()


def test_the_database_refuses_a_non_positive_amount(patient, staff):
    with pytest.raises(IntegrityError), transaction.atomic():
        DeskPayment.objects.create(
            receipt_number="X1", patient=patient, amount=Decimal("0"), method="cash",
            kind="copay", received_by=staff("frontdesk"), received_at=timezone.now(),
        )  # fmt: skip


def test_method_kind_and_references(patient, staff):
    desk = staff("frontdesk")
    for payment, field in [
        (Pay(amount="5", method="bitcoin", kind="copay"), "method"),
        (Pay(amount="5", method="cash", kind="tip"), "kind"),
        (Pay(amount="5", method="check", kind="copay"), "check_number"),
        (Pay(amount="5", method="card", kind="copay", card_last4="42"), "card_last4"),
        (Pay(amount="5", method="card", kind="copay", card_last4="4111111111111111"), "card_last4"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.desk_payment_record(actor=desk, patient_id=patient.pk, payment=payment)
        assert field in exc.value.message_dict
    assert not DeskPayment.objects.exists()


def test_card_through_the_default_fake_gateway(patient, staff):
    row = services.desk_payment_record(
        actor=staff("frontdesk"), patient_id=patient.pk,
        payment=Pay(amount="30", method="card", kind="copay", card_last4="4242"),
    )  # fmt: skip
    assert row.card_authorization.startswith("TEST-") and row.reference == "4242"
    assert row.gateway == "test gateway"
    assert "authorization TEST-" in row.reference_display


def test_a_declined_card_records_nothing(patient, staff):
    with (
        override_settings(PAYMENT_GATEWAY=f"{__name__}.DecliningGateway"),
        pytest.raises(ValidationError, match="declined: insufficient funds"),
    ):
        services.desk_payment_record(
            actor=staff("frontdesk"), patient_id=patient.pk,
            payment=Pay(amount="30", method="card", kind="copay"),
        )  # fmt: skip
    assert not DeskPayment.objects.exists()


def test_a_failed_write_voids_the_card_charge(patient, staff, recording, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_create_payment", broken)
    with pytest.raises(RuntimeError):
        services.desk_payment_record(
            actor=staff("frontdesk"), patient_id=patient.pk,
            payment=Pay(amount="30", method="card", kind="copay"),
        )  # fmt: skip
    assert recording.charged == ["AUTH1"] and recording.voided == ["AUTH1"]


def test_the_same_key_records_once_and_charges_once(patient, staff, recording):
    payment = Pay(amount="30", method="card", kind="copay", idempotency_key="abc")
    first = services.desk_payment_record(
        actor=staff("frontdesk"), patient_id=patient.pk, payment=payment
    )
    again = services.desk_payment_record(
        actor=staff("frontdesk"), patient_id=patient.pk, payment=payment
    )
    assert first.pk == again.pk and DeskPayment.objects.count() == 1
    assert recording.charged == ["AUTH1"]
    other = make_patient(family="Other")
    with pytest.raises(ValidationError):
        services.desk_payment_record(actor=staff("frontdesk"), patient_id=other.pk, payment=payment)


@pytest.mark.parametrize("role", ["manager", "clinician", "nurse", "compliance", "hr", "admin"])
def test_roles_that_do_not_take_money(patient, staff, role):
    with pytest.raises(AccessDenied):
        services.desk_payment_record(
            actor=staff(role), patient_id=patient.pk,
            payment=Pay(amount="5", method="cash", kind="copay"),
        )  # fmt: skip
    assert not DeskPayment.objects.exists()
    assert AuditEvent.objects.filter(action="permission_denied").exists()


def _paid(patient, staff, method="cash", **fields):
    return services.desk_payment_record(
        actor=staff("frontdesk"), patient_id=patient.pk,
        payment=Pay(amount="12.34", method=method, kind="copay", **fields),
    )  # fmt: skip


def test_void_keeps_the_row_with_who_and_why(patient, staff, recording):
    row = _paid(patient, staff, "card", card_last4="1111")
    with pytest.raises(ValidationError):
        services.desk_payment_void(actor=staff("frontdesk"), payment=row, reason=" ")
    with pytest.raises(AccessDenied):
        services.desk_payment_void(actor=staff("manager"), payment=row, reason="typed twice")
    row.refresh_from_db()
    assert row.voided_at is None
    services.desk_payment_void(actor=staff("frontdesk"), payment=row, reason="typed twice")
    row.refresh_from_db()
    assert (
        row.voided_at and row.void_reason == "typed twice" and row.voided_by.username == "frontdesk"
    )
    assert recording.voided == [row.card_authorization]
    with pytest.raises(ValidationError, match="already void"):
        services.desk_payment_void(actor=staff("frontdesk"), payment=row, reason="again please")
    assert DeskPayment.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="desk_payment", details__void=True).count() == 1


def test_receipt_page(patient, staff):
    row = _paid(patient, staff, "check", check_number="1042")
    desk = signed_in_client(staff("frontdesk"))
    html = desk.get(f"/frontdesk/payments/{row.pk}/").content.decode()
    assert f"Receipt {row.receipt_number}" in html and "$12.34" in html
    assert "Check no. 1042" in html and "Paula Payer" in html and patient.mrn in html
    assert "data-print" in html and "Void this payment" in html
    assert AuditEvent.objects.filter(
        action="view", object_type="desk_payment", object_id=str(row.pk)
    ).exists()
    manager_html = (
        signed_in_client(staff("manager")).get(f"/frontdesk/payments/{row.pk}/").content.decode()
    )
    assert "$12.34" in manager_html and "Void this payment" not in manager_html
    assert signed_in_client(staff("nurse")).get(f"/frontdesk/payments/{row.pk}/").status_code == 403


def test_void_through_the_page(patient, staff):
    row = _paid(patient, staff)
    desk = signed_in_client(staff("frontdesk"))
    desk.post(f"/frontdesk/payments/{row.pk}/void/", {"reason": "no"})
    row.refresh_from_db()
    assert row.voided_at is None
    response = desk.post(
        f"/frontdesk/payments/{row.pk}/void/", {"reason": "wrong patient"}, follow=True
    )
    assert "VOID" in response.content.decode() and "wrong patient" in response.content.decode()
    assert (
        signed_in_client(staff("manager"))
        .post(f"/frontdesk/payments/{row.pk}/void/", {"reason": "something"})
        .status_code
        == 403
    )


def test_the_home_panel_totals_the_days_payments_in_cents(patient, staff, clinic):
    for amount in ("20.00", "25.00"):
        services.desk_payment_record(
            actor=staff("frontdesk"), patient_id=patient.pk,
            payment=Pay(amount=amount, method="cash", kind="copay"),
        )  # fmt: skip
    DeskPayment.objects.update(location=clinic["location"])
    html = signed_in_client(staff("frontdesk")).get("/").content.decode()
    # SQLite adds the amounts as floats: 45, not 45.00, unless the total is quantized.
    assert "2 · $45.00" in html
