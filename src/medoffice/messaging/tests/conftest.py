"""Fixtures for messaging and waitlist tests: the scheduling tests' bookable clinic, patients
who agree to texts or e-mail, texts written to a temporary folder, and a way to run what
booking hooks and jobs would run after commit."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from medoffice.scheduling.services.booking import BookingRequest, appointment_book
from medoffice.scheduling.tests.conftest import clinic, make_patient, next_weekday_at  # noqa: F401


@pytest.fixture(autouse=True)
def sms_dir(settings, tmp_path) -> Path:
    folder = tmp_path / "sms"
    settings.MEDOFFICE_SMS_DIR = str(folder)
    settings.MEDOFFICE_SMS_BACKEND = "file"
    settings.MEDOFFICE_PUBLIC_URL = "https://clinic.example.test"
    return folder


def texts_sent(folder: Path) -> list[dict]:
    if not folder.exists():
        return []
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def texting_patient(family: str = "Rivera", given: str = "Ana", **fields):
    defaults = {
        "phone_mobile": "518-555-0142",
        "phone_digits": "5185550142",
        "consent_to_text": True,
        "preferred_contact": "text",
    }
    return make_patient(family, given, **{**defaults, **fields})


def emailing_patient(family: str = "Okafor", given: str = "Chidi", **fields):
    defaults = {
        "email": f"{given.lower()}@example.test",
        "consent_to_email": True,
        "preferred_contact": "email",
    }
    return make_patient(family, given, **{**defaults, **fields})


def book(clinic, actor, patient, start, *, provider: int = 0, type_: str = "office"):  # noqa: F811
    request = BookingRequest(
        patient_id=patient.pk, type=clinic[type_], provider=clinic["providers"][provider],
        location_id=clinic["location"].pk, start=start,
    )  # fmt: skip
    return appointment_book(actor=actor, request=request).appointment


def make_appointment(clinic, patient, start, *, minutes: int = 20, **fields):  # noqa: F811
    """An appointment row without the booking rules (for planning tests at odd hours)."""
    from medoffice.scheduling.models import Appointment
    from medoffice.testing.personas import persona

    return Appointment.objects.create(
        patient=patient, provider=clinic["providers"][0], location=clinic["location"], type=clinic["office"],
        start=start, end=start + timedelta(minutes=minutes), booked_by=persona("frontdesk"), **fields,
    )  # fmt: skip
