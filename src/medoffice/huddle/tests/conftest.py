"""A small hand-built practice for the huddle: two locations, a department, two providers
with known hours, visits today and tomorrow in known states, claims, a stale draft note and
failed reminders. Every expected figure in the tests is counted from this by hand."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from medoffice.chart.models import ClinicalNote, Encounter, EncounterStatus, NoteStatus
from medoffice.claims.models import Claim
from medoffice.messaging.models import Message
from medoffice.organization.models import Department
from medoffice.patients.models import Coverage, Payer
from medoffice.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    AvailabilityTemplate,
    Provider,
)
from medoffice.scheduling.services.availability import availability_materialize
from medoffice.scheduling.tests.conftest import make_patient
from medoffice.testing.factories import LocationFactory, UserFactory
from medoffice.testing.personas import persona

NY = ZoneInfo("America/New_York")
S = AppointmentStatus
NPIS = ["1234567893", "1245319599", "1679576722"]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def book(
    office: dict[str, Any], provider: Provider, start: datetime, minutes: int, **fields
) -> Appointment:
    fields.setdefault("patient", office["covered"])
    fields.setdefault("type", office["office_visit"])
    fields.setdefault("location", office["riverside"])
    return Appointment.objects.create(
        provider=provider, start=start, end=start + timedelta(minutes=minutes),
        booked_by=provider.user, **fields,
    )  # fmt: skip


def make_claim(office: dict[str, Any], status: str, amount: str, changed_at: datetime) -> Claim:
    n = Claim.objects.count() + 1
    encounter = office["claim_encounter"]
    return Claim.objects.create(
        patient=encounter.patient, encounter=encounter, payer=office["payer"],
        coverage=office["coverage"], responsibility=1, patient_control_number=f"PCN{n:05d}",
        total_billed=Decimal(amount), status=status, status_changed_at=changed_at,
        rendering_provider=office["doc_a"], location=office["riverside"], billing_npi=NPIS[0],
        billing_tax_id="141234567", place_of_service="11", service_date_from=office["today"],
        service_date_to=office["today"], created_by=office["doc_a"].user,
    )  # fmt: skip


@pytest.fixture
def office(db) -> dict[str, Any]:
    cache.clear()  # the A/R figure is kept between requests
    riverside = LocationFactory(name="Riverside", code="riv", time_zone="America/New_York")
    hilltop = LocationFactory(name="Hilltop", code="hil", time_zone="America/New_York")
    cardiology = Department.objects.create(
        practice=riverside.practice, name="Cardiology", code="cardio"
    )
    cardiology.locations.add(riverside)
    doctors = []
    for i, npi in enumerate(NPIS[:2]):
        user = UserFactory(username=f"doc{i}", first_name=f"Doc{i}", last_name="Huddle",
                           roles=["clinician"], locations=[riverside])  # fmt: skip
        provider = Provider.objects.create(user=user, npi=npi)
        provider.locations.add(riverside, hilltop)
        doctors.append(provider)
    doc_a, doc_b = doctors
    # Every day: A 9-17 at Riverside (8 h); B 9-13 at Riverside in Cardiology (4 h), 14-16 at Hilltop (2 h).
    for provider, location, dept, start, end in (
        (doc_a, riverside, None, 9, 17), (doc_b, riverside, cardiology, 9, 13), (doc_b, hilltop, None, 14, 16),
    ):  # fmt: skip
        AvailabilityTemplate.objects.create(
            provider=provider, location=location, department=dept, start_time=time(start),
            end_time=time(end), rrule="FREQ=DAILY", starts_on=date(2020, 1, 1),
        )  # fmt: skip
    today = timezone.localdate()
    availability_materialize(start=today - timedelta(days=2), end=today + timedelta(days=3))
    office_visit = AppointmentType.objects.create(
        name="Office visit", code="office", duration_minutes=20
    )
    injection = AppointmentType.objects.create(
        name="Injection", code="inj", duration_minutes=20, requires_authorization=True
    )
    payer = Payer.objects.create(name="Empire Plan", payer_id="87726")
    covered = make_patient(family="Covered", given="Cara")
    coverage = Coverage.objects.create(patient=covered, payer=payer, member_id="M1",
                                       effective_date=date(2020, 1, 1))  # fmt: skip
    uncovered = make_patient(family="Lapsed", given="Lou")
    Coverage.objects.create(patient=uncovered, payer=payer, member_id="M2",
                            effective_date=date(2020, 1, 1), end_date=today - timedelta(days=30))  # fmt: skip
    o = {
        "riverside": riverside, "hilltop": hilltop, "cardiology": cardiology, "doc_a": doc_a,
        "doc_b": doc_b, "office_visit": office_visit, "injection": injection, "payer": payer,
        "covered": covered, "uncovered": uncovered, "coverage": coverage, "today": today,
    }  # fmt: skip
    now = timezone.now()
    tomorrow = today + timedelta(days=1)
    # Riverside today. A: 3 visits (20 + 30 + 20 min), 1 unconfirmed, 1 patient without coverage.
    book(o, doc_a, at(today, 10), 20, status=S.SCHEDULED)
    book(o, doc_a, at(today, 11), 30, status=S.CONFIRMED, patient=uncovered)
    book(o, doc_a, at(today, 12), 20, status=S.COMPLETED, arrived_at=at(today, 12),
         roomed_at=at(today, 12, 10), completed_at=at(today, 12, 40))  # fmt: skip
    # B (Cardiology): an injection needing an authorization, none drawn; waiting 40 minutes.
    book(o, doc_b, at(today, 9), 20, status=S.ARRIVED, type=injection, department=cardiology,
         arrived_at=now - timedelta(minutes=40))  # fmt: skip
    book(o, doc_b, at(today, 9, 30), 20, status=S.CANCELLED, department=cardiology)  # not counted
    # Riverside tomorrow: A, one unconfirmed visit of the patient without coverage.
    book(o, doc_a, at(tomorrow, 9), 20, status=S.SCHEDULED, patient=uncovered)
    # Hilltop today: B, one unconfirmed visit.
    book(o, doc_b, at(today, 14), 20, status=S.SCHEDULED, location=hilltop)
    # A finished visit with a diagnosis-free encounter (a records-audit finding) and its claims.
    encounter = Encounter.objects.create(
        patient=covered, provider=doc_a.user, location=riverside, start=at(today, 8),
        status=EncounterStatus.IN_PROGRESS, reason="Follow-up",
    )  # fmt: skip
    o["claim_encounter"] = encounter
    note = ClinicalNote.objects.create(encounter=encounter, author=doc_a.user, assessment="x")
    ClinicalNote.objects.filter(pk=note.pk).update(
        status=NoteStatus.DRAFT, created_at=now - timedelta(days=5)
    )
    yesterday_morning = at(today - timedelta(days=1), 10)
    make_claim(o, "ready", "100.00", now)
    make_claim(o, "ready", "50.50", now - timedelta(days=10))
    make_claim(o, "rejected", "80.00", now - timedelta(minutes=5))
    make_claim(o, "rejected", "999.00", now - timedelta(days=3))  # before yesterday
    make_claim(o, "denied", "120.25", yesterday_morning)
    make_claim(o, "denied", "77.00", now - timedelta(days=5))  # before yesterday
    make_claim(o, "draft", "10.00", now)
    for status, purpose in (("failed", "reminder"), ("failed", "reminder"),
                            ("failed", "confirmation"), ("sent", "reminder")):  # fmt: skip
        Message.objects.create(
            patient=covered, channel="sms", to_address="+15555550100", body="Reminder",
            purpose=purpose, status=status, scheduled_for=now,
        )  # fmt: skip
    return o


@pytest.fixture
def manager(office):
    user = persona("manager", location=office["riverside"])
    user.locations.add(office["hilltop"])
    return user
