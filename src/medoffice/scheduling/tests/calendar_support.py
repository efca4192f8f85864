"""Helpers of the calendar tests: people at the clinic, bookings, a Chicago clinic, raw rows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from medoffice.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AvailabilityTemplate,
    Provider,
)
from medoffice.scheduling.services.availability import availability_materialize
from medoffice.scheduling.services.booking import BookingRequest, appointment_book
from medoffice.testing.factories import LocationFactory, UserFactory
from medoffice.testing.personas import persona

from .conftest import NPIS, make_patient

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")


def staff(role: str, clinic: dict[str, Any]) -> Any:
    """The role's persona, working at the clinic's location."""
    return persona(role, location=clinic["location"])


def book(clinic: dict[str, Any], actor: Any, start: datetime, *, patient: Any = None,
         provider: int = 0, type_: str = "office", **extra: Any) -> Appointment:  # fmt: skip
    request = BookingRequest(
        patient_id=(patient or make_patient()).pk, type=clinic[type_],
        provider=clinic["providers"][provider], location_id=clinic["location"].pk, start=start,
        **extra,
    )  # fmt: skip
    return appointment_book(actor=actor, request=request).appointment


def raw_appointment(clinic: dict[str, Any], start: datetime, *, minutes: int = 20,
                    provider: Any = None, location: Any = None, patient: Any = None,
                    status: str = AppointmentStatus.SCHEDULED, **extra: Any) -> Appointment:  # fmt: skip
    """An appointment row written directly (no occupancy): for what the calendar reads."""
    return Appointment.objects.create(
        patient=patient or make_patient(), provider=provider or clinic["providers"][0],
        location=location or clinic["location"], type=clinic["office"], start=start,
        end=start + timedelta(minutes=minutes), status=status,
        booked_by=UserFactory(username="raw-booker"), **extra,
    )  # fmt: skip


def chicago_clinic(first: date, last: date) -> dict[str, Any]:
    """A second location in Chicago with one provider working 8:00-17:00 every day."""
    location = LocationFactory(name="Lakeshore", code="chi", time_zone="America/Chicago")
    user = UserFactory(username="doc-chi", roles=["clinician"], locations=[location])
    provider = Provider.objects.create(user=user, npi=NPIS[2])
    provider.locations.add(location)
    AvailabilityTemplate.objects.create(
        provider=provider, location=location, start_time=time(8), end_time=time(17),
        rrule="FREQ=DAILY", starts_on=date(2020, 1, 1),
    )  # fmt: skip
    availability_materialize(provider_ids=[provider.pk], start=first, end=last)
    return {"location": location, "provider": provider}


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)
