"""Booking through FHIR: POST /fhir/r4/Appointment books with scheduling's own service
(`appointment_book`), under the same rules as the front desk: the role check before anything
(clinicians only on their own schedule, which the service enforces), 409 with the conflict's
message when the time is taken, 422 for the booking rules. The service audits the booking.

The Appointment names its patient, practitioner and location as participants, the visit type
as serviceType or appointmentType (urn:medoffice:appointment-type|<code>) and the start; or
points at a free Slot (its id carries the provider, location, type and start).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError

from medoffice.core.permissions import Capability, Need
from medoffice.interop.fhir.http import FhirError, operation_outcome, require
from medoffice.interop.fhir.mappers import scheduling as m
from medoffice.interop.fhir.writes import validation_message


def _unprocessable(message: str) -> FhirError:
    return FhirError(422, message, code="business-rule")


def _digits(value: str | None, what: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or len(value) > 18:
        raise _unprocessable(f"{what} is not a MedOffice id.")
    return int(value)


def _merge_slot(fields: m.AppointmentFields) -> dict[str, Any]:
    """The ids the booking needs, from the participants or the referenced free Slot (which
    must agree with whatever the participants say)."""
    from medoffice.scheduling.models import AppointmentType, Provider

    wanted: dict[str, Any] = {
        "patient": _digits(fields.patient_ref, f"Patient/{fields.patient_ref}"),
        "practitioner": _digits(fields.practitioner_ref, f"Practitioner/{fields.practitioner_ref}"),
        "location": _digits(fields.location_ref, f"Location/{fields.location_ref}"),
        "type_code": fields.type_code,
        "start": fields.start,
        "provider": None,
    }
    if fields.slot_ref is None:
        return wanted
    key = m.parse_free_slot_id(fields.slot_ref)
    if key is None:
        raise _unprocessable(f"Slot/{fields.slot_ref} is not a free slot (see Slot?status=free).")
    provider = Provider.objects.filter(pk=key.provider_id).first()
    appt_type = AppointmentType.objects.filter(pk=key.type_id).first()
    if provider is None or appt_type is None:
        raise _unprocessable(f"Slot/{fields.slot_ref} is not known.")
    from_slot = {"practitioner": provider.user_id, "location": key.location_id,
                 "type_code": appt_type.code, "start": key.start}  # fmt: skip
    for name, value in from_slot.items():
        if wanted[name] is not None and wanted[name] != value:
            raise _unprocessable(f"The Appointment's {name} differs from Slot/{fields.slot_ref}.")
        wanted[name] = value
    wanted["provider"] = provider
    return wanted


def booking_request_from(resource: Any) -> Any:
    """The scheduling service's BookingRequest for a validated FHIR Appointment (or 422)."""
    from medoffice.organization.models import Location
    from medoffice.patients.models import Patient
    from medoffice.scheduling.models import AppointmentType, Provider
    from medoffice.scheduling.services.booking import BookingRequest

    fields = m.appointment_fields(resource)
    if fields.status not in {"booked", "proposed", "pending"}:
        raise _unprocessable("A new appointment is booked (status booked).")
    if fields.others:
        raise _unprocessable(
            "An appointment has one patient, one practitioner and one location; "
            f"not: {', '.join(fields.others)}."
        )
    wanted = _merge_slot(fields)
    missing = [label for name, label in (
        ("patient", "a Patient participant"), ("practitioner", "a Practitioner participant"),
        ("location", "a Location participant"), ("type_code", f"the visit type ({m.APPOINTMENT_TYPE_SYSTEM})"),
        ("start", "the start"),
    ) if wanted[name] is None]  # fmt: skip
    if missing:
        raise _unprocessable("The appointment needs " + ", ".join(missing) + ".")
    patient = Patient.objects.filter(pk=wanted["patient"]).only("pk", "merged_into_id").first()
    if patient is None:
        raise _unprocessable(f"Patient/{wanted['patient']} is not known.")
    if patient.merged_into_id:
        raise _unprocessable(
            f"Patient/{patient.pk} was merged into Patient/{patient.merged_into_id}: book there."
        )
    provider = wanted["provider"] or (
        Provider.objects.select_related("user").filter(user_id=wanted["practitioner"]).first()
    )
    if provider is None:
        raise _unprocessable(f"Practitioner/{wanted['practitioner']} does not take appointments.")
    if not Location.objects.filter(pk=wanted["location"]).exists():
        raise _unprocessable(f"Location/{wanted['location']} is not known.")
    appt_type = AppointmentType.objects.filter(code=wanted["type_code"]).first()
    if appt_type is None:
        raise _unprocessable(f"{wanted['type_code']!r} is not a MedOffice appointment type.")
    duration = timedelta(minutes=appt_type.duration_minutes)
    if fields.end is not None and fields.end - wanted["start"] != duration:
        raise _unprocessable(f"A {appt_type} lasts {appt_type.duration_minutes} minutes.")
    if fields.minutes is not None and fields.minutes != appt_type.duration_minutes:
        raise _unprocessable(f"A {appt_type} lasts {appt_type.duration_minutes} minutes.")
    return BookingRequest(
        patient_id=patient.pk, type=appt_type, provider=provider, location_id=wanted["location"],
        start=wanted["start"], reason=fields.reason,
    )  # fmt: skip


def fhir_appointment_create(*, actor: Any, resource: Any) -> tuple[dict[str, Any], dict]:
    """Book; returns the Appointment as FHIR and an OperationOutcome with the warnings."""
    from medoffice.scheduling.models import Appointment
    from medoffice.scheduling.services.booking import BookingConflict, appointment_book

    require(actor, Capability.SCHEDULE, Need.EDIT)
    request = booking_request_from(resource)
    try:
        result = appointment_book(actor=actor, request=request)
    except BookingConflict as exc:
        raise FhirError(409, exc.message, code="conflict") from None
    except ValidationError as exc:
        raise _unprocessable(validation_message(exc)) from None
    appointment = Appointment.objects.select_related(
        "patient", "provider__user", "location", "type"
    ).get(pk=result.appointment.pk)
    outcome = operation_outcome(
        f"Booked Appointment/{appointment.pk}.", code="informational", severity="information"
    )
    outcome["issue"] += [
        {"severity": "warning", "code": "business-rule", "diagnostics": warning}
        for warning in result.warnings
    ]
    return m.appointment_to_fhir(appointment), outcome
