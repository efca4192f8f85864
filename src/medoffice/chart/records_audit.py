"""The records audit: what in the records needs fixing, as queries (never a loop over patients).

Each check is a queryset; the page and the command count them with SQL (COUNT) and page
through them. Nothing here returns note content: the office manager sees completeness only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from medoffice.chart.models import (
    ClinicalNote,
    Encounter,
    EncounterDiagnosis,
    EncounterStatus,
    NoteStatus,
)
from medoffice.chart.selectors import UNSIGNED_NOTE_HOURS
from medoffice.patients.models import Consent, Coverage, Patient, PatientStatus
from medoffice.patients.models.documents import REQUIRED_CONSENTS

UPCOMING_DAYS = 14


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    explanation: str
    rows: Callable[[Any], QuerySet[Any]]


@dataclass(frozen=True)
class AuditOptions:
    hours: int = UNSIGNED_NOTE_HOURS
    today: date | None = None
    now: datetime | None = None

    def current_time(self) -> datetime:
        return self.now or timezone.now()

    def day(self) -> date:
        return self.today or timezone.localdate(self.current_time())


def unsigned_notes(opts: AuditOptions) -> QuerySet[ClinicalNote]:
    cutoff = opts.current_time() - timedelta(hours=opts.hours)
    return (
        ClinicalNote.objects.filter(status=NoteStatus.DRAFT, created_at__lt=cutoff)
        .select_related("author", "encounter", "encounter__patient", "encounter__provider")
        .defer("subjective", "objective", "assessment", "plan")  # never the note text
        .order_by("created_at", "pk")
    )


def encounters_without_diagnosis(opts: AuditOptions) -> QuerySet[Encounter]:
    return (
        Encounter.objects.filter(status=EncounterStatus.FINISHED)
        .filter(~Exists(EncounterDiagnosis.objects.filter(encounter=OuterRef("pk"))))
        .select_related("patient", "provider")
        .order_by("start", "pk")
    )


def non_billable_diagnoses(opts: AuditOptions) -> QuerySet[EncounterDiagnosis]:
    return (
        EncounterDiagnosis.objects.filter(billable=False)
        .select_related("encounter", "encounter__patient")
        .order_by("encounter__start", "rank", "pk")
    )


def _current_consent(kind: str, on: date) -> Exists:
    return Exists(
        Consent.objects.filter(patient=OuterRef("pk"), kind=kind, signed_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=on))
    )


def _any_consent(kind: str, on: date) -> Exists:
    return Exists(Consent.objects.filter(patient=OuterRef("pk"), kind=kind, signed_on__lte=on))


def consents_missing_or_expired(opts: AuditOptions) -> QuerySet[Patient]:
    """Active patients lacking a current copy of a required consent (one query).

    Each row carries `current_<kind>` and `signed_<kind>` booleans: a kind never signed is
    missing; signed but not current means expired or revoked."""
    on = opts.day()
    annotations: dict[str, Any] = {}
    lacking = Q()
    for kind in REQUIRED_CONSENTS:
        annotations[f"current_{kind.value}"] = _current_consent(kind, on)
        annotations[f"signed_{kind.value}"] = _any_consent(kind, on)
        lacking |= Q(**{f"current_{kind.value}": False})
    return (
        Patient.objects.filter(status=PatientStatus.ACTIVE)
        .annotate(**annotations)
        .filter(lacking)
        .only("pk", "mrn", "family_name", "given_name", "birth_date")
        .order_by("family_name", "given_name", "pk")
    )


def consent_problems(patient: Patient) -> list[str]:
    """Readable gaps of one row of consents_missing_or_expired."""
    problems = []
    for kind in REQUIRED_CONSENTS:
        if getattr(patient, f"current_{kind.value}"):
            continue
        state = "expired or revoked" if getattr(patient, f"signed_{kind.value}") else "missing"
        problems.append(f"{kind.label}: {state}")
    return problems


def visits_without_coverage(opts: AuditOptions) -> QuerySet[Encounter]:
    """Planned visits in the next 14 days whose patient has no coverage active that day."""
    now = opts.current_time()
    active_that_day = Coverage.objects.filter(
        patient=OuterRef("patient"), effective_date__lte=OuterRef("visit_day")
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("visit_day")))
    return (
        Encounter.objects.filter(
            status=EncounterStatus.PLANNED,
            start__gte=now,
            start__lt=now + timedelta(days=UPCOMING_DAYS),
        )
        .annotate(visit_day=TruncDate("start", tzinfo=timezone.get_current_timezone()))
        .filter(~Exists(active_that_day))
        .select_related("patient", "provider")
        .order_by("start", "pk")
    )


CHECKS: list[Check] = [
    Check(
        "unsigned_notes",
        "Notes not signed in time",
        "Draft notes older than the limit: the author or the visit's provider signs them.",
        unsigned_notes,
    ),
    Check(
        "no_diagnosis",
        "Finished visits without a diagnosis",
        "A claim cannot go out without at least one diagnosis.",
        encounters_without_diagnosis,
    ),
    Check(
        "non_billable",
        "Diagnoses that are not billable codes",
        "Category codes (such as E11) need a complete code (such as E11.9) before billing.",
        non_billable_diagnoses,
    ),
    Check(
        "consents",
        "Active patients missing required consents",
        "Notice of privacy practices, consent to treat and financial policy must be current.",
        consents_missing_or_expired,
    ),
    Check(
        "coverage",
        f"Visits in the next {UPCOMING_DAYS} days without active coverage",
        "Check eligibility or record the new coverage before the visit.",
        visits_without_coverage,
    ),
]


def counts(opts: AuditOptions) -> dict[str, int]:
    return {check.key: check.rows(opts).count() for check in CHECKS}


def patient_id_of(check_key: str, row: Any) -> int:
    if check_key == "consents":
        return int(row.pk)
    if check_key == "unsigned_notes":
        return int(row.encounter.patient_id)
    if check_key == "non_billable":
        return int(row.encounter.patient_id)
    return int(row.patient_id)


# duplicate_pairs() is a capped list (two indexed self-joins), not a queryset: it is counted
# up to this many pairs, shown "500+" beyond.
DUPLICATE_LIMIT = 500


def duplicate_pairs_available() -> bool:
    from medoffice.patients import duplicates

    return callable(getattr(duplicates, "duplicate_pairs", None))


def duplicate_pairs() -> list[Any]:
    """Possible duplicate patients, from the registry's duplicate finder."""
    from medoffice.patients.duplicates import duplicate_pairs as find

    return list(find(DUPLICATE_LIMIT))


def duplicate_section(page_number: str | None, page_size: int) -> dict[str, Any] | None:
    if not duplicate_pairs_available():
        return None
    from django.core.paginator import Paginator

    pairs = duplicate_pairs()
    page = Paginator(pairs, page_size).get_page(page_number)
    return {
        "page": page,
        "rows": list(page.object_list),
        "count": len(pairs),
        "capped": len(pairs) >= DUPLICATE_LIMIT,
    }
