"""Booking, moving and cancelling appointments, with the database as the referee.

Each appointment inserts one Occupancy row per 5-minute slot for each resource it holds
(provider, patient, room, equipment). The unique constraint on those rows means two bookings
of the same slot cannot both commit, on SQLite and PostgreSQL alike, however they interleave:
the loser's insert fails and it gets a BookingConflict naming what is taken.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import deny, own_only, require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.scheduling import hooks
from medoffice.scheduling.models import (
    ACTIVE_STATUSES,
    SLOT_MINUTES,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    AvailabilityBlock,
    BlockKind,
    Equipment,
    Occupancy,
    PatientKind,
    Provider,
    Room,
)

MAX_OVERBOOK_LAYERS = 3


class BookingConflict(Exception):
    """The time is taken (or not bookable); the message says by what, for the person booking."""

    def __init__(self, message: str, *, resource: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.resource = resource


@dataclass
class BookingRequest:
    patient_id: int
    type: AppointmentType
    provider: Provider
    location_id: int
    start: datetime
    room: Room | None = None
    reason: str = ""
    front_desk_note: str = ""
    overbook: bool = False
    outside_hours: bool = False
    department_id: int | None = None
    series_id: int | None = None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.type.duration_minutes)


@dataclass
class BookingResult:
    appointment: Appointment
    warnings: list[str] = field(default_factory=list)


def slots(start: datetime, end: datetime) -> list[datetime]:
    step = timedelta(minutes=SLOT_MINUTES)
    out, current = [], start
    while current < end:
        out.append(current)
        current += step
    return out


def _check_alignment(start: datetime) -> None:
    if timezone.is_naive(start):
        raise ValidationError({"start": "A start time needs its time zone."})
    if start.minute % SLOT_MINUTES or start.second or start.microsecond:
        raise ValidationError({"start": f"Appointments start on {SLOT_MINUTES}-minute marks."})


def _is_established(patient_id: int, before: datetime) -> bool:
    """Seen (a completed visit) in the last three years: the CMS rule for established patients."""
    since = before - timedelta(days=3 * 365)
    return Appointment.objects.filter(
        patient_id=patient_id,
        status=AppointmentStatus.COMPLETED,
        start__gte=since,
        start__lt=before,
    ).exists()


def _require_booking_access(actor: Any, provider: Provider) -> None:
    """Schedulers book for anyone; a clinician ("own" in the matrix) only on their own schedule."""
    require_capability(actor, Capability.SCHEDULE, Need.EDIT)
    if own_only(actor, Capability.SCHEDULE, Need.EDIT) and provider.user_id != actor.pk:
        raise deny(actor, "You can book only on your own schedule.", capability=Capability.SCHEDULE)


def _check_rules(req: BookingRequest, actor: Any) -> None:
    appt_type, provider = req.type, req.provider
    if not appt_type.is_active:
        raise ValidationError({"type": f"{appt_type} is no longer offered."})
    if not provider.is_active:
        raise ValidationError({"provider": f"{provider} is not taking appointments."})
    allowed = list(appt_type.allowed_providers.values_list("pk", flat=True))
    if allowed and provider.pk not in allowed:
        raise ValidationError({"provider": f"{provider} does not see {appt_type} visits."})
    if not provider.locations.filter(pk=req.location_id).exists():
        raise ValidationError({"location": f"{provider} does not work at that location."})
    if appt_type.patient_kind != PatientKind.ANY:
        established = _is_established(req.patient_id, req.start)
        if appt_type.patient_kind == PatientKind.NEW and established:
            raise ValidationError(
                {
                    "type": f"{appt_type} is for new patients; this patient was seen in the last 3 years."
                }
            )
        if appt_type.patient_kind == PatientKind.ESTABLISHED and not established:
            raise ValidationError(
                {"type": f"{appt_type} is for established patients; book a new-patient visit."}
            )
    if req.overbook:
        if not appt_type.allows_overbooking:
            raise ValidationError({"overbook": f"{appt_type} visits cannot be overbooked."})
        if not getattr(actor, "may_overbook", False):
            raise ValidationError({"overbook": "You are not allowed to overbook."})
    if req.outside_hours and not getattr(actor, "may_overbook", False):
        raise ValidationError(
            {"outside_hours": "You are not allowed to book outside a provider's hours."}
        )
    if not req.outside_hours:
        _check_within_hours(req)


def _check_within_hours(req: BookingRequest) -> None:
    block = (
        AvailabilityBlock.objects.filter(
            provider=req.provider,
            location_id=req.location_id,
            start__lte=req.start,
            end__gte=req.end,
        )
        .select_related("template")
        .first()
    )
    if block is None:
        raise BookingConflict(
            f"{req.provider} is not available then at this location.", resource="hours"
        )
    if block.kind == BlockKind.RESERVED:
        reserved = set(block.template.reserved_types.values_list("pk", flat=True))
        if req.type.pk not in reserved:
            label = block.template.reserved_label or "other visit types"
            raise BookingConflict(f"That time is reserved ({label}).", resource="hours")


def _zone_of(appointment: Appointment) -> str:
    from medoffice.organization.models import Location

    return Location.objects.values_list("time_zone", flat=True).get(pk=appointment.location_id)


def _describe(resource: str, slot: datetime, zone_name: str) -> str:
    kind, _, pk = resource.partition(":")
    local = slot.astimezone(zoneinfo.ZoneInfo(zone_name))  # the clinic's clock, not the server's
    when = f"{local:%H:%M}".lstrip("0")
    if kind == "provider":
        return f"{Provider.objects.select_related('user').get(pk=pk)} is already booked at {when}."
    if kind == "patient":
        return f"The patient already has an appointment at {when}."
    if kind == "room":
        return f"{Room.objects.get(pk=pk).name} is taken at {when}."
    if kind == "equipment":
        return f"The {Equipment.objects.get(pk=pk).name} is in use at {when}."
    return f"That time is taken ({resource})."


def _first_conflict(
    resources: Iterable[str], start: datetime, end: datetime
) -> tuple[str, datetime] | None:
    row = (
        Occupancy.objects.filter(resource__in=list(resources), slot__gte=start, slot__lt=end)
        .order_by("slot")
        .values_list("resource", "slot")
        .first()
    )
    return row


def _occupy(appointment: Appointment, resource: str, layer: int) -> None:
    Occupancy.objects.bulk_create(
        [
            Occupancy(resource=resource, slot=s, layer=layer, appointment=appointment)
            for s in slots(appointment.start, appointment.end)
        ]
    )


def _occupy_exclusive(appointment: Appointment, resource: str) -> None:
    """Hold a resource on layer 0, or raise BookingConflict naming who holds it."""
    try:
        with transaction.atomic():
            _occupy(appointment, resource, 0)
    except IntegrityError:
        taken = _first_conflict([resource], appointment.start, appointment.end)
        raise BookingConflict(
            _describe(*taken, _zone_of(appointment)) if taken else "That time was just taken.",
            resource=resource,
        ) from None


def _occupy_overbooked(appointment: Appointment, resource: str) -> None:
    """Take the next free layer of the provider's slots (a deliberate, visible overbooking)."""
    for _ in range(MAX_OVERBOOK_LAYERS + 2):
        top = Occupancy.objects.filter(
            resource=resource, slot__gte=appointment.start, slot__lt=appointment.end
        ).aggregate(top=Max("layer"))["top"]
        layer = 0 if top is None else top + 1
        if layer > MAX_OVERBOOK_LAYERS:
            raise BookingConflict(
                f"That time is already overbooked {MAX_OVERBOOK_LAYERS} times.", resource=resource
            )
        try:
            with transaction.atomic():
                _occupy(appointment, resource, layer)
            return
        except IntegrityError:
            continue  # someone took that layer meanwhile: look again
    raise BookingConflict("That time is busy; try again.", resource=resource)


def _hold_room(appointment: Appointment, req: BookingRequest) -> None:
    kind = req.type.room_kind
    if req.room is not None:
        if kind and req.room.kind != kind:
            raise ValidationError({"room": f"{req.type} needs a {kind} room."})
        _occupy_exclusive(appointment, f"room:{req.room.pk}")
        appointment.room = req.room
        return
    if not kind:
        return
    rooms = list(
        Room.objects.filter(location_id=req.location_id, kind=kind, is_active=True).order_by("name")
    )
    for room in rooms:
        try:
            _occupy_exclusive(appointment, f"room:{room.pk}")
        except BookingConflict:
            continue
        appointment.room = room
        return
    raise BookingConflict(f"No {kind} room is free then.", resource="room")


def _hold_equipment(appointment: Appointment, req: BookingRequest) -> list[Equipment]:
    held = []
    for kind in req.type.equipment_kinds or []:
        candidates = Equipment.objects.filter(
            location_id=req.location_id, kind=kind, is_active=True
        ).order_by("name")
        for item in candidates:
            try:
                _occupy_exclusive(appointment, f"equipment:{item.pk}")
            except BookingConflict:
                continue
            held.append(item)
            break
        else:
            raise BookingConflict(f"No {kind} is free then.", resource="equipment")
    return held


def _hold_all(appointment: Appointment, req: BookingRequest) -> None:
    _occupy_exclusive(appointment, f"patient:{req.patient_id}")
    if req.overbook:
        _occupy_overbooked(appointment, f"provider:{req.provider.pk}")
    else:
        _occupy_exclusive(appointment, f"provider:{req.provider.pk}")
    _hold_room(appointment, req)
    equipment = _hold_equipment(appointment, req)
    if appointment.room_id:
        Appointment.objects.filter(pk=appointment.pk).update(room=appointment.room)
    if equipment:
        appointment.equipment.set(equipment)
    if req.overbook:
        layered = Occupancy.objects.filter(
            appointment=appointment, resource=f"provider:{req.provider.pk}", layer__gt=0
        ).exists()
        if layered:
            Appointment.objects.filter(pk=appointment.pk).update(overbooked=True)
            appointment.overbooked = True


def booking_warnings(
    patient_id: int, appt_type: AppointmentType, start: datetime, location_id: int | None = None
) -> list[str]:
    """Things the front desk should know before confirming (not reasons to refuse)."""
    from medoffice.scheduling import warnings

    return warnings.for_booking(
        patient_id=patient_id, appt_type=appt_type, start=start, location_id=location_id
    )


def appointment_book(*, actor: Any, request: BookingRequest) -> BookingResult:
    """Book one appointment. Raises ValidationError (bad request) or BookingConflict (taken)."""
    _require_booking_access(actor, request.provider)
    return _book(actor=actor, request=request, via="")


def appointment_book_for_patient(
    *, request: BookingRequest, via: str, booked_by: Any
) -> BookingResult:
    """A booking the patient makes through a signed link (a waitlist offer): the link is the
    authorization, so no staff role is checked. `booked_by` is the staff member who set it up
    (who created the waitlist entry); the audit entry says it came `via` the patient."""
    if request.overbook or request.outside_hours:
        raise ValidationError("A patient's own booking cannot overbook.")
    return _book(actor=booked_by, request=request, via=via, audit_actor=None)


def _book(
    *, actor: Any, request: BookingRequest, via: str, audit_actor: Any = "same"
) -> BookingResult:
    _check_alignment(request.start)
    _check_rules(request, actor)
    with transaction.atomic():
        appointment = Appointment.objects.create(
            patient_id=request.patient_id,
            provider=request.provider,
            location_id=request.location_id,
            department_id=request.department_id or request.type.department_id,
            type=request.type,
            start=request.start,
            end=request.end,
            reason=request.reason or request.type.default_reason,
            front_desk_note=request.front_desk_note,
            booked_by=actor,
            series_id=request.series_id,
        )
        _hold_all(appointment, request)
        details = {
            "start": request.start.isoformat(),
            "provider": request.provider.pk,
            "overbooked": appointment.overbooked,
        }
        if via:
            details["via"] = via
        audit_record(
            action="create", actor=actor if audit_actor == "same" else audit_actor, object_type="appointment",
            object_id=appointment.pk, patient_id=request.patient_id, details=details,
        )  # fmt: skip
        transaction.on_commit(lambda: hooks.fire("booked", appointment.pk))
    return BookingResult(
        appointment,
        booking_warnings(request.patient_id, request.type, request.start, request.location_id),
    )


def _release(appointment: Appointment) -> None:
    Occupancy.objects.filter(appointment=appointment).delete()


def appointment_cancel(
    *, actor: Any, appointment: Appointment, reason: str, cancelled_by: str
) -> Appointment:
    _require_booking_access(actor, appointment.provider)
    return _cancel(
        actor=actor, appointment=appointment, reason=reason, cancelled_by=cancelled_by, via=""
    )


def appointment_cancel_by_patient(
    *, appointment: Appointment, reason: str, via: str
) -> Appointment:
    """The patient cancels through a signed link (the link is the authorization); audited with
    no staff actor and the channel it came through."""
    return _cancel(
        actor=None, appointment=appointment, reason=reason, cancelled_by="patient", via=via
    )


def _cancel(
    *, actor: Any, appointment: Appointment, reason: str, cancelled_by: str, via: str
) -> Appointment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the appointment is cancelled."})
    if cancelled_by not in {"patient", "practice"}:
        raise ValidationError({"cancelled_by": "Who cancelled: the patient or the practice?"})
    now = timezone.now()
    cancellable = [AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED]
    with transaction.atomic():
        changed = Appointment.objects.filter(pk=appointment.pk, status__in=cancellable).update(
            status=AppointmentStatus.CANCELLED,
            cancelled_at=now,
            cancelled_by=cancelled_by,
            cancel_reason=reason[:300],
            version=appointment.version + 1,
        )
        if not changed:
            appointment.refresh_from_db()
            raise ValidationError(
                f"A {appointment.get_status_display().lower()} appointment cannot be cancelled."
            )
        _release(appointment)
        audit_record(
            action="update", actor=actor, object_type="appointment", object_id=appointment.pk,
            patient_id=appointment.patient_id, reason=reason,
            details={"status": "cancelled", "by": cancelled_by, **({"via": via} if via else {})},
        )  # fmt: skip
        transaction.on_commit(lambda: hooks.fire("freed", appointment.pk))
    appointment.refresh_from_db()
    return appointment


def appointment_reschedule(
    *,
    actor: Any,
    appointment: Appointment,
    start: datetime,
    provider: Provider | None = None,
    location_id: int | None = None,
    room: Room | None = None,
    version: int | None = None,
    overbook: bool = False,
) -> BookingResult:
    """Move an appointment (drag and drop, or "reschedule"): the old one is marked rescheduled
    and a new one takes its place, under the same rules as a new booking, all or nothing."""
    _require_booking_access(actor, appointment.provider)
    if provider is not None and provider.pk != appointment.provider_id:
        _require_booking_access(actor, provider)
    _check_alignment(start)
    old = appointment
    request = BookingRequest(
        patient_id=old.patient_id, type=old.type, provider=provider or old.provider,
        location_id=location_id or old.location_id, start=start, room=room, reason=old.reason,
        front_desk_note=old.front_desk_note, overbook=overbook, department_id=old.department_id, series_id=old.series_id,
    )  # fmt: skip
    _check_rules(request, actor)
    movable = [AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED]
    with transaction.atomic():
        guard = Q(pk=old.pk, status__in=movable)
        if version is not None:
            guard &= Q(version=version)
        if not Appointment.objects.filter(guard).update(
            status=AppointmentStatus.RESCHEDULED, version=old.version + 1
        ):
            old.refresh_from_db()
            if version is not None and old.version != version:
                raise BookingConflict(
                    "Someone changed this appointment meanwhile; reload and try again.",
                    resource="version",
                )
            raise ValidationError(
                f"A {old.get_status_display().lower()} appointment cannot be moved."
            )
        _release(old)
        new = Appointment.objects.create(
            patient_id=old.patient_id, provider=request.provider, location_id=request.location_id,
            department_id=old.department_id, type=old.type, start=start, end=request.end, reason=old.reason,
            front_desk_note=old.front_desk_note, booked_by=actor, series_id=old.series_id, rescheduled_from=old,
            status=AppointmentStatus.CONFIRMED if old.status == AppointmentStatus.CONFIRMED else AppointmentStatus.SCHEDULED,
            confirmed_at=old.confirmed_at,
        )  # fmt: skip
        _hold_all(new, request)
        audit_record(
            action="update", actor=actor, object_type="appointment", object_id=old.pk, patient_id=old.patient_id,
            details={"status": "rescheduled", "to": new.pk, "start": start.isoformat()},
        )  # fmt: skip
        transaction.on_commit(lambda: (hooks.fire("freed", old.pk), hooks.fire("booked", new.pk)))
    return BookingResult(
        new, booking_warnings(new.patient_id, new.type, new.start, new.location_id)
    )


def active_filter() -> Q:
    return Q(status__in=ACTIVE_STATUSES)
