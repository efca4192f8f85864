"""A small hand-built practice for the access KPI tests (no tests of its own): two locations,
two departments, a provider at each, an office visit and a new-patient visit."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from medoffice.reports.kpi import Grain, ReportFilters
from medoffice.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    AvailabilityBlock,
    AvailabilityTemplate,
    PatientKind,
    Provider,
)
from medoffice.scheduling.tests.conftest import NPIS, make_patient
from medoffice.testing.factories import (
    DepartmentFactory,
    LocationFactory,
    PracticeFactory,
    UserFactory,
)

NY = ZoneInfo("America/New_York")
S = AppointmentStatus


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the practice's zone (New York)."""
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def span(start: date, end: date, grain: Grain = Grain.MONTH, **narrowing: Any) -> ReportFilters:
    return ReportFilters(start=start, end=end, grain=grain, **narrowing)


@pytest.fixture
def px(db):
    PracticeFactory(time_zone="America/New_York")
    locations = [
        LocationFactory(name="Riverside", code="riv"),
        LocationFactory(name="Hilltop", code="hill"),
    ]
    departments = [
        DepartmentFactory(name="Family medicine", code="fm"),
        DepartmentFactory(name="Cardiology", code="card"),
    ]
    providers = []
    for i in range(2):
        user = UserFactory(username=f"kpidoc{i}", roles=["clinician"], locations=[locations[i]])
        provider = Provider.objects.create(user=user, npi=NPIS[i])
        provider.locations.add(locations[i])
        provider.departments.add(departments[i])
        providers.append(provider)
    types = {
        "office": AppointmentType.objects.create(
            name="Office visit", code="office", duration_minutes=20
        ),
        "new": AppointmentType.objects.create(
            name="New patient visit",
            code="new",
            duration_minutes=40,
            patient_kind=PatientKind.NEW,
        ),
    }
    templates = [
        AvailabilityTemplate.objects.create(
            provider=providers[i],
            location=locations[i],
            department=departments[i],
            start_time=time(9),
            end_time=time(17),
            rrule="FREQ=WEEKLY;BYDAY=MO",
            starts_on=date(2025, 1, 1),
            is_active=False,
        )
        for i in range(2)
    ]
    return SimpleNamespace(
        locations=locations,
        departments=departments,
        providers=providers,
        types=types,
        templates=templates,
        patient=make_patient(family="Kpi", given="Pat"),
    )


def appt(
    px: SimpleNamespace,
    start: datetime,
    status: str = S.COMPLETED,
    *,
    provider: int = 0,
    kind: str = "office",
    created_at: datetime | None = None,
    **fields: Any,
) -> Appointment:
    """An appointment written straight into the table (provider i works at location i and in
    department i); created_at set when given (auto_now_add cannot be passed to create)."""
    appt_type = px.types[kind]
    made = Appointment.objects.create(
        patient=px.patient, provider=px.providers[provider], location=px.locations[provider],
        department=px.departments[provider], type=appt_type, start=start,
        end=start + timedelta(minutes=appt_type.duration_minutes), status=status,
        booked_by=px.providers[provider].user, **fields,
    )  # fmt: skip
    if created_at is not None:
        Appointment.objects.filter(pk=made.pk).update(created_at=created_at)
        made.created_at = created_at
    return made


def block(px: SimpleNamespace, start: datetime, minutes: int, *, provider: int = 0,
          template: AvailabilityTemplate | None = None) -> AvailabilityBlock:  # fmt: skip
    template = template or px.templates[provider]
    return AvailabilityBlock.objects.create(
        provider=px.providers[provider], location=px.locations[provider], template=template,
        start=start, end=start + timedelta(minutes=minutes), kind=template.kind,
    )  # fmt: skip
