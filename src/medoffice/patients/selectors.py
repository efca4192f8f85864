"""Reading patients. Functions that return PHI take the actor, check access and audit the read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.shortcuts import get_object_or_404
from django.utils import timezone

from medoffice.audit.services import audit_patients_shown, audit_record
from medoffice.core.access import deny, effective_roles, patient_access, require_capability
from medoffice.core.permissions import (
    Capability,
    Need,
    RoleCode,
    roles_allow,
    roles_may_break_glass,
)
from medoffice.patients.models import (
    Consent,
    Coverage,
    Document,
    EmergencyContact,
    Guarantor,
    Patient,
    PatientAlert,
    PatientIdentifier,
    Payer,
)
from medoffice.patients.models.documents import REQUIRED_CONSENTS
from medoffice.patients.models.patient import RACE_CHOICES
from medoffice.patients.vocabulary import language_label

# Who may see a whole Social Security number: the front desk (registration, identity checks)
# and billing (claims to payers that still key on it). Everyone else sees the last four.
# Emergency access does not widen this: an emergency is about care, not the SSN.
SSN_FULL_ROLES = frozenset({RoleCode.FRONT_DESK.value, RoleCode.BILLER.value})


def patient_id_for_mrn(mrn: str) -> int | None:
    """The patient an MRN names (registered as the audit reports' resolver)."""
    return Patient.objects.filter(mrn=mrn.strip()).values_list("pk", flat=True).first()


def patient_mrns_for_audit(patient_ids: list[int]) -> dict[int, str]:
    """The MRNs audit entries record, in one query (registered as the audit app's resolver)."""
    return dict(Patient.objects.filter(pk__in=patient_ids).values_list("pk", "mrn"))


def may_access(actor: Any, capability: Capability, patient_id: int, need: Need = Need.VIEW) -> bool:
    """Whether the actor reaches this part of the patient's record, without auditing a
    refusal (for deciding what a page shows). Emergency access counts while it lasts."""
    roles = effective_roles(actor)
    if roles_allow(roles, capability, need):
        return True
    if roles_may_break_glass(roles, capability):
        from medoffice.audit.selectors import emergency_access_active

        return emergency_access_active(user=actor, patient_id=patient_id)
    return False


def may_see_full_ssn(actor: Any) -> bool:
    return bool(effective_roles(actor) & SSN_FULL_ROLES)


def patient_get(
    *,
    actor: Any,
    patient_id: int,
    capability: Capability = Capability.DEMOGRAPHICS,
    details: Mapping[str, Any] | None = None,
) -> Patient:
    """One patient's registration record, for someone allowed to see it; the read is audited.
    A patient that does not exist is Http404 (after the access check, so ids leak nothing)."""
    patient_access(actor, capability, Need.VIEW, patient_id)
    patient = get_object_or_404(
        Patient.objects.select_related(
            "primary_care_provider", "preferred_pharmacy", "home_location"
        ),
        pk=patient_id,
    )
    audit_record(
        action="view",
        actor=actor,
        object_type="patient",
        object_id=patient.pk,
        patient_id=patient.pk,
        patient_ref=patient.mrn,
        details=details,
    )
    return patient


def patient_ssn_reveal(*, actor: Any, patient_id: int) -> str:
    """The full SSN, for the roles that need it; each reveal is its own audit entry."""
    patient_access(actor, Capability.DEMOGRAPHICS, Need.VIEW, patient_id)
    if not may_see_full_ssn(actor):
        raise deny(
            actor,
            "Only the front desk and billing see full Social Security numbers.",
            capability=Capability.DEMOGRAPHICS,
            object_type="patient_ssn",
            object_id=str(patient_id),
            patient_id=patient_id,
        )
    patient = get_object_or_404(Patient, pk=patient_id)
    audit_record(
        action="view",
        actor=actor,
        object_type="patient_ssn",
        object_id=patient.pk,
        patient_id=patient.pk,
        patient_ref=patient.mrn,
    )
    return patient.ssn


def patients_active() -> QuerySet[Patient]:
    return Patient.objects.exclude(status="merged")


def active_clinicians() -> QuerySet[Any]:
    """People who may be a patient's primary care provider."""
    from medoffice.accounts.models import User

    return (
        User.objects.filter(is_active=True, roles__code=RoleCode.CLINICIAN)
        .distinct()
        .order_by("last_name", "first_name")
    )


def payers_active() -> QuerySet[Payer]:
    return Payer.objects.filter(is_active=True)


# --- Consents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentGap:
    """A required consent that is not current: missing, expired or revoked."""

    kind: str
    label: str
    problem: str  # "missing", "expired" or "revoked"
    consent: Consent | None = None

    @property
    def message(self) -> str:
        if self.problem == "missing":
            return f"{self.label}: not on file."
        assert self.consent is not None
        when = self.consent.expires_on if self.problem == "expired" else self.consent.revoked_on
        return f"{self.label}: {self.problem} on {when:%Y-%m-%d}."


def consents_missing_or_expired(
    patient: Patient | int, *, on: date | None = None
) -> list[ConsentGap]:
    """The required consents (REQUIRED_CONSENTS) this patient has no current one of on `on`."""
    on = on or timezone.localdate()
    patient_id = patient if isinstance(patient, int) else patient.pk
    by_kind: dict[str, list[Consent]] = {}
    for consent in Consent.objects.filter(patient_id=patient_id, kind__in=REQUIRED_CONSENTS):
        by_kind.setdefault(consent.kind, []).append(consent)
    gaps = []
    for kind in REQUIRED_CONSENTS:
        consents = by_kind.get(kind, [])
        if any(c.is_current_on(on) for c in consents):
            continue
        signed = [c for c in consents if c.signed_on <= on]
        latest = max(signed, key=lambda c: c.signed_on, default=None)
        if latest is None:
            gaps.append(ConsentGap(kind, kind.label, "missing"))
        elif latest.revoked_on and latest.revoked_on <= on:
            gaps.append(ConsentGap(kind, kind.label, "revoked", latest))
        else:
            gaps.append(ConsentGap(kind, kind.label, "expired", latest))
    return gaps


# --- The overview page --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentRow:
    consent: Consent
    status: str  # "current", "not yet", "expired" or "revoked"


def consent_status(consent: Consent, on: date) -> str:
    if consent.revoked_on and consent.revoked_on <= on:
        return "revoked"
    if consent.is_current_on(on):
        return "current"
    return "not yet" if consent.signed_on > on else "expired"


@dataclass(frozen=True)
class DocumentRow:
    document: Document
    restricted: bool  # clinical content the viewer may not open: shown without its title


@dataclass
class PatientOverview:
    patient: Patient
    alerts: list[PatientAlert]
    consent_gaps: list[ConsentGap]
    contacts: list[EmergencyContact]
    guarantor: Guarantor | None
    identifiers: list[PatientIdentifier]
    coverages_current: list[Coverage] = field(default_factory=list)
    coverages_past: list[Coverage] = field(default_factory=list)
    consents: list[ConsentRow] = field(default_factory=list)
    documents: list[DocumentRow] = field(default_factory=list)
    can: dict[str, bool] = field(default_factory=dict)
    on: date = field(default_factory=timezone.localdate)

    @property
    def age(self) -> str:
        years = self.patient.age_on(self.patient.deceased_date or self.on)
        return f"{years} years" if years >= 2 else "under 2 years"

    @property
    def race_labels(self) -> list[str]:
        labels = dict(RACE_CHOICES)
        return [labels.get(code, code) for code in self.patient.race or []]

    @property
    def language_label(self) -> str:
        return language_label(self.patient.preferred_language)


def patient_overview(*, actor: Any, patient_id: int, on: date | None = None) -> PatientOverview:
    """Everything the registration page shows, audited as one view of the patient."""
    on = on or timezone.localdate()
    can = {
        "edit": may_access(actor, Capability.DEMOGRAPHICS, patient_id, Need.EDIT),
        "coverage": may_access(actor, Capability.COVERAGE, patient_id),
        "edit_coverage": may_access(actor, Capability.COVERAGE, patient_id, Need.EDIT),
        "documents": may_access(actor, Capability.DOCUMENTS, patient_id),
        "edit_documents": may_access(actor, Capability.DOCUMENTS, patient_id, Need.EDIT),
        "chart": may_access(actor, Capability.CHART, patient_id),
        "full_ssn": may_see_full_ssn(actor),
    }
    sections = ["demographics"] + [s for s in ("coverage", "documents") if can[s]]
    patient = patient_get(actor=actor, patient_id=patient_id, details={"sections": sections})
    overview = PatientOverview(
        patient=patient,
        alerts=list(patient.alerts.filter(active=True).select_related("created_by")),
        consent_gaps=consents_missing_or_expired(patient, on=on)
        if patient.status == "active"
        else [],
        contacts=list(patient.emergency_contacts.all()),
        guarantor=Guarantor.objects.filter(patient=patient).first(),
        identifiers=list(patient.identifiers.order_by("system", "value")),
        can=can,
        on=on,
    )
    if can["coverage"]:
        for coverage in patient.coverages.select_related("payer"):
            current = coverage.is_active_on(on) or coverage.effective_date > on
            (overview.coverages_current if current else overview.coverages_past).append(coverage)
        from medoffice.eligibility.selectors import attach_latest

        attach_latest(overview.coverages_current)  # the latest 270/271 answer of each
    if can["documents"]:
        overview.consents = [
            ConsentRow(c, consent_status(c, on))
            for c in patient.consents.select_related("document").order_by("kind", "-signed_on")
        ]
        overview.documents = [
            DocumentRow(d, restricted=d.is_clinical and not can["chart"])
            for d in patient.documents.select_related("uploaded_by")
        ]
    return overview


# --- Coverage, cards and documents: each open is audited ---------------------------------------


def coverage_get(
    *, actor: Any, patient_id: int, coverage_id: int, need: Need = Need.VIEW
) -> Coverage:
    patient_access(actor, Capability.COVERAGE, need, patient_id)
    coverage = get_object_or_404(
        Coverage.objects.select_related("payer", "patient"), pk=coverage_id, patient_id=patient_id
    )
    audit_record(
        action="view",
        actor=actor,
        object_type="coverage",
        object_id=coverage.pk,
        patient_id=patient_id,
        patient_ref=coverage.patient.mrn,
    )
    return coverage


def coverages_for(*, actor: Any, patient_id: int) -> list[Coverage]:
    patient_access(actor, Capability.COVERAGE, Need.VIEW, patient_id)
    patient = get_object_or_404(Patient, pk=patient_id)
    coverages = list(patient.coverages.select_related("payer"))
    audit_record(
        action="view",
        actor=actor,
        object_type="coverage_list",
        object_id=patient.pk,
        patient_id=patient.pk,
        patient_ref=patient.mrn,
        details={"coverages": [c.pk for c in coverages]},
    )
    return coverages


def coverage_card_open(
    *, actor: Any, patient_id: int, coverage_id: int, side: str, download: bool
) -> tuple[Coverage, FieldFile]:
    patient_access(actor, Capability.COVERAGE, Need.VIEW, patient_id)
    coverage = get_object_or_404(
        Coverage.objects.select_related("patient"), pk=coverage_id, patient_id=patient_id
    )
    card = getattr(coverage, f"card_{side}", None) if side in ("front", "back") else None
    if not card:
        from django.http import Http404

        raise Http404("No card image")
    audit_record(
        action="view",
        actor=actor,
        object_type="coverage_card",
        object_id=coverage.pk,
        patient_id=patient_id,
        patient_ref=coverage.patient.mrn,
        details={"side": side, "disposition": "attachment" if download else "inline"},
    )
    return coverage, card


def document_open(*, actor: Any, patient_id: int, document_id: int, download: bool) -> Document:
    """A document to show or download. Clinical categories also need chart access."""
    patient_access(actor, Capability.DOCUMENTS, Need.VIEW, patient_id)
    document = get_object_or_404(
        Document.objects.select_related("patient"), pk=document_id, patient_id=patient_id
    )
    if document.is_clinical:
        patient_access(actor, Capability.CHART, Need.VIEW, patient_id)
    audit_record(
        action="view",
        actor=actor,
        object_type="document",
        object_id=document.pk,
        patient_id=patient_id,
        patient_ref=document.patient.mrn,
        details={
            "disposition": "attachment" if download else "inline",
            "category": document.category,
        },
    )
    return document


def documents_for_consent(*, patient: Patient) -> QuerySet[Document]:
    """Documents a consent may point at as its scan: this patient's non-clinical ones."""
    from medoffice.patients.models.documents import CLINICAL_CATEGORIES

    return patient.documents.exclude(category__in=CLINICAL_CATEGORIES)


# --- Lists: each patient shown is recorded --------------------------------------------------


def registration_duplicates(
    *,
    actor: Any,
    data: Mapping[str, Any],
    exclude_id: int | None = None,
) -> list[Any]:
    """Existing patients the new registration may duplicate; each one shown is audited."""
    from medoffice.patients.duplicates import possible_duplicates

    require_capability(actor, Capability.DEMOGRAPHICS, Need.VIEW)
    found = possible_duplicates(
        family_name=data.get("family_name") or "",
        given_name=data.get("given_name") or "",
        birth_date=data.get("birth_date"),
        phone=data.get("phone_mobile") or data.get("phone_home") or data.get("phone_work") or "",
        exclude_id=exclude_id,
    )
    if found:
        audit_patients_shown(
            patient_ids=[d.patient.pk for d in found], view="registration duplicate check"
        )
    return found


def patients_registered_today(*, actor: Any, limit: int = 5) -> tuple[int, list[Patient]]:
    """How many patients were registered today (practice time zone), and the latest few."""
    require_capability(actor, Capability.DEMOGRAPHICS, Need.VIEW)
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    today = patients_active().filter(created_at__gte=start)
    latest = list(today.order_by("-created_at")[:limit])
    if latest:
        audit_patients_shown(patient_ids=_ids(latest), view="home: registered today")
    return today.count(), latest


def _ids(patients: Iterable[Patient]) -> list[int]:
    return [p.pk for p in patients]
