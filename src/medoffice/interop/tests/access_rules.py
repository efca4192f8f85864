"""Access rules of the FHIR endpoints (see core/tests/test_access_matrix.py)."""

from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability
from medoffice.core.tests.access_rules import PUBLIC, SIGNED_IN, cap

_FHIR_TYPES = {
    "patient": cap(Capability.DEMOGRAPHICS),
    "practitioner": SIGNED_IN,
    "organization": SIGNED_IN,
    "location": SIGNED_IN,
    "coverage": cap(Capability.COVERAGE),
    "encounter": cap(Capability.CHART),
    # Encounter diagnoses need only coding view; problem-list items are checked per row.
    "condition": cap(Capability.CODING),
    "allergyintolerance": cap(Capability.CHART),
    "medicationstatement": cap(Capability.CHART),
    "immunization": cap(Capability.CHART),
    "observation": cap(Capability.CHART),
    "documentreference": cap(Capability.DOCUMENTS),
    # Clinicians ("O") see their own schedule only: narrowed per row, like the JSON API.
    "schedule": cap(Capability.SCHEDULE),
    "slot": cap(Capability.SCHEDULE),
    "appointment": cap(Capability.SCHEDULE),
}

URL_RULES = {
    "fhir:metadata": PUBLIC,
    # The patient's whole record: the chart's rule (emergency access applies in the web).
    "interop:record_bundle": AccessRule("capability", Capability.CHART, patient_kwarg="patient_id"),
    "interop:record_pdf": AccessRule("capability", Capability.CHART, patient_kwarg="patient_id"),
} | {
    f"fhir:{name}_{kind}": rule
    for name, rule in _FHIR_TYPES.items()
    for kind in ("type", "instance")
}
API_RULES: dict = {}
