"""A practice with a day of visits at hand: scheduling's `clinic`, people who work there, and
a helper that writes appointments straight into any step of the flow (a hand-built day)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from medoffice.patients.models import Coverage, Payer
from medoffice.scheduling.models import Appointment, AppointmentStatus
from medoffice.scheduling.tests.conftest import clinic, make_patient  # noqa: F401
from medoffice.testing.personas import persona

NY = ZoneInfo("America/New_York")
STAMPS = {
    AppointmentStatus.ARRIVED: ["arrived_at"],
    AppointmentStatus.ROOMED: ["arrived_at", "roomed_at"],
    AppointmentStatus.WITH_PROVIDER: ["arrived_at", "roomed_at", "provider_at"],
    AppointmentStatus.CHECKED_OUT: ["arrived_at", "roomed_at", "provider_at", "checked_out_at"],
    AppointmentStatus.COMPLETED: [
        "arrived_at", "roomed_at", "provider_at", "checked_out_at", "completed_at",
    ],
}  # fmt: skip


@pytest.fixture
def staff(clinic):  # noqa: F811
    """One person per role, each working at the clinic's location."""

    def make(role: str) -> Any:
        return persona(role, location=clinic["location"])

    return make


def visit(
    clinic: dict[str, Any],  # noqa: F811
    *,
    start: datetime,
    status: str = AppointmentStatus.SCHEDULED,
    patient: Any = None,
    provider: int = 0,
    minutes: int = 20,
    location: Any = None,
    **stamps: datetime,
) -> Appointment:
    """An appointment in any step, stamps given explicitly (or all at the start time)."""
    patient = patient or make_patient(family=f"Visit{Appointment.objects.count()}")
    fields = {name: stamps.get(name, start) for name in STAMPS.get(status, [])}
    if status == AppointmentStatus.NO_SHOW:
        fields["no_show_at"] = stamps.get("no_show_at", start)
    return Appointment.objects.create(
        patient=patient,
        provider=clinic["providers"][provider],
        location=location or clinic["location"],
        type=clinic["office"],
        start=start,
        end=start + timedelta(minutes=minutes),
        status=status,
        booked_by=clinic["providers"][provider].user,
        **fields,
    )


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


@pytest.fixture
def today_visit(clinic):  # noqa: F811
    """A visit today, booked for now, not yet arrived; the patient has a $25 copay plan."""
    patient = make_patient(family="Okafor", given="Grace", preferred_name="Gigi")
    payer = Payer.objects.create(name="Acme Health")
    Coverage.objects.create(
        patient=patient, payer=payer, member_id="XK12345", effective_date=date(2020, 1, 1),
        copay=Decimal("25.00"),
    )  # fmt: skip
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - timedelta(minutes=now.minute % 5)
    return visit(clinic, start=start, patient=patient)
