"""Schemas and helpers of the scheduling JSON API (scheduling.api), shared with the FHIR
scheduling resources: who sees which appointments, times in UTC and in the location's zone,
the booking request from ids, and the open slots of find-first-available.

(No `from __future__ import annotations` here: django-ninja reads the schemas' annotations.)
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Schema, Status
from ninja.errors import HttpError

from medoffice.core.access import deny, own_only
from medoffice.core.permissions import Capability, Need
from medoffice.organization.models import Location
from medoffice.patients.models import Patient
from medoffice.scheduling.models import Appointment, AppointmentType, Provider, Room
from medoffice.scheduling.services.booking import BookingConflict, BookingRequest

MAX_RANGE_DAYS = 62
MAX_LIST = 1000


# --- Schemas ---------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class ConflictOut(Schema):
    detail: str
    resource: str


class LocationOut(Schema):
    id: int
    name: str
    code: str
    time_zone: str


class AppointmentTypeOut(Schema):
    id: int
    code: str
    name: str
    duration_minutes: int
    patient_kind: str
    room_kind: str
    equipment_kinds: list[str]
    telehealth: bool
    color: str
    default_reason: str
    allows_overbooking: bool
    requires_authorization: bool
    department_id: int | None
    allowed_provider_ids: list[int]


class ProviderOut(Schema):
    id: int
    user_id: int
    name: str
    npi: str
    taxonomy: str
    color: str
    accepts_new_patients: bool
    department_ids: list[int]
    locations: list[LocationOut]


class Span(Schema):
    """A stretch of time, in UTC and in the location's zone."""

    start: datetime
    end: datetime
    start_local: datetime
    end_local: datetime
    time_zone: str


class BlockOut(Span):
    provider_id: int
    location_id: int
    kind: str
    reserved_label: str
    reserved_type_ids: list[int]


class SlotOut(Span):
    provider: str
    provider_id: int
    location: str
    location_id: int
    type_id: int
    room: str
    reserved_label: str


class Ref(Schema):
    id: int
    name: str


class PatientRef(Ref):
    mrn: str


class AppointmentOut(Span):
    id: int
    version: int
    status: str
    patient: PatientRef
    provider: Ref
    location: LocationOut
    type: AppointmentTypeOut
    room: Ref | None
    equipment: list[Ref]
    department_id: int | None
    reason: str
    front_desk_note: str
    overbooked: bool
    series_id: int | None
    rescheduled_from_id: int | None
    rescheduled_to_id: int | None
    booked_by: str
    confirmed_at: datetime | None
    arrived_at: datetime | None
    roomed_at: datetime | None
    provider_at: datetime | None
    checked_out_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    no_show_at: datetime | None
    cancelled_by: str
    cancel_reason: str
    created_at: datetime
    updated_at: datetime


class BookingOut(AppointmentOut):
    warnings: list[str]


class AppointmentListOut(Schema):
    count: int
    results: list[AppointmentOut]


class BookingIn(Schema):
    patient_id: int
    type_id: int
    provider_id: int
    location_id: int
    start: datetime
    room_id: int | None = None
    department_id: int | None = None
    reason: str = ""
    front_desk_note: str = ""
    overbook: bool = False
    outside_hours: bool = False


class RescheduleIn(Schema):
    start: datetime
    version: int
    provider_id: int | None = None
    location_id: int | None = None
    room_id: int | None = None
    overbook: bool = False


class CancelIn(Schema):
    reason: str
    cancelled_by: str


class StepIn(Schema):
    step: str
    note: str = ""


# --- Helpers shared with the FHIR scheduling resources ----------------------------------------


def visible_appointments(user: Any) -> Q:
    """The appointments a user may read: all of them, or a clinician's own schedule ("O")."""
    if own_only(user, Capability.SCHEDULE, Need.VIEW):
        return Q(provider__user_id=user.pk)
    return Q()


def visible_providers(user: Any) -> Q:
    if own_only(user, Capability.SCHEDULE, Need.VIEW):
        return Q(user_id=user.pk)
    return Q()


def span(start: datetime, end: datetime, zone_name: str) -> dict[str, Any]:
    zone = ZoneInfo(zone_name)
    return {
        "start": start.astimezone(UTC),
        "end": end.astimezone(UTC),
        "start_local": start.astimezone(zone),
        "end_local": end.astimezone(zone),
        "time_zone": zone_name,
    }


def local_days_q(field: str, first: date, last: date, locations: list[Location]) -> Q:
    """Rows whose `field` falls on days first..last in their own location's zone (exactly, in
    SQL: one range per zone, so a Chicago clinic's day is not New York's)."""
    by_zone: dict[str, list[int]] = {}
    for location in locations:
        by_zone.setdefault(location.time_zone, []).append(location.pk)
    condition = Q(pk__in=[])
    for zone_name, ids in by_zone.items():
        zone = ZoneInfo(zone_name)
        low = datetime.combine(first, time.min, tzinfo=zone)
        high = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
        condition |= Q(location_id__in=ids, **{f"{field}__gte": low, f"{field}__lt": high})
    return condition


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {key: list(messages) for key, messages in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


def provider_name(provider: Provider) -> str:
    return str(provider)


# --- Helpers -------------------------------------------------------------------------------


def bad(detail: str, errors: dict[str, list[str]] | None = None) -> Status:
    return Status(400, {"detail": detail, "errors": errors or {}})


def invalid(exc: ValidationError, detail: str) -> Status:
    return Status(400, {"detail": detail, "errors": validation_errors(exc)})


def conflict(exc: BookingConflict) -> Status:
    return Status(409, {"detail": exc.message, "resource": exc.resource})


def day_range(
    date_from: date | None, date_to: date | None, *, default_days: int
) -> tuple[date, date]:
    if date_from is None:
        raise HttpError(400, "Give date_from (YYYY-MM-DD).")
    last = date_to or date_from + timedelta(days=default_days - 1)
    if last < date_from:
        raise HttpError(400, "date_to is before date_from.")
    if (last - date_from).days >= MAX_RANGE_DAYS:
        raise HttpError(400, f"Ask for at most {MAX_RANGE_DAYS} days at a time.")
    return date_from, last


def type_out(t: AppointmentType) -> dict[str, Any]:
    return {
        "id": t.pk, "code": t.code, "name": t.name, "duration_minutes": t.duration_minutes,
        "patient_kind": t.patient_kind, "room_kind": t.room_kind,
        "equipment_kinds": list(t.equipment_kinds or []), "telehealth": t.telehealth,
        "color": t.color, "default_reason": t.default_reason,
        "allows_overbooking": t.allows_overbooking,
        "requires_authorization": t.requires_authorization, "department_id": t.department_id,
        "allowed_provider_ids": sorted(p.pk for p in t.allowed_providers.all()),
    }  # fmt: skip


def location_out(location: Location) -> dict[str, Any]:
    return {
        "id": location.pk,
        "name": location.name,
        "code": location.code,
        "time_zone": location.time_zone,
    }


def appointments_query() -> QuerySet:
    return Appointment.objects.select_related(
        "patient", "provider__user", "location", "type", "room", "booked_by", "rescheduled_to"
    ).prefetch_related("equipment", "type__allowed_providers")


def appointment_out(a: Appointment) -> dict[str, Any]:
    try:
        moved_to: int | None = a.rescheduled_to.pk
    except Appointment.DoesNotExist:
        moved_to = None
    stamps = ("confirmed_at", "arrived_at", "roomed_at", "provider_at", "checked_out_at",
              "completed_at", "cancelled_at", "no_show_at", "created_at", "updated_at")  # fmt: skip
    return {
        **span(a.start, a.end, a.location.time_zone),
        **{name: getattr(a, name) for name in stamps},
        "id": a.pk, "version": a.version, "status": a.status,
        "patient": {"id": a.patient_id, "mrn": a.patient.mrn,
                    "name": f"{a.patient.family_name}, {a.patient.given_name}"},
        "provider": {"id": a.provider_id, "name": provider_name(a.provider)},
        "location": location_out(a.location), "type": type_out(a.type),
        "room": {"id": a.room.pk, "name": a.room.name} if a.room else None,
        "equipment": [{"id": e.pk, "name": e.name} for e in a.equipment.all()],
        "department_id": a.department_id, "reason": a.reason,
        "front_desk_note": a.front_desk_note, "overbooked": a.overbooked,
        "series_id": a.series_id, "rescheduled_from_id": a.rescheduled_from_id,
        "rescheduled_to_id": moved_to, "booked_by": a.booked_by.get_username(),
        "cancelled_by": a.cancelled_by, "cancel_reason": a.cancel_reason,
    }  # fmt: skip


def appointment_for(
    request: HttpRequest, appointment_id: int, *, schedule: bool = True
) -> Appointment:
    """One appointment the user may see; 404 when there is none, 403 (audited) when it is not
    on a clinician's own schedule (`schedule=False`: the visit-flow board, which shows all)."""
    appointment = appointments_query().filter(pk=appointment_id).first()
    if appointment is None:
        raise HttpError(404, "No such appointment.")
    visible = Appointment.objects.filter(visible_appointments(request.user), pk=appointment_id)
    if schedule and not visible.exists():
        raise deny(
            request.user,
            "This appointment is not on your schedule.",
            capability=Capability.SCHEDULE,
            object_type="appointment",
            object_id=str(appointment_id),
            patient_id=appointment.patient_id,
        )
    return appointment


def appointment_reload(appointment_id: int) -> Appointment:
    return appointments_query().get(pk=appointment_id)


def lookup(rows: QuerySet, pk: int | None, field: str, label: str, errors: dict) -> Any:
    """The row with this id, or None with a field error (None when no id was given)."""
    if pk is None:
        return None
    found = rows.filter(pk=pk).first()
    if found is None:
        errors[field] = [f"No {label} has id {pk}."]
    return found


def booking_request(payload: BookingIn) -> BookingRequest:
    """The service's request from ids; unknown ids are field errors (ValidationError)."""
    errors: dict[str, list[str]] = {}
    patient = lookup(
        Patient.objects.only("pk", "merged_into_id"),
        payload.patient_id,
        "patient_id",
        "patient",
        errors,
    )
    if patient is not None and patient.merged_into_id:
        errors["patient_id"] = [
            f"This record was merged into patient {patient.merged_into_id}; book on that one."
        ]
    appt_type = lookup(
        AppointmentType.objects.all(), payload.type_id, "type_id", "appointment type", errors
    )
    provider = lookup(
        Provider.objects.select_related("user"), payload.provider_id, "provider_id", "provider",
        errors,
    )  # fmt: skip
    lookup(Location.objects.all(), payload.location_id, "location_id", "location", errors)
    room = lookup(Room.objects.all(), payload.room_id, "room_id", "room", errors)
    if errors:
        raise ValidationError(errors)
    return BookingRequest(
        patient_id=payload.patient_id, type=appt_type, provider=provider,
        location_id=payload.location_id, start=payload.start, room=room,
        reason=payload.reason.strip(), front_desk_note=payload.front_desk_note.strip(),
        overbook=payload.overbook, outside_hours=payload.outside_hours,
        department_id=payload.department_id,
    )  # fmt: skip


WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekdays(raw: str | None) -> list[int] | None:
    """Days of the week from "0,2,4" or "mon,wed,fri" (Monday is 0); ValueError otherwise."""
    if not raw:
        return None
    days = set()
    for part in raw.split(","):
        part = part.strip().lower()
        if part.isdigit() and int(part) <= 6:
            days.add(int(part))
        elif len(part) >= 3 and part[:3] in WEEKDAY_NAMES:
            days.add(WEEKDAY_NAMES.index(part[:3]))
        else:
            raise ValueError(f"{part!r} is not a weekday (0-6, Monday is 0, or mon..sun).")
    return sorted(days)


def find_slots(
    *,
    appt_type: AppointmentType,
    date_from: date,
    date_to: date,
    provider: Provider | None = None,
    location: Location | None = None,
    weekdays: list[int] | None = None,
    time_from: time | None = None,
    time_to: time | None = None,
    limit: int = 10,
    patient_id: int | None = None,
    department_id: int | None = None,
) -> list[dict[str, Any]]:
    """Open slots from find-first-available (the same search as the pages), as plain dicts."""
    from medoffice.scheduling.services.find import first_available

    found = first_available(
        appt_type=appt_type, provider=provider, location=location, date_from=date_from,
        date_to=date_to, weekdays=weekdays, time_from=time_from, time_to=time_to, limit=limit,
        patient_id=patient_id, department=department_id,
    )  # fmt: skip
    return [
        {
            **span(slot.start, slot.end, slot.time_zone),
            "provider": slot.provider_name,
            "provider_id": slot.provider_id,
            "location": slot.location_name,
            "location_id": slot.location_id,
            "room": slot.room_name,
            "reserved_label": slot.reserved_label,
            "type_id": appt_type.pk,
        }
        for slot in found
    ]
