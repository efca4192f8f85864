"""A small bookable practice: one location, two providers with weekday hours, rooms, types."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from medoffice.patients.models import Patient
from medoffice.scheduling.models import AppointmentType, AvailabilityTemplate, Provider, Room
from medoffice.scheduling.services.availability import availability_materialize
from medoffice.testing.factories import LocationFactory, UserFactory

# Valid NPIs (Luhn over 80840 + first nine digits).
NPIS = ["1234567893", "1245319599", "1679576722"]


def make_patient(family: str = "Rivera", given: str = "Ana", **fields) -> Patient:
    from medoffice.patients import names
    from medoffice.patients.services import new_mrns

    p = Patient(
        mrn=new_mrns(1)[0], family_name=family, given_name=given, birth_date=date(1980, 3, 4), sex_at_birth="F",
        family_norm=names.fold(family), given_norm=names.fold(given), **fields,
    )  # fmt: skip
    p.save()
    return p


@pytest.fixture
def clinic(db):
    location = LocationFactory(name="Riverside", code="riv", time_zone="America/New_York")
    providers = []
    for i, npi in enumerate(NPIS[:2]):
        user = UserFactory(username=f"doc{i}", roles=["clinician"], locations=[location])
        provider = Provider.objects.create(user=user, npi=npi)
        provider.locations.add(location)
        AvailabilityTemplate.objects.create(
            provider=provider, location=location, start_time=time(9), end_time=time(17),
            rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", starts_on=date(2020, 1, 1),
        )  # fmt: skip
        providers.append(provider)
    rooms = [Room.objects.create(location=location, name=f"Exam {i}", kind="exam") for i in (1, 2)]
    office = AppointmentType.objects.create(
        name="Office visit", code="office", duration_minutes=20, room_kind="exam"
    )
    quick = AppointmentType.objects.create(
        name="Nurse check", code="nurse", duration_minutes=10, allows_overbooking=True
    )
    today = timezone.localdate()
    availability_materialize(start=today - timedelta(days=7), end=today + timedelta(days=60))
    return {
        "location": location,
        "providers": providers,
        "rooms": rooms,
        "office": office,
        "quick": quick,
    }


def next_weekday_at(hour: int, minute: int = 0, *, days_ahead: int = 1):
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return timezone.make_aware(timezone.datetime.combine(day, time(hour, minute)))
