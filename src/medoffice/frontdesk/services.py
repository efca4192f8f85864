"""Every write of the front desk: desk payments (and their voids), check-in, rooming, the
provider step, checkout.

Status changes go through scheduling's `appointment_step`, which owns the flow's transitions.
Each service authorizes before its transaction (so a refusal's audit entry stays), charges a
card before its transaction too (a gateway call is not something a rollback can undo; a failed
write voids the charge instead), then writes and audits inside one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core import sequences
from medoffice.core.access import patient_access, require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.frontdesk import payments as gateways
from medoffice.frontdesk.models import DeskPayment, PaymentKind, PaymentMethod, VisitRoom
from medoffice.scheduling.models import Appointment, AppointmentStatus, Room
from medoffice.scheduling.services.flow import appointment_step

S = AppointmentStatus
MAX_AMOUNT = Decimal("99999.99")
RECEIPT_SEQUENCE = "desk_receipt"


# --- Payments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentInput:
    """Money taken at the desk, as the page or the API sends it."""

    amount: Any
    method: str
    kind: str
    check_number: str = ""
    card_last4: str = ""
    idempotency_key: str = ""


def payment_validate(payment: PaymentInput) -> PaymentInput:
    """The clean payment, or ValidationError with a message per field."""
    errors: dict[str, str] = {}
    try:
        amount = Decimal(str(payment.amount).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        errors["amount"] = "Give the amount in dollars and cents, e.g. 25.00."
    elif amount <= 0:
        errors["amount"] = "The amount must be more than zero."
    elif amount > MAX_AMOUNT:
        errors["amount"] = "That is more than a desk payment can be."
    elif amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = "Use at most two decimal places (cents)."
    if payment.method not in PaymentMethod.values:
        errors["method"] = "Choose cash, check or card."
    if payment.kind not in PaymentKind.values:
        errors["kind"] = "Choose copay, prior balance or prepayment."
    check_number = (payment.check_number or "").strip()
    last4 = (payment.card_last4 or "").strip()
    if payment.method == PaymentMethod.CHECK:
        if not check_number:
            errors["check_number"] = "Give the check number."
        elif len(check_number) > 20 or not check_number.isalnum():
            errors["check_number"] = "A check number has up to 20 letters or digits."
    if payment.method == PaymentMethod.CARD and last4 and not (len(last4) == 4 and last4.isdigit()):
        errors["card_last4"] = "Give only the last four digits of the card."
    key = (payment.idempotency_key or "").strip()
    if len(key) > 64:
        errors["idempotency_key"] = "An idempotency key has at most 64 characters."
    if errors:
        raise ValidationError(errors)
    assert amount is not None
    return PaymentInput(
        amount=amount.quantize(Decimal("0.01")),
        method=payment.method,
        kind=payment.kind,
        check_number=check_number if payment.method == PaymentMethod.CHECK else "",
        card_last4=last4 if payment.method == PaymentMethod.CARD else "",
        idempotency_key=key,
    )


@dataclass(frozen=True)
class _Charge:
    gateway: Any
    authorization_id: str
    card_last4: str


def _charge_card(payment: PaymentInput, description: str) -> _Charge | None:
    """Charge a card through the gateway (outside any transaction); None for cash and checks."""
    if payment.method != PaymentMethod.CARD:
        return None
    gateway = gateways.gateway()
    try:
        result = gateway.charge(
            amount=payment.amount,
            card_last4=payment.card_last4,
            description=description,
            idempotency_key=payment.idempotency_key,
        )
    except gateways.GatewayError as exc:
        raise ValidationError({"method": f"The card could not be charged: {exc}"}) from exc
    if not result.approved or not result.authorization_id:
        raise ValidationError(
            {"method": f"The card was declined: {result.message or 'no reason given'}."}
        )
    return _Charge(gateway, result.authorization_id, result.card_last4 or payment.card_last4)


def _undo_charge(charge: _Charge | None) -> None:
    if charge is not None:
        charge.gateway.void(authorization_id=charge.authorization_id)


def _existing(payment: PaymentInput, patient_id: int) -> DeskPayment | None:
    if not payment.idempotency_key:
        return None
    found = DeskPayment.objects.filter(idempotency_key=payment.idempotency_key).first()
    if found is not None and found.patient_id != patient_id:
        raise ValidationError("This payment key was already used for another patient.")
    return found


def _create_payment(
    *,
    actor: Any,
    patient_id: int,
    payment: PaymentInput,
    charge: _Charge | None,
    appointment: Appointment | None,
    location_id: int | None,
) -> DeskPayment:
    """Inside the caller's transaction: the row, its receipt number and its audit entry."""
    row = DeskPayment.objects.create(
        receipt_number=f"R{sequences.next_value(RECEIPT_SEQUENCE):07d}",
        patient_id=patient_id,
        appointment=appointment,
        location_id=location_id,
        amount=payment.amount,
        method=payment.method,
        kind=payment.kind,
        reference=payment.check_number or (charge.card_last4 if charge else ""),
        card_authorization=charge.authorization_id if charge else "",
        gateway=charge.gateway.name[:40] if charge else "",
        idempotency_key=payment.idempotency_key or None,
        received_by=actor,
        received_at=timezone.now(),
    )
    audit_record(
        action="create",
        actor=actor,
        object_type="desk_payment",
        object_id=row.pk,
        patient_id=patient_id,
        details={
            "amount": str(row.amount),
            "method": row.method,
            "kind": row.kind,
            "receipt": row.receipt_number,
            "appointment": appointment.pk if appointment else None,
        },
    )
    # The patient's ledger gets the payment in this same transaction.
    from medoffice.billing.services import desk_payment_to_ledger

    desk_payment_to_ledger(payment=row, actor=actor)
    return row


def desk_payment_record(
    *,
    actor: Any,
    patient_id: int,
    payment: PaymentInput,
    appointment: Appointment | None = None,
    location_id: int | None = None,
) -> DeskPayment:
    """Take a payment at the desk. A repeated idempotency key returns the first payment."""
    patient_access(actor, Capability.DESK_PAYMENTS, Need.EDIT, patient_id)
    payment = payment_validate(payment)
    if appointment is not None and appointment.patient_id != patient_id:
        raise ValidationError("That appointment is another patient's.")
    existing = _existing(payment, patient_id)
    if existing is not None:
        return existing
    charge = _charge_card(payment, description=f"Payment at the desk, patient {patient_id}")
    location_id = location_id or (appointment.location_id if appointment else None)
    try:
        with transaction.atomic():
            return _create_payment(
                actor=actor, patient_id=patient_id, payment=payment, charge=charge,
                appointment=appointment, location_id=location_id,
            )  # fmt: skip
    except IntegrityError:
        _undo_charge(charge)
        existing = _existing(payment, patient_id)
        if existing is not None:  # the same submission, twice at once: the first one counts
            return existing
        raise
    except Exception:
        _undo_charge(charge)
        raise


def desk_payment_void(*, actor: Any, payment: DeskPayment, reason: str) -> DeskPayment:
    """Void a payment (never delete it): the receipt stays, marked void, with who and why."""
    patient_access(actor, Capability.DESK_PAYMENTS, Need.EDIT, payment.patient_id)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": "Say why this payment is voided."})
    if payment.voided_at is not None:
        raise ValidationError("This payment is already void.")
    if payment.method == PaymentMethod.CARD and payment.card_authorization:
        try:
            voided = gateways.gateway().void(authorization_id=payment.card_authorization)
        except gateways.GatewayError as exc:
            raise ValidationError(f"The card processor could not void it: {exc}") from exc
        if not voided:
            raise ValidationError("The card processor refused to void this charge.")
    with transaction.atomic():
        changed = DeskPayment.objects.filter(pk=payment.pk, voided_at__isnull=True).update(
            voided_at=timezone.now(), voided_by=actor, void_reason=reason[:300]
        )
        if not changed:
            raise ValidationError("This payment is already void.")
        audit_record(
            action="update",
            actor=actor,
            object_type="desk_payment",
            object_id=payment.pk,
            patient_id=payment.patient_id,
            reason=reason[:300],
            details={"void": True, "amount": str(payment.amount)},
        )
        from medoffice.billing.services import desk_payment_void_to_ledger

        desk_payment_void_to_ledger(payment=payment, actor=actor, reason=reason[:200])
    payment.refresh_from_db()
    return payment


# --- The visit's steps --------------------------------------------------------------------------


def _require_flow(actor: Any) -> None:
    require_capability(actor, Capability.VISIT_FLOW, Need.EDIT)


def visit_check_in(
    *, actor: Any, appointment: Appointment, payment: PaymentInput | None = None
) -> tuple[Appointment, DeskPayment | None]:
    """Check a patient in, taking the copay (or any desk payment) in the same transaction."""
    _require_flow(actor)
    if payment is not None:
        patient_access(actor, Capability.DESK_PAYMENTS, Need.EDIT, appointment.patient_id)
        payment = payment_validate(payment)
        existing = _existing(payment, appointment.patient_id)
        if existing is not None:  # the same form sent twice
            appointment.refresh_from_db()
            return appointment, existing
    if appointment.status not in (S.SCHEDULED, S.CONFIRMED):
        if appointment.status == S.ARRIVED and payment is None:
            return appointment, None  # a double click
        raise ValidationError(
            f"This visit is {appointment.get_status_display().lower()}: it cannot be checked in."
        )
    charge = _charge_card(payment, f"Copay, appointment {appointment.pk}") if payment else None
    try:
        with transaction.atomic():
            appointment = appointment_step(actor=actor, appointment=appointment, step="arrive")
            row = None
            if payment is not None:
                row = _create_payment(
                    actor=actor, patient_id=appointment.patient_id, payment=payment,
                    charge=charge, appointment=appointment, location_id=appointment.location_id,
                )  # fmt: skip
    except Exception:
        _undo_charge(charge)
        raise
    return appointment, row


ENCOUNTER_TYPE_WORDS = (
    (("wellness", "physical", "annual", "preventive"), "wellness"),
    (("urgent", "sick", "same-day"), "urgent"),
    (("procedure",), "procedure"),
    (("nurse",), "nurse"),
    (("new",), "new"),
)


def encounter_type_for(appt: Appointment) -> str:
    """The chart's encounter type for an appointment type (telehealth, new patient, ...)."""
    from medoffice.chart.models import EncounterType

    kind = appt.type
    if kind.telehealth:
        return EncounterType.TELEHEALTH
    if kind.code in EncounterType.values:
        return kind.code
    if kind.patient_kind == "new":
        return EncounterType.NEW_PATIENT
    if kind.room_kind == "procedure":
        return EncounterType.PROCEDURE
    words = f"{kind.code} {kind.name}".lower()
    for keys, value in ENCOUNTER_TYPE_WORDS:
        if any(k in words for k in keys):
            return value
    return EncounterType.OFFICE


class _AlreadyLinked(Exception):
    pass


def _ensure_encounter(*, actor: Any, appointment: Appointment) -> None:
    """The visit's chart encounter, made once (the chart's own service writes and audits it).
    Two nurses rooming at once: the second link finds one there and its encounter is undone."""
    from medoffice.accounts.selectors import users_with_role
    from medoffice.chart.models import EncounterStatus
    from medoffice.chart.services import encounter_create
    from medoffice.core.permissions import RoleCode

    if appointment.encounter_id:
        return
    provider_user = appointment.provider.user
    is_clinician = users_with_role(RoleCode.CLINICIAN).filter(pk=provider_user.pk).exists()
    data = {
        "location": appointment.location,
        "department": appointment.department,
        "provider": provider_user if is_clinician else None,
        "type": encounter_type_for(appointment),
        "reason": (appointment.reason or appointment.type.default_reason)[:300],
        "start": timezone.now(),
        "status": EncounterStatus.IN_PROGRESS,
    }
    try:
        with transaction.atomic():
            encounter = encounter_create(actor=actor, patient_id=appointment.patient_id, data=data)
            linked = Appointment.objects.filter(pk=appointment.pk, encounter__isnull=True).update(
                encounter=encounter, version=F("version") + 1
            )
            if not linked:
                raise _AlreadyLinked
    except _AlreadyLinked:
        pass
    appointment.refresh_from_db()


def visit_room(*, actor: Any, appointment: Appointment, room: Room) -> Appointment:
    """Put the patient in a room: the `room` step, where they are, and the chart encounter
    for the visit (made once). Moving a roomed patient to another room only changes the room."""
    _require_flow(actor)
    patient_access(actor, Capability.CHART, Need.EDIT, appointment.patient_id)
    if room.location_id != appointment.location_id or not room.is_active:
        raise ValidationError({"room": "Choose a room at this visit's location."})
    with transaction.atomic():
        if appointment.status != S.WITH_PROVIDER:
            appointment = appointment_step(actor=actor, appointment=appointment, step="room")
        current = VisitRoom.objects.filter(appointment=appointment).first()
        if current is None or current.room_id != room.pk:
            VisitRoom.objects.update_or_create(
                appointment=appointment,
                defaults={"room": room, "roomed_by": actor, "roomed_at": timezone.now()},
            )
            audit_record(
                action="update", actor=actor, object_type="appointment",
                object_id=appointment.pk, patient_id=appointment.patient_id,
                details={"room": room.name, "moved": current is not None},
            )  # fmt: skip
        _ensure_encounter(actor=actor, appointment=appointment)
    return appointment


# Steps the board's buttons take directly (rooming needs a room; check-in and checkout have
# their own pages, but the board and the API may also take them bare).
BOARD_STEPS = ("arrive", "see", "check_out", "complete", "no_show")


def visit_step(*, actor: Any, appointment: Appointment, step: str, note: str = "") -> Appointment:
    """One step from the board. A provider who sees a patient straight from the lobby gets the
    chart encounter then, if rooming did not make one."""
    from medoffice.patients.selectors import may_access

    if step not in BOARD_STEPS:
        raise ValidationError({"step": "Choose a step this page can take."})
    _require_flow(actor)
    opens_chart = step == "see" and may_access(
        actor, Capability.CHART, appointment.patient_id, Need.EDIT
    )
    with transaction.atomic():
        appointment = appointment_step(actor=actor, appointment=appointment, step=step, note=note)
        if opens_chart:
            _ensure_encounter(actor=actor, appointment=appointment)
    return appointment


def visit_check_out(
    *, actor: Any, appointment: Appointment, payment: PaymentInput | None = None
) -> tuple[Appointment, DeskPayment | None]:
    """Finish the visit at the desk: any balance taken, then checked out and completed."""
    _require_flow(actor)
    if payment is not None:
        patient_access(actor, Capability.DESK_PAYMENTS, Need.EDIT, appointment.patient_id)
        payment = payment_validate(payment)
        existing = _existing(payment, appointment.patient_id)
        if existing is not None:
            appointment.refresh_from_db()
            return appointment, existing
    if appointment.status == S.COMPLETED and payment is None:
        return appointment, None  # a double click
    if appointment.status not in (S.ROOMED, S.WITH_PROVIDER, S.CHECKED_OUT):
        raise ValidationError(
            f"This visit is {appointment.get_status_display().lower()}: it cannot be checked out."
        )
    charge = _charge_card(payment, f"Balance, appointment {appointment.pk}") if payment else None
    try:
        with transaction.atomic():
            row = None
            if payment is not None:
                row = _create_payment(
                    actor=actor, patient_id=appointment.patient_id, payment=payment,
                    charge=charge, appointment=appointment, location_id=appointment.location_id,
                )  # fmt: skip
            if appointment.status != S.CHECKED_OUT:
                appointment = appointment_step(
                    actor=actor, appointment=appointment, step="check_out"
                )
            appointment = appointment_step(actor=actor, appointment=appointment, step="complete")
    except Exception:
        _undo_charge(charge)
        raise
    return appointment, row
