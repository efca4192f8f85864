"""The FHIR resource types MedOffice serves: where each comes from, who may see it, how it is
searched. Views, the CapabilityStatement and the access rules are all built from `RESOURCES`.

A resource type reads one or more tables ("sources"); ids of a type read from several tables
carry a prefix ("vital-12", "lab-7") so they stay unique.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from medoffice.chart.models.clinical import VITAL_UNITS
from medoffice.core.access import effective_roles
from medoffice.core.permissions import Capability, Need, RoleCode, roles_allow
from medoffice.interop.fhir import search as s
from medoffice.interop.fhir.mappers import clinical, coverage, directory, documents, observations
from medoffice.interop.fhir.mappers.patient import patient_to_fhir
from medoffice.interop.fhir.scheduling import APPOINTMENT, SCHEDULE, SLOT
from medoffice.interop.fhir.types import SIGNED_IN, ResourceType, Source, cap_rule


def _patients() -> QuerySet:
    from medoffice.patients.models import Patient

    # The SSN is never part of an API answer, so it is not even read (or decrypted).
    return Patient.objects.defer("ssn").prefetch_related("identifiers")


def _clinicians() -> QuerySet:
    from medoffice.accounts.models import User

    clinician = User.roles.through.objects.filter(user=OuterRef("pk"), role=RoleCode.CLINICIAN)
    return User.objects.filter(Exists(clinician))


def _model(label: str) -> Callable[[], QuerySet]:
    def queryset() -> QuerySet:
        from django.apps import apps

        return apps.get_model(label).objects.all()

    return queryset


def _with(label: str, *related: str) -> Callable[[], QuerySet]:
    def queryset() -> QuerySet:
        return _model(label)().select_related(*related)

    return queryset


def _patient_params(path: str = "patient_id") -> dict[str, s.Handler]:
    handler = s.patient_handler(path)
    return {"patient": handler, "subject": handler}


_VITAL_KIND_BY_LOINC = {loinc: kind for kind, (_u, _lo, _hi, loinc) in VITAL_UNITS.items()}

PATIENT = ResourceType(
    "Patient",
    cap_rule(Capability.DEMOGRAPHICS),
    {
        "_id": "token",
        "identifier": "token",
        "name": "string",
        "family": "string",
        "given": "string",
        "birthdate": "date",
        "gender": "token",
    },
    (
        Source(
            "",
            _patients,
            lambda p, ctx: patient_to_fhir(p),
            {
                "identifier": s.patient_identifier_handler(),
                "name": s.folded_name_handler("family_norm", "given_norm"),
                "family": s.folded_name_handler("family_norm"),
                "given": s.folded_name_handler("given_norm"),
                "birthdate": s.date_handler("birth_date", is_date=True),
                "gender": s.choice_token_handler(
                    "sex_at_birth", {"female": "F", "male": "M", "unknown": "U", "other": "U"}
                ),
            },
            ("family_norm", "given_norm", "pk"),
            patient_path="",
            unlisted=Q(status="merged"),  # a read answers with a replaced-by link instead
        ),
    ),
    writable=True,
    documentation="Registration records. identifier: MRN (urn:medoffice:mrn|123456) or any "
    "identifier from another system; name/family/given: prefix, case- and accent-insensitive.",
)

PRACTITIONER = ResourceType(
    "Practitioner",
    SIGNED_IN,
    {
        "_id": "token",
        "identifier": "token",
        "name": "string",
        "family": "string",
        "given": "string",
    },
    (
        Source(
            "",
            _clinicians,
            lambda u, ctx: directory.practitioner_to_fhir(u),
            {
                "identifier": s.code_handler("username", "urn:medoffice:username"),
                "name": s.text_handler("last_name", "first_name"),
                "family": s.text_handler("last_name"),
                "given": s.text_handler("first_name"),
            },
            ("last_name", "first_name", "pk"),
            patient_path=None,
        ),
    ),
    documentation="People with the clinician role (imported outside clinicians are inactive).",
)

ORGANIZATION = ResourceType(
    "Organization",
    SIGNED_IN,
    {"_id": "token", "name": "string", "type": "token"},
    (
        Source(
            directory.PRACTICE_PREFIX,
            _model("organization.Practice"),
            lambda p, ctx: directory.practice_to_fhir(p),
            {
                "name": s.text_handler("name", "legal_name"),
                "type": s.constant_token_handler({"prov"}),
            },
            ("name", "pk"),
            patient_path=None,
        ),
        Source(
            directory.PAYER_PREFIX,
            _model("patients.Payer"),
            lambda p, ctx: directory.payer_to_fhir(p),
            {"name": s.text_handler("name"), "type": s.constant_token_handler({"pay"})},
            ("name", "pk"),
            patient_path=None,
        ),
    ),
    documentation="The practice (practice-<id>) and the payers (payer-<id>).",
)

LOCATION = ResourceType(
    "Location",
    SIGNED_IN,
    {"_id": "token", "name": "string", "identifier": "token"},
    (
        Source(
            "",
            _model("organization.Location"),
            lambda loc, ctx: directory.location_to_fhir(loc),
            {
                "name": s.text_handler("name"),
                "identifier": s.code_handler("code", "urn:medoffice:location-code"),
            },
            ("name", "pk"),
            patient_path=None,
        ),
    ),
)


def _member_id_handler(repeats: list[list[str]], modifier: str) -> Any:
    """Member ids compare as the registry's search does: letters and digits, upper case."""
    from medoffice.patients.names import member_id_key

    def one(value: str) -> Any:
        system, sep, code = value.rpartition("|")
        if sep and system and system != "urn:medoffice:coverage-member-id":
            return s.NO_MATCH
        key = member_id_key(code)
        return Q(member_id_norm=key) if key else s.NO_MATCH

    return s.and_of_ors(repeats, one)


COVERAGE = ResourceType(
    "Coverage",
    cap_rule(Capability.COVERAGE),
    {"_id": "token", "patient": "reference", "beneficiary": "reference", "identifier": "token"},
    (
        Source(
            "",
            _with("patients.Coverage", "payer"),
            lambda c, ctx: coverage.coverage_to_fhir(c),
            {
                **_patient_params(),
                "beneficiary": s.patient_handler("patient_id"),
                "identifier": _member_id_handler,
            },
            ("priority", "-effective_date", "pk"),
        ),
    ),
    writable=True,
)

ENCOUNTER = ResourceType(
    "Encounter",
    cap_rule(Capability.CHART),
    {"_id": "token", "patient": "reference", "subject": "reference", "date": "date"},
    (
        Source(
            "",
            _model("chart.Encounter"),
            lambda e, ctx: clinical.encounter_to_fhir(e, ctx.practice_id),
            {**_patient_params(), "date": s.date_handler("start", is_date=False)},
            ("-start", "-pk"),
        ),
    ),
)

CONDITION = ResourceType(
    "Condition",
    # Diagnoses on encounters are coding (billing sees them); problem-list items are the chart.
    cap_rule(Capability.CODING),
    {
        "_id": "token",
        "patient": "reference",
        "subject": "reference",
        "date": "date",
        "onset-date": "date",
        "category": "token",
        "code": "token",
    },
    (
        Source(
            clinical.DIAGNOSIS_PREFIX,
            _with("chart.EncounterDiagnosis", "encounter"),
            lambda d, ctx: clinical.diagnosis_to_fhir(d),
            {
                **_patient_params("encounter__patient_id"),
                "date": s.date_handler("encounter__start", is_date=False),
                "onset-date": s.date_handler("encounter__start", is_date=False),
                "category": s.constant_token_handler({"encounter-diagnosis"}),
                "code": s.code_handler("code", "http://hl7.org/fhir/sid/icd-10-cm"),
            },
            ("-encounter__start", "rank", "pk"),
            patient_path="encounter__patient",
        ),
        Source(
            clinical.PROBLEM_PREFIX,
            _model("chart.Problem"),
            lambda p, ctx: clinical.problem_to_fhir(p),
            {
                **_patient_params(),
                "date": s.date_handler("onset_date", is_date=True),
                "onset-date": s.date_handler("onset_date", is_date=True),
                "category": s.constant_token_handler({"problem-list-item"}),
                "code": s.text_handler("code"),
            },
            ("-onset_date", "-pk"),
            restricted=(Capability.CHART, None),
        ),
    ),
    documentation="Encounter diagnoses (dx-<id>, ICD-10-CM; CODING view suffices) and "
    "problem-list items (problem-<id>; CHART view).",
)

ALLERGY = ResourceType(
    "AllergyIntolerance",
    cap_rule(Capability.CHART),
    {"_id": "token", "patient": "reference", "date": "date"},
    (
        Source(
            "",
            _model("chart.Allergy"),
            lambda a, ctx: clinical.allergy_to_fhir(a),
            {**_patient_params(), "date": s.date_handler("recorded_date", is_date=True)},
            ("substance", "pk"),
        ),
    ),
)

MEDICATION = ResourceType(
    "MedicationStatement",
    cap_rule(Capability.CHART),
    {
        "_id": "token",
        "patient": "reference",
        "subject": "reference",
        "effective": "date",
        "date": "date",
    },
    (
        Source(
            "",
            _model("chart.Medication"),
            lambda m, ctx: clinical.medication_to_fhir(m),
            {
                **_patient_params(),
                "effective": s.date_handler("start_date", is_date=True),
                "date": s.date_handler("start_date", is_date=True),
            },
            ("status", "name", "pk"),
        ),
    ),
)

IMMUNIZATION = ResourceType(
    "Immunization",
    cap_rule(Capability.CHART),
    {"_id": "token", "patient": "reference", "date": "date"},
    (
        Source(
            "",
            _model("chart.Immunization"),
            lambda i, ctx: clinical.immunization_to_fhir(i),
            {**_patient_params(), "date": s.date_handler("administered_on", is_date=True)},
            ("-administered_on", "-pk"),
        ),
    ),
)


def _vital_code(repeats: list[list[str]], modifier: str) -> Any:
    def one(value: str) -> Any:
        system, sep, code = value.rpartition("|")
        if sep and system and system != "http://loinc.org":
            return s.NO_MATCH
        kind = _VITAL_KIND_BY_LOINC.get(code)
        return Q(kind=kind) if kind else s.NO_MATCH

    return s.and_of_ors(repeats, one)


OBSERVATION = ResourceType(
    "Observation",
    cap_rule(Capability.CHART),
    {
        "_id": "token",
        "patient": "reference",
        "subject": "reference",
        "date": "date",
        "category": "token",
        "code": "token",
    },
    (
        Source(
            observations.VITAL_PREFIX,
            _model("chart.VitalSign"),
            lambda v, ctx: observations.vital_to_fhir(v),
            {
                **_patient_params(),
                "date": s.date_handler("taken_at", is_date=False),
                "category": s.constant_token_handler({"vital-signs"}),
                "code": _vital_code,
            },
            ("-taken_at", "kind", "-pk"),
        ),
        Source(
            observations.LAB_PREFIX,
            _model("chart.LabResult"),
            lambda lab, ctx: observations.lab_to_fhir(lab),
            {
                **_patient_params(),
                "date": s.date_handler("collected_at", is_date=False),
                "category": s.constant_token_handler({"laboratory"}),
                "code": s.code_handler("loinc", "http://loinc.org"),
            },
            ("-collected_at", "-pk"),
        ),
    ),
    documentation="Vital signs (vital-<id>, LOINC + UCUM) and lab results (lab-<id>).",
)


def _clinical_documents() -> Q:
    from medoffice.patients.models.documents import CLINICAL_CATEGORIES

    return Q(category__in=[str(c) for c in CLINICAL_CATEGORIES])


DOCUMENT = ResourceType(
    "DocumentReference",
    cap_rule(Capability.DOCUMENTS),
    {"_id": "token", "patient": "reference", "subject": "reference", "date": "date"},
    (
        Source(
            "",
            _model("patients.Document"),
            lambda d, ctx: documents.document_to_fhir(d, ctx.base_url),
            {**_patient_params(), "date": s.date_handler("created_at", is_date=False)},
            ("-created_at", "-pk"),
            # Clinical documents (outside records, lab and imaging reports) need chart access.
            restricted=(Capability.CHART, _clinical_documents),
        ),
    ),
    documentation="Document metadata; content.attachment.url is the web application's "
    "access-checked, audited download. Clinical categories need CHART view.",
)

RESOURCES: dict[str, ResourceType] = {
    r.name: r
    for r in (
        PATIENT,
        PRACTITIONER,
        ORGANIZATION,
        LOCATION,
        COVERAGE,
        ENCOUNTER,
        CONDITION,
        ALLERGY,
        MEDICATION,
        IMMUNIZATION,
        OBSERVATION,
        DOCUMENT,
        SCHEDULE,
        SLOT,
        APPOINTMENT,
    )
}


def hidden_rows(source: Source, user: Any) -> tuple[Capability, Q | None] | None:
    """Rows of this table the user may not see: (capability needed, Q of rows or None=all)."""
    if source.restricted is None:
        return None
    capability, rows = source.restricted
    if roles_allow(effective_roles(user), capability, Need.VIEW):
        return None
    return capability, rows() if rows is not None else None


def audit_annotations(queryset: QuerySet, source: Source) -> QuerySet:
    """The patient's id and MRN on each row, for the audit entries, without loading patients."""
    if source.patient_path is None:
        return queryset
    if source.patient_path == "":
        return queryset.annotate(audit_patient_id=F("pk"), audit_patient_mrn=F("mrn"))
    return queryset.annotate(
        audit_patient_id=F(f"{source.patient_path}_id"),
        audit_patient_mrn=F(f"{source.patient_path}__mrn"),
    )
