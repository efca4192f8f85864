"""Fixtures for the chart tests: a patient, the cast by role, an encounter with a provider."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from medoffice.chart.models import Encounter, EncounterStatus
from medoffice.patients.models import Patient
from medoffice.patients.services import patient_register
from medoffice.testing.personas import persona, signed_in_client

TZ = ZoneInfo("America/New_York")


def make_patient(**fields: Any) -> Patient:
    data = {
        "family_name": "Okafor",
        "given_name": "Grace",
        "birth_date": date(1970, 3, 4),
        "sex_at_birth": "F",
        **fields,
    }
    return patient_register(actor=cast("frontdesk"), data=data)


def make_encounter(patient: Patient, provider: Any = None, **fields: Any) -> Encounter:
    values = {
        "start": datetime(2026, 3, 2, 9, 30, tzinfo=TZ),
        "status": EncounterStatus.FINISHED,
        "reason": "Follow-up of diabetes",
        **fields,
    }
    return Encounter.objects.create(patient=patient, provider=provider, **values)


@pytest.fixture(autouse=True)
def starter_codes(request) -> None:
    """The starter code table (a data migration) is gone after a test that flushed the tables."""
    names = request.fixturenames
    if "db" in names or "transactional_db" in names:
        request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
        from medoffice.coding.models import ProcedureCode
        from medoffice.coding.starter import load_starter_codes

        if not ProcedureCode.objects.exists():
            load_starter_codes()


@pytest.fixture
def patient(db) -> Patient:
    return make_patient()


def cast(role: str) -> Any:
    """The persona of a role, created once per test."""
    from medoffice.accounts.models import User

    return User.objects.filter(username=role).first() or persona(role)


@pytest.fixture
def clinician(db):
    return cast("clinician")


@pytest.fixture
def nurse(db):
    return cast("nurse")


@pytest.fixture
def biller(db):
    return cast("biller")


@pytest.fixture
def encounter(patient, clinician) -> Encounter:
    return make_encounter(patient, clinician)


@pytest.fixture
def as_role(db):
    """as_role("nurse") -> (user, signed-in client)."""

    def make(role: str):
        user = cast(role)
        return user, signed_in_client(user)

    return make


def hours_ago(hours: float) -> datetime:
    from django.utils import timezone

    return timezone.now() - timedelta(hours=hours)
