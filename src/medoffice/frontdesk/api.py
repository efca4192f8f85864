"""The front desk's JSON API: the board's state, a visit's next step, a desk payment.
(No `from __future__ import annotations` here: ninja reads the annotations.)"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from medoffice.core.access import AccessRule, api_rule
from medoffice.core.permissions import Capability, Need
from medoffice.frontdesk import selectors, services
from medoffice.frontdesk.models import DeskPayment
from medoffice.scheduling.models import Appointment, Room

router = Router(tags=["front desk"])

FLOW_VIEW = AccessRule("capability", Capability.VISIT_FLOW)
FLOW_EDIT = AccessRule("capability", Capability.VISIT_FLOW, Need.EDIT)
PAYMENTS_EDIT = AccessRule("capability", Capability.DESK_PAYMENTS, Need.EDIT)
STEPS = (*services.BOARD_STEPS, "room")


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class BoardQuery(Schema):
    location: int | None = None


class VisitOut(Schema):
    appointment_id: int
    patient_id: int
    patient_name: str
    preferred_name: str
    start: datetime
    provider: str
    type: str
    status: str
    room: str
    since: datetime | None
    wait_minutes: int | None
    long_wait: bool
    late_minutes: int


class SectionOut(Schema):
    key: str
    title: str
    count: int
    threshold_minutes: int | None
    visits: list[VisitOut]


class BoardOut(Schema):
    location_id: int
    location: str
    date: date
    now: datetime
    long_waits: int
    sections: list[SectionOut]


class StepIn(Schema):
    step: str
    room_id: int | None = None
    note: str = ""


class StepOut(Schema):
    appointment_id: int
    status: str
    version: int
    encounter_id: int | None
    room: str


class PaymentIn(Schema):
    patient_id: int
    amount: Decimal
    method: str
    kind: str
    appointment_id: int | None = None
    check_number: str = ""
    card_last4: str = ""
    idempotency_key: str = ""


class PaymentOut(Schema):
    id: int
    receipt_number: str
    patient_id: int
    appointment_id: int | None
    location_id: int | None
    amount: Decimal
    method: str
    kind: str
    reference: str
    card_authorization: str
    received_by: str
    received_at: datetime
    voided_at: datetime | None


def _errors(exc: ValidationError, detail: str) -> Status:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return Status(400, {"detail": detail, "errors": errors})


def _no_body(what: str) -> Status:
    return Status(400, {"detail": f"Send {what} as a JSON object.", "errors": {}})


def _board_out(board: selectors.Board) -> dict[str, Any]:
    return {
        "location_id": board.location.pk,
        "location": board.location.name,
        "date": board.day,
        "now": board.now,
        "long_waits": board.long_waits,
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "count": section.count,
                "threshold_minutes": selectors.wait_thresholds().get(section.key),
                "visits": [
                    {
                        "appointment_id": card.appointment.pk,
                        "patient_id": card.appointment.patient_id,
                        "patient_name": f"{card.patient.given_name} {card.patient.family_name}",
                        "preferred_name": card.patient.preferred_name,
                        "start": card.appointment.start,
                        "provider": str(card.appointment.provider),
                        "type": card.appointment.type.name,
                        "status": card.appointment.status,
                        "room": card.room,
                        "since": card.since,
                        "wait_minutes": card.wait_minutes,
                        "long_wait": card.long_wait,
                        "late_minutes": card.late_minutes,
                    }
                    for card in section.cards
                ],
            }
            for section in board.sections
        ],
    }


@router.get(
    "/board",
    response={200: BoardOut, 404: ErrorOut},
    summary="Today's visits at a location by step, with waits (location: yours by default)",
)
@api_rule(FLOW_VIEW)
def board_state(request: HttpRequest, q: Query[BoardQuery]) -> Any:
    location = selectors.location_choice(request.user, q.location)
    if location is None:
        return Status(404, {"detail": "No such location for you.", "errors": {}})
    board = selectors.board_for(location=location)
    # An API client is not a polling page: each answer records every patient it returns.
    selectors.board_audit(
        actor=request.user, board=board, previously_shown=None, view="api: front-desk board"
    )
    return _board_out(board)


@router.post(
    "/visits/{appointment_id}/steps",
    response={200: StepOut, 400: ErrorOut, 404: ErrorOut},
    summary="Move a visit one step: arrive, room (with room_id), see, check_out, complete, no_show",
)
@api_rule(FLOW_EDIT)
def visit_step(request: HttpRequest, appointment_id: int, payload: StepIn | None = None) -> Any:
    if payload is None:
        return _no_body("the step")
    appointment = get_object_or_404(
        Appointment.objects.select_related("location"), pk=appointment_id
    )
    if payload.step not in STEPS:
        return Status(
            400, {"detail": f"Unknown step; use one of {', '.join(STEPS)}.", "errors": {}}
        )
    try:
        if payload.step == "room":
            room = Room.objects.filter(pk=payload.room_id or 0).first()
            if room is None:
                return Status(400, {"detail": "Give the room_id of a room.", "errors": {}})
            appointment = services.visit_room(
                actor=request.user, appointment=appointment, room=room
            )
        else:
            appointment = services.visit_step(
                actor=request.user, appointment=appointment, step=payload.step, note=payload.note
            )
    except ValidationError as exc:
        return _errors(exc, "The visit did not move.")
    appointment.refresh_from_db()
    visit_room = getattr(appointment, "visit_room", None)
    return {
        "appointment_id": appointment.pk,
        "status": appointment.status,
        "version": appointment.version,
        "encounter_id": appointment.encounter_id,
        "room": visit_room.room.name if visit_room else "",
    }


def _payment_out(row: DeskPayment) -> dict[str, Any]:
    return {
        "id": row.pk,
        "receipt_number": row.receipt_number,
        "patient_id": row.patient_id,
        "appointment_id": row.appointment_id,
        "location_id": row.location_id,
        "amount": row.amount,
        "method": row.method,
        "kind": row.kind,
        "reference": row.reference,
        "card_authorization": row.card_authorization,
        "received_by": row.received_by.get_username(),
        "received_at": row.received_at,
        "voided_at": row.voided_at,
    }


@router.post(
    "/payments",
    response={201: PaymentOut, 400: ErrorOut, 404: ErrorOut},
    summary="Record a desk payment (cash, check or card through the gateway); idempotent by key",
)
@api_rule(PAYMENTS_EDIT)
def payment_create(request: HttpRequest, payload: PaymentIn | None = None) -> Any:
    from medoffice.patients.models import Patient

    if payload is None:
        return _no_body("the payment")
    patient = get_object_or_404(Patient, pk=payload.patient_id)
    appointment = None
    if payload.appointment_id is not None:
        appointment = get_object_or_404(Appointment, pk=payload.appointment_id)
    try:
        row = services.desk_payment_record(
            actor=request.user,
            patient_id=patient.pk,
            appointment=appointment,
            payment=services.PaymentInput(
                amount=payload.amount, method=payload.method, kind=payload.kind,
                check_number=payload.check_number, card_last4=payload.card_last4,
                idempotency_key=payload.idempotency_key,
            ),
        )  # fmt: skip
    except ValidationError as exc:
        return _errors(exc, "No payment was recorded.")
    return Status(201, _payment_out(row))
