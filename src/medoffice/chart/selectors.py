"""Reading the chart. Views authorize and audit; these only query (a few queries per page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from medoffice.accounts.selectors import users_with_role
from medoffice.chart.models import (
    Allergy,
    ClinicalNote,
    Encounter,
    EncounterStatus,
    Immunization,
    LabResult,
    Medication,
    NoteStatus,
    Problem,
    VitalKind,
    VitalSign,
)
from medoffice.chart.models.clinical import VITAL_UNITS
from medoffice.chart.services.entries import NO_KNOWN_ALLERGY_CODE
from medoffice.core.permissions import RoleCode
from medoffice.patients.models import Patient, PatientAlert

# A draft older than this is flagged on the chart, on the home page and in the records audit.
UNSIGNED_NOTE_HOURS: int = getattr(settings, "MEDOFFICE_UNSIGNED_NOTE_HOURS", 48)
VITALS_TREND_SETS = 8
RECENT_LABS = 20
RECENT_ENCOUNTERS = 20
VITAL_COLUMNS = [
    VitalKind.HEIGHT, VitalKind.WEIGHT, VitalKind.BMI, VitalKind.TEMPERATURE,
    VitalKind.HEART_RATE, VitalKind.RESPIRATORY_RATE, VitalKind.SYSTOLIC, VitalKind.DIASTOLIC,
    VitalKind.OXYGEN_SATURATION, VitalKind.PAIN,
]  # fmt: skip


@dataclass
class AllergyList:
    """'not_recorded' (nobody asked), 'none_known' (asked: none), or 'listed'."""

    state: str
    items: list[Allergy] = field(default_factory=list)


@dataclass
class VitalsRow:
    taken_at: datetime
    values: dict[str, Any]

    def cells(self) -> list[Any]:
        return [self.values.get(kind) for kind in VITAL_COLUMNS]


@dataclass
class ChartSummary:
    patient: Patient
    age: int
    alerts: list[PatientAlert]
    problems: list[Problem]
    allergies: AllergyList
    medications: list[Medication]
    immunizations: list[Immunization]
    latest_vitals: list[VitalSign]
    vitals_trend: list[VitalsRow]
    labs: list[LabResult]
    encounters: list[Encounter]
    stale_draft_count: int


def clinicians() -> QuerySet[Any]:
    return users_with_role(RoleCode.CLINICIAN).order_by("last_name", "first_name")


def allergy_list(patient_id: int) -> AllergyList:
    active = list(Allergy.objects.filter(patient_id=patient_id, status="active"))
    real = [a for a in active if a.code != NO_KNOWN_ALLERGY_CODE]
    if real:
        order = {"severe": 0, "moderate": 1, "mild": 2, "": 3}
        return AllergyList("listed", sorted(real, key=lambda a: (order[a.severity], a.substance)))
    if active:
        return AllergyList("none_known", active)
    return AllergyList("not_recorded")


def vitals_trend(patient_id: int, sets: int = VITALS_TREND_SETS) -> list[VitalsRow]:
    """The last few sets of vitals (one row per time they were taken), newest first."""
    times = list(
        VitalSign.objects.filter(patient_id=patient_id)
        .values_list("taken_at", flat=True)
        .distinct()
        .order_by("-taken_at")[:sets]
    )
    rows: dict[datetime, VitalsRow] = {t: VitalsRow(t, {}) for t in times}
    for sign in VitalSign.objects.filter(patient_id=patient_id, taken_at__in=times):
        rows[sign.taken_at].values[sign.kind] = sign.value
    return [rows[t] for t in times]


def latest_vitals(patient_id: int) -> list[VitalSign]:
    """The most recent reading of each kind, in the usual order."""
    found: dict[str, VitalSign] = {}
    for kind in VITAL_COLUMNS:
        sign = (
            VitalSign.objects.filter(patient_id=patient_id, kind=kind).order_by("-taken_at").first()
        )
        if sign:
            found[kind] = sign
    return list(found.values())


def stale_cutoff(hours: int = UNSIGNED_NOTE_HOURS) -> datetime:
    return timezone.now() - timedelta(hours=hours)


def chart_summary(patient_id: int, today: date | None = None) -> ChartSummary:
    patient = Patient.objects.select_related("primary_care_provider").get(pk=patient_id)
    today = today or timezone.localdate()
    return ChartSummary(
        patient=patient,
        age=patient.age_on(today),
        alerts=list(PatientAlert.objects.filter(patient_id=patient_id, active=True)),
        problems=list(Problem.objects.filter(patient_id=patient_id).exclude(status="inactive")),
        allergies=allergy_list(patient_id),
        medications=list(Medication.objects.filter(patient_id=patient_id, status="active")),
        immunizations=list(
            Immunization.objects.filter(patient_id=patient_id).exclude(status="entered-in-error")
        ),
        latest_vitals=latest_vitals(patient_id),
        vitals_trend=vitals_trend(patient_id),
        labs=list(LabResult.objects.filter(patient_id=patient_id)[:RECENT_LABS]),
        encounters=list(
            Encounter.objects.filter(patient_id=patient_id)
            .select_related("provider", "location")
            .order_by("-start")[:RECENT_ENCOUNTERS]
        ),
        stale_draft_count=ClinicalNote.objects.filter(
            encounter__patient_id=patient_id,
            status=NoteStatus.DRAFT,
            created_at__lt=stale_cutoff(),
        ).count(),
    )


def encounter_for_patient(patient_id: int, encounter_id: int) -> Encounter:
    """The encounter, if it belongs to this patient (else DoesNotExist -> 404)."""
    return Encounter.objects.select_related("provider", "location", "department", "patient").get(
        pk=encounter_id, patient_id=patient_id
    )


def encounter_coding(encounter: Encounter) -> tuple[list[Any], list[Any]]:
    diagnoses = list(encounter.diagnoses.order_by("rank"))
    procedures = list(encounter.procedures.select_related("code").order_by("pk"))
    return diagnoses, procedures


def encounter_notes(encounter: Encounter) -> list[ClinicalNote]:
    return list(
        encounter.notes.select_related("author", "signed_by")
        .prefetch_related("amendments__author")
        .order_by("created_at")
    )


def note_for_patient(patient_id: int, note_id: int) -> ClinicalNote:
    return ClinicalNote.objects.select_related(
        "encounter", "encounter__provider", "author", "signed_by"
    ).get(pk=note_id, encounter__patient_id=patient_id)


def is_stale_draft(note: ClinicalNote, hours: int = UNSIGNED_NOTE_HOURS) -> bool:
    return note.status == NoteStatus.DRAFT and note.created_at < stale_cutoff(hours)


def unsigned_notes_for(user: Any) -> QuerySet[ClinicalNote]:
    """Drafts this clinician wrote or must sign (they are the encounter's provider)."""
    return (
        ClinicalNote.objects.filter(status=NoteStatus.DRAFT)
        .filter(Q(author=user) | Q(encounter__provider=user))
        .select_related("encounter", "encounter__patient")
        .order_by("created_at")
    )


def encounters_on_day_for(user: Any, day: date) -> QuerySet[Encounter]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return (
        Encounter.objects.filter(
            provider=user, start__gte=start, start__lt=start + timedelta(days=1)
        )
        .exclude(status=EncounterStatus.CANCELLED)
        .select_related("patient", "location")
        .order_by("start")
    )


def vital_unit(kind: str) -> str:
    return VITAL_UNITS[kind][0]
