"""A billable visit: the practice (group NPI, tax id), a clinician with an NPI, a patient with
a primary and a secondary coverage, a signed encounter with its diagnoses, fee schedules."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from medoffice.billing.models import FeeSchedule, FeeScheduleItem
from medoffice.chart.models import (
    ClinicalNote,
    Encounter,
    EncounterDiagnosis,
    EncounterStatus,
    NoteStatus,
)
from medoffice.claims.services import ChargeInput
from medoffice.coding.models import ProcedureCode
from medoffice.organization.models import Location, Practice
from medoffice.patients.models import Coverage, Payer
from medoffice.scheduling.models import Provider
from medoffice.scheduling.tests.conftest import make_patient
from medoffice.testing.personas import persona, signed_in_client

TZ = ZoneInfo("America/New_York")
DOS = date(2026, 3, 2)
D = Decimal


def cast(role: str, **kwargs: Any) -> Any:
    from medoffice.accounts.models import User

    username = kwargs.get("username") or role
    return User.objects.filter(username=username).first() or persona(role, **kwargs)


@pytest.fixture
def office(db) -> dict[str, Any]:
    practice = Practice.objects.create(
        name="Hudson Valley Medical Group", tax_id="141234567", group_npi="1234567893"
    )
    location = Location.objects.create(
        practice=practice, name="Albany", code="alb", city="Albany", state="NY"
    )
    clinician = cast("clinician", location=location)
    provider = Provider.objects.create(user=clinician, npi="1245319599", taxonomy="207Q00000X")
    other = cast("clinician", username="drother", location=location)
    other_provider = Provider.objects.create(user=other, npi="1679576722")
    for code, text in (("99213", "Office visit, established, low"), ("36415", "Venipuncture")):
        ProcedureCode.objects.get_or_create(
            code=code, defaults={"system": "CPT", "description": text}
        )
    primary_payer = Payer.objects.create(name="Empire Plan", payer_id="87726")
    secondary_payer = Payer.objects.create(name="Medicaid NY", payer_id="MCDNY")
    for payer, fee in ((primary_payer, "150.00"), (secondary_payer, "130.00"), (None, "120.00")):
        schedule = FeeSchedule.objects.create(
            payer=payer, name=f"{payer or 'Self-pay'} 2026", effective_from=date(2026, 1, 1)
        )
        FeeScheduleItem.objects.create(
            schedule=schedule, code=ProcedureCode.objects.get(code="99213"),
            billed_amount=D(fee), expected_amount=D("95.00"),
        )  # fmt: skip
    return {
        "practice": practice,
        "location": location,
        "clinician": clinician,
        "provider": provider,
        "other": other,
        "other_provider": other_provider,
        "primary_payer": primary_payer,
        "secondary_payer": secondary_payer,
    }


@pytest.fixture
def patient(office):
    return make_patient(family="Okafor", given="Grace")


def add_coverage(patient, payer, priority=1, start=date(2025, 1, 1), end=None, member="M1"):
    return Coverage.objects.create(
        patient=patient, payer=payer, member_id=member, priority=priority,
        effective_date=start, end_date=end,
    )  # fmt: skip


def make_encounter(office, patient, *, signed=True, provider=None, **fields) -> Encounter:
    provider = provider or office["clinician"]
    encounter = Encounter.objects.create(
        patient=patient, provider=provider, location=office["location"],
        start=datetime(2026, 3, 2, 9, 30, tzinfo=TZ), status=EncounterStatus.FINISHED,
        reason="Diabetes follow-up", **fields,
    )  # fmt: skip
    rows = [
        ("E11.9", "Type 2 diabetes mellitus without complications", True),
        ("I10", "Essential (primary) hypertension", True),
        ("E11", "Type 2 diabetes mellitus", False),  # a category, as an import may bring
    ]
    for rank, (code, text, billable) in enumerate(rows, start=1):
        EncounterDiagnosis.objects.create(
            encounter=encounter, code=code, description=text, rank=rank, billable=billable
        )
    note = ClinicalNote.objects.create(encounter=encounter, author=provider, assessment="Stable.")
    if signed:
        ClinicalNote.objects.filter(pk=note.pk).update(
            status=NoteStatus.SIGNED, signed_at=encounter.start, signed_by=provider
        )
    return encounter


@pytest.fixture
def encounter(office, patient) -> Encounter:
    return make_encounter(office, patient)


@pytest.fixture
def biller(office):
    return cast("biller", location=office["location"])


def visit_lines() -> list[ChargeInput]:
    return [
        ChargeInput(procedure_code="99213", diagnosis_pointers=[1, 2], modifiers=["25"]),
        ChargeInput(procedure_code="36415", diagnosis_pointers=[1], billed_amount="18.00"),
    ]


@pytest.fixture
def as_role(office):
    def make(role: str):
        user = cast(role, location=office["location"])
        return user, signed_in_client(user)

    return make
