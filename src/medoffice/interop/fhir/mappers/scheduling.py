"""Scheduling as FHIR: Schedule (one per provider and location), Slot (open times from
find-first-available, and booked time), Appointment; and the fields of an Appointment to book.

Ids: a Schedule is "<provider id>-<location id>"; a free Slot
"<provider>-<location>-<type>-<YYYYMMDDHHMM in UTC>", so the same open time always has the same
id; a busy Slot "busy-<appointment id>". Times are written with the location's UTC offset.
Front-desk notes never leave through FHIR (they are not the patient's business or a
clinician's): Appointment.comment stays empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from medoffice.interop.fhir.mappers.common import drop_empty, ref

APPOINTMENT_TYPE_SYSTEM = "urn:medoffice:appointment-type"
CANCELLATION_REASON = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"

# Our visit statuses -> FHIR Appointment.status.
STATUS_TO_FHIR = {
    "scheduled": "booked",
    "confirmed": "booked",
    "arrived": "arrived",
    "roomed": "checked-in",
    "with_provider": "checked-in",
    "checked_out": "fulfilled",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "rescheduled": "cancelled",
    "no_show": "noshow",
}
STATUS_FROM_FHIR: dict[str, list[str]] = {}
for _ours, _theirs in STATUS_TO_FHIR.items():
    STATUS_FROM_FHIR.setdefault(_theirs, []).append(_ours)

BUSY_PREFIX = "busy-"
_SCHEDULE_ID = re.compile(r"^(\d{1,18})-(\d{1,18})$")
_FREE_SLOT_ID = re.compile(r"^(\d{1,18})-(\d{1,18})-(\d{1,18})-(\d{12})$")


def schedule_id(provider_id: int, location_id: int) -> str:
    return f"{provider_id}-{location_id}"


def parse_schedule_id(value: str) -> tuple[int, int] | None:
    match = _SCHEDULE_ID.match(value)
    return (int(match[1]), int(match[2])) if match else None


@dataclass(frozen=True)
class FreeSlotKey:
    provider_id: int
    location_id: int
    type_id: int
    start: datetime  # UTC


def free_slot_id(provider_id: int, location_id: int, type_id: int, start: datetime) -> str:
    return f"{provider_id}-{location_id}-{type_id}-{start.astimezone(UTC):%Y%m%d%H%M}"


def parse_free_slot_id(value: str) -> FreeSlotKey | None:
    match = _FREE_SLOT_ID.match(value)
    if not match:
        return None
    try:
        start = datetime.strptime(match[4], "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return None
    return FreeSlotKey(int(match[1]), int(match[2]), int(match[3]), start)


def local_instant(moment: datetime, zone_name: str) -> str:
    """An instant written on the location's clock (with its offset): the same point in time,
    readable as the clinic's wall-clock time."""
    return moment.astimezone(ZoneInfo(zone_name)).isoformat()


def type_concept(appt_type: Any) -> dict[str, Any]:
    return {
        "coding": [
            {"system": APPOINTMENT_TYPE_SYSTEM, "code": appt_type.code, "display": appt_type.name}
        ],
        "text": appt_type.name,
    }


def _practitioner(provider: Any) -> dict[str, str]:
    return ref("Practitioner", provider.user_id, str(provider))


def schedule_to_fhir(
    provider: Any,
    location: Any,
    *,
    types: list[Any],
    horizon: tuple[datetime, datetime | None],
) -> dict[str, Any]:
    now, end = horizon
    zone = ZoneInfo(location.time_zone)
    start = datetime.combine(now.astimezone(zone).date(), time.min, tzinfo=zone)  # today
    return drop_empty(
        {
            "resourceType": "Schedule",
            "id": schedule_id(provider.pk, location.pk),
            "active": bool(provider.is_active and location.is_active),
            "serviceType": [type_concept(t) for t in types],
            "actor": [_practitioner(provider), ref("Location", location.pk, location.name)],
            "planningHorizon": drop_empty(
                {
                    "start": local_instant(start, location.time_zone),
                    "end": local_instant(end, location.time_zone) if end else None,
                }
            ),
            "comment": f"{provider} at {location.name} ({location.time_zone})",
        }
    )


def free_slot_to_fhir(slot: dict[str, Any], appt_type: Any) -> dict[str, Any]:
    """A slot from scheduling.api_support.find_slots (start/end in UTC, time_zone)."""
    zone = slot["time_zone"]
    resource = {
        "resourceType": "Slot",
        "id": free_slot_id(slot["provider_id"], slot["location_id"], appt_type.pk, slot["start"]),
        "serviceType": [type_concept(appt_type)],
        "appointmentType": type_concept(appt_type),
        "schedule": ref("Schedule", schedule_id(slot["provider_id"], slot["location_id"])),
        "status": "free",
        "start": local_instant(slot["start"], zone),
        "end": local_instant(slot["end"], zone),
        "comment": slot.get("reserved_label") or "",
    }
    return drop_empty(resource)


def busy_slot_to_fhir(appointment: Any) -> dict[str, Any]:
    """Booked time, without who or what: a scheduled (not yet confirmed) visit is tentative."""
    zone = appointment.location.time_zone
    return {
        "resourceType": "Slot",
        "id": f"{BUSY_PREFIX}{appointment.pk}",
        "schedule": ref("Schedule", schedule_id(appointment.provider_id, appointment.location_id)),
        "status": "busy-tentative" if appointment.status == "scheduled" else "busy",
        "start": local_instant(appointment.start, zone),
        "end": local_instant(appointment.end, zone),
    }


def _patient_display(patient: Any) -> str:
    return f"{patient.given_name} {patient.family_name}".strip()


def appointment_to_fhir(appointment: Any) -> dict[str, Any]:
    zone = appointment.location.time_zone
    status = STATUS_TO_FHIR[appointment.status]
    cancellation = None
    if appointment.status == "rescheduled":
        cancellation = {"text": "rescheduled"}
    elif appointment.status == "cancelled":
        code = "pat" if appointment.cancelled_by == "patient" else "prov"
        display = "Patient" if code == "pat" else "Provider"
        cancellation = {
            "coding": [{"system": CANCELLATION_REASON, "code": code, "display": display}],
            "text": appointment.cancel_reason or display,
        }
    # Whoever called the visit off declined it; everyone else had accepted.
    cancelled_by = appointment.cancelled_by if appointment.status == "cancelled" else ""
    participants = [
        {
            "actor": ref("Patient", appointment.patient_id, _patient_display(appointment.patient)),
            "required": "required",
            "status": "declined" if cancelled_by == "patient" else "accepted",
        },
        {
            "actor": _practitioner(appointment.provider),
            "required": "required",
            "status": "declined" if cancelled_by == "practice" else "accepted",
        },
        {
            "actor": ref("Location", appointment.location_id, appointment.location.name),
            "required": "required",
            "status": "accepted",
        },
    ]
    minutes = int((appointment.end - appointment.start).total_seconds() // 60)
    return drop_empty(
        {
            "resourceType": "Appointment",
            "id": str(appointment.pk),
            "meta": {
                "versionId": str(appointment.version),
                "lastUpdated": appointment.updated_at.astimezone(UTC).isoformat(),
            },
            "status": status,
            "cancelationReason": cancellation,
            "serviceType": [type_concept(appointment.type)],
            "appointmentType": type_concept(appointment.type),
            "reasonCode": [{"text": appointment.reason}] if appointment.reason else [],
            "start": local_instant(appointment.start, zone),
            "end": local_instant(appointment.end, zone),
            "minutesDuration": minutes,
            "slot": [ref("Slot", f"{BUSY_PREFIX}{appointment.pk}")]
            if appointment.is_active
            else [],
            "created": appointment.created_at.astimezone(UTC).isoformat(),
            "patientInstruction": appointment.type.prep_instructions,
            "participant": participants,
        }
    )


# --- Booking from a FHIR Appointment -----------------------------------------------------------


@dataclass
class AppointmentFields:
    """What a posted Appointment asks for; ids are MedOffice's (Practitioner = user id)."""

    status: str
    patient_ref: str | None
    practitioner_ref: str | None
    location_ref: str | None
    type_code: str | None
    start: datetime | None
    end: datetime | None
    minutes: int | None
    slot_ref: str | None
    reason: str
    others: list[str]


def _reference_id(reference: Any, expected: str) -> str | None:
    text = (getattr(reference, "reference", None) or "").strip()
    kind, _, rest = text.rpartition("/")
    if kind.rsplit("/", 1)[-1] != expected:
        return None
    return rest


def appointment_fields(resource: Any) -> AppointmentFields:
    """Read a validated fhir.resources Appointment (the caller checks what the values mean)."""
    patient = practitioner = location = None
    others = []
    for participant in resource.participant or []:
        reference = getattr(participant.actor, "reference", None) or ""
        kind = reference.split("/")[-2] if reference.count("/") >= 1 else ""
        if kind == "Patient" and patient is None:
            patient = _reference_id(participant.actor, "Patient")
        elif kind == "Practitioner" and practitioner is None:
            practitioner = _reference_id(participant.actor, "Practitioner")
        elif kind == "Location" and location is None:
            location = _reference_id(participant.actor, "Location")
        else:
            others.append(reference or "a participant without a reference")
    type_code = None
    concepts = [*(resource.serviceType or []), resource.appointmentType]
    for concept in concepts:
        for coding in getattr(concept, "coding", None) or []:
            if coding.system == APPOINTMENT_TYPE_SYSTEM and coding.code:
                type_code = type_code or str(coding.code)
    slots = [s.reference for s in resource.slot or [] if getattr(s, "reference", None)]
    reasons = [r.text for r in resource.reasonCode or [] if getattr(r, "text", None)]
    return AppointmentFields(
        status=str(resource.status or ""),
        patient_ref=patient,
        practitioner_ref=practitioner,
        location_ref=location,
        type_code=type_code,
        start=resource.start,
        end=resource.end,
        minutes=resource.minutesDuration,
        slot_ref=slots[0].rsplit("/", 1)[-1] if slots else None,
        reason=" ".join(str(r) for r in reasons)[:300],
        others=others,
    )
