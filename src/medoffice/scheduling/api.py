"""JSON API of scheduling (/api/scheduling/): what can be booked, when, and the appointments.

Same rules as the pages: SCHEDULE to read and book (clinicians only their own schedule: the
booking services enforce it, and reads narrow to it), VISIT_FLOW for the visit's steps. Times
come in ISO 8601 with an offset; answers give each time in UTC and in the location's zone.
(No `from __future__ import annotations` here: django-ninja reads the annotations.)
"""

from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Body, Router, Status

from medoffice.audit.services import audit_patients_shown, audit_record
from medoffice.core.access import AccessRule, api_rule, own_only
from medoffice.core.permissions import Capability, Need
from medoffice.organization.models import Location
from medoffice.scheduling.api_support import (
    MAX_LIST,
    AppointmentListOut,
    AppointmentOut,
    AppointmentTypeOut,
    BlockOut,
    BookingIn,
    BookingOut,
    CancelIn,
    ConflictOut,
    ErrorOut,
    ProviderOut,
    RescheduleIn,
    SlotOut,
    StepIn,
    appointment_for,
    appointment_out,
    appointment_reload,
    appointments_query,
    bad,
    booking_request,
    conflict,
    day_range,
    find_slots,
    invalid,
    local_days_q,
    location_out,
    lookup,
    parse_weekdays,
    provider_name,
    span,
    type_out,
    visible_appointments,
    visible_providers,
)
from medoffice.scheduling.models import AppointmentType, AvailabilityBlock, Provider, Room
from medoffice.scheduling.services.booking import (
    BookingConflict,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from medoffice.scheduling.services.flow import STEPS, appointment_step

router = Router(tags=["scheduling"])

SCHEDULE_VIEW = AccessRule("capability", Capability.SCHEDULE)
SCHEDULE_EDIT = AccessRule("capability", Capability.SCHEDULE, Need.EDIT)
VISIT_FLOW_EDIT = AccessRule("capability", Capability.VISIT_FLOW, Need.EDIT)
# Bodies are optional to ninja so the role check runs before a body is read; a missing body is
# then a 400 from the operation itself.
OPTIONAL_BODY = Body(None)


# --- What can be booked ----------------------------------------------------------------------


@router.get(
    "/appointment-types",
    response=list[AppointmentTypeOut],
    summary="The kinds of appointment offered (active ones)",
)
@api_rule(SCHEDULE_VIEW)
def appointment_types(request: HttpRequest) -> Any:
    types = AppointmentType.objects.filter(is_active=True).prefetch_related("allowed_providers")
    return [type_out(t) for t in types]


@router.get(
    "/providers",
    response=list[ProviderOut],
    summary="Active providers with the locations they work at (location= to narrow)",
)
@api_rule(SCHEDULE_VIEW)
def providers(request: HttpRequest, location: int | None = None) -> Any:
    rows = (
        Provider.objects.filter(visible_providers(request.user), is_active=True)
        .select_related("user")
        .prefetch_related("locations", "departments")
    )
    if location is not None:
        rows = rows.filter(locations=location)
    return [
        {
            "id": p.pk,
            "user_id": p.user_id,
            "name": provider_name(p),
            "npi": p.npi,
            "taxonomy": p.taxonomy,
            "color": p.color,
            "accepts_new_patients": p.accepts_new_patients,
            "department_ids": sorted(d.pk for d in p.departments.all()),
            "locations": [location_out(loc) for loc in p.locations.all()],
        }
        for p in rows.distinct()
    ]


@router.get(
    "/availability",
    response={200: list[BlockOut], 400: ErrorOut},
    summary="Bookable blocks of providers on days date_from..date_to (in each location's zone)",
)
@api_rule(SCHEDULE_VIEW)
def availability(
    request: HttpRequest,
    date_from: date | None = None,
    date_to: date | None = None,
    provider: int | None = None,
    location: int | None = None,
) -> Any:
    first, last = day_range(date_from, date_to, default_days=7)
    locations = Location.objects.all()
    if location is not None:
        locations = locations.filter(pk=location)
    blocks = (
        AvailabilityBlock.objects.filter(local_days_q("start", first, last, list(locations)))
        .filter(provider__in=Provider.objects.filter(visible_providers(request.user)))
        .select_related("location", "template")
        .prefetch_related("template__reserved_types")
        .order_by("start", "provider_id")
    )
    if provider is not None:
        blocks = blocks.filter(provider_id=provider)
    return [
        {
            **span(b.start, b.end, b.location.time_zone),
            "provider_id": b.provider_id,
            "location_id": b.location_id,
            "kind": b.kind,
            "reserved_label": b.template.reserved_label if b.kind == "reserved" else "",
            "reserved_type_ids": sorted(t.pk for t in b.template.reserved_types.all())
            if b.kind == "reserved"
            else [],
        }
        for b in blocks[:MAX_LIST]
    ]


@router.get(
    "/slots",
    response={200: list[SlotOut], 400: ErrorOut},
    summary="Find first available: the next open slots for a type (provider, location, "
    "department, days, times optional; weekdays 0-6 with Monday 0 or mon..sun; times HH:MM in "
    "the location's zone; patient= keeps clear of that patient's own visits)",
)
@api_rule(SCHEDULE_VIEW)
def slots(
    request: HttpRequest,
    type: int | None = None,
    provider: int | None = None,
    location: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    weekdays: str | None = None,
    time_from: time | None = None,
    time_to: time | None = None,
    department: int | None = None,
    patient: int | None = None,
    limit: int = 10,
) -> Any:
    if type is None:
        return bad("Give the appointment type (type=<id>).", {"type": ["Required."]})
    appt_type = AppointmentType.objects.filter(pk=type, is_active=True).first()
    if appt_type is None:
        return bad("Unknown appointment type.", {"type": [f"No active type has id {type}."]})
    first, last = day_range(date_from or _today(location), date_to, default_days=30)
    try:
        days = parse_weekdays(weekdays)
    except ValueError as exc:
        return bad("Bad weekdays.", {"weekdays": [str(exc)]})
    if time_from and time_to and time_to <= time_from:
        return bad("time_to is not after time_from.", {"time_to": ["Must be after time_from."]})
    who = None
    mine = Provider.objects.filter(visible_providers(request.user))
    if provider is not None:
        who = mine.filter(pk=provider).first()
        if who is None:
            return bad("Unknown provider.", {"provider": [f"No provider {provider} for you."]})
    elif own_only(request.user, Capability.SCHEDULE, Need.VIEW):
        who = mine.first()  # a clinician's own schedule
        if who is None:
            return []
    where = None
    if location is not None:
        where = Location.objects.filter(pk=location).first()
        if where is None:
            return bad("Unknown location.", {"location": [f"No location has id {location}."]})
    found = find_slots(
        appt_type=appt_type, provider=who, location=where, date_from=first, date_to=last,
        weekdays=days, time_from=time_from, time_to=time_to, limit=max(1, min(limit, 100)),
        patient_id=patient, department_id=department,
    )  # fmt: skip
    return found


def _today(location_id: int | None) -> date:
    from django.utils import timezone

    zone = None
    if location_id is not None:
        zone = Location.objects.filter(pk=location_id).values_list("time_zone", flat=True).first()
    return timezone.localdate(timezone=ZoneInfo(zone) if zone else None)


# --- Appointments ----------------------------------------------------------------------------


@router.get(
    "/appointments",
    response={200: AppointmentListOut, 400: ErrorOut},
    summary="Appointments of one day (date=, default today; or date_from..date_to), narrowed by "
    "location, provider, patient, status; a patient's without dates lists all theirs",
)
@api_rule(SCHEDULE_VIEW)
def appointment_list(
    request: HttpRequest,
    date: date | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    location: int | None = None,
    provider: int | None = None,
    patient: int | None = None,
    status: str | None = None,
) -> Any:
    rows = appointments_query().filter(visible_appointments(request.user))
    if date is not None or date_from is not None or patient is None:
        first, last = day_range(
            date or date_from or _today(location), date_to or date, default_days=1
        )
        locations = Location.objects.all()
        if location is not None:
            locations = locations.filter(pk=location)
        rows = rows.filter(local_days_q("start", first, last, list(locations)))
    if location is not None:
        rows = rows.filter(location_id=location)
    if provider is not None:
        rows = rows.filter(provider_id=provider)
    if patient is not None:
        rows = rows.filter(patient_id=patient)
    if status:
        rows = rows.filter(status__in=status.split(","))
    found = list(rows.order_by("start", "provider_id", "pk")[:MAX_LIST])
    out = [appointment_out(a) for a in found]
    if found:
        audit_patients_shown(
            patient_ids=[a.patient_id for a in found],
            object_type="appointment",
            view="api_appointments",
            patient_refs={a.patient_id: a.patient.mrn for a in found},
        )
    return {"count": len(out), "results": out}


@router.get(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, 404: ErrorOut},
    summary="One appointment",
)
@api_rule(SCHEDULE_VIEW)
def appointment_detail(request: HttpRequest, appointment_id: int) -> Any:
    appointment = appointment_for(request, appointment_id)
    audit_record(
        action="view", object_type="appointment", object_id=appointment.pk,
        patient_id=appointment.patient_id, details={"api": True},
    )  # fmt: skip
    return appointment_out(appointment)


@router.post(
    "/appointments",
    response={201: BookingOut, 400: ErrorOut, 409: ConflictOut},
    summary="Book an appointment (409 when the time is taken; warnings about coverage and "
    "authorizations come with the booking)",
)
@api_rule(SCHEDULE_EDIT)
def appointment_create(request: HttpRequest, payload: BookingIn | None = OPTIONAL_BODY) -> Any:
    if payload is None:
        return bad("Send the booking as JSON.")
    try:
        result = appointment_book(actor=request.user, request=booking_request(payload))
    except ValidationError as exc:
        return invalid(exc, "The appointment was not booked.")
    except BookingConflict as exc:
        return conflict(exc)
    return Status(
        201,
        {**appointment_out(appointment_reload(result.appointment.pk)), "warnings": result.warnings},
    )


@router.post(
    "/appointments/{appointment_id}/reschedule",
    response={200: BookingOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="Move an appointment (send the version you saw: 409 if it changed meanwhile)",
)
@api_rule(SCHEDULE_EDIT)
def appointment_move(
    request: HttpRequest, appointment_id: int, payload: RescheduleIn | None = OPTIONAL_BODY
) -> Any:
    appointment = appointment_for(request, appointment_id)
    if payload is None:
        return bad("Send the new time and the version as JSON.")
    errors: dict[str, list[str]] = {}
    provider = lookup(
        Provider.objects.select_related("user"), payload.provider_id, "provider_id", "provider",
        errors,
    )  # fmt: skip
    lookup(Location.objects.all(), payload.location_id, "location_id", "location", errors)
    room = lookup(Room.objects.all(), payload.room_id, "room_id", "room", errors)
    if errors:
        return bad("The appointment was not moved.", errors)
    try:
        result = appointment_reschedule(
            actor=request.user, appointment=appointment, start=payload.start, provider=provider,
            location_id=payload.location_id, room=room, version=payload.version,
            overbook=payload.overbook,
        )  # fmt: skip
    except ValidationError as exc:
        return invalid(exc, "The appointment was not moved.")
    except BookingConflict as exc:
        return conflict(exc)
    return {
        **appointment_out(appointment_reload(result.appointment.pk)),
        "warnings": result.warnings,
    }


@router.post(
    "/appointments/{appointment_id}/cancel",
    response={200: AppointmentOut, 400: ErrorOut, 404: ErrorOut},
    summary="Cancel an appointment (reason; cancelled_by: patient or practice)",
)
@api_rule(SCHEDULE_EDIT)
def appointment_cancel_op(
    request: HttpRequest, appointment_id: int, payload: CancelIn | None = OPTIONAL_BODY
) -> Any:
    appointment = appointment_for(request, appointment_id)
    if payload is None:
        return bad("Send the reason and who cancelled as JSON.")
    try:
        appointment_cancel(
            actor=request.user, appointment=appointment, reason=payload.reason,
            cancelled_by=payload.cancelled_by,
        )  # fmt: skip
    except ValidationError as exc:
        return invalid(exc, "The appointment was not cancelled.")
    return appointment_out(appointment_reload(appointment.pk))


@router.post(
    "/appointments/{appointment_id}/status",
    response={200: AppointmentOut, 400: ErrorOut, 404: ErrorOut},
    summary="Move a visit one step: " + ", ".join(STEPS),
)
@api_rule(VISIT_FLOW_EDIT)
def appointment_status(
    request: HttpRequest, appointment_id: int, payload: StepIn | None = OPTIONAL_BODY
) -> Any:
    appointment = appointment_for(request, appointment_id, schedule=False)
    if payload is None:
        return bad("Send the step as JSON.")
    if payload.step not in STEPS:
        return bad("Unknown step.", {"step": [f"Use one of: {', '.join(STEPS)}."]})
    try:
        appointment_step(
            actor=request.user, appointment=appointment, step=payload.step, note=payload.note
        )
    except ValidationError as exc:
        return invalid(exc, "The visit did not move.")
    return appointment_out(appointment_reload(appointment.pk))
