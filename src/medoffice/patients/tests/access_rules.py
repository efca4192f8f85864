from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, Need, RoleCode
from medoffice.core.tests.access_rules import cap


def patient_cap(capability: Capability, need: Need = Need.VIEW) -> AccessRule:
    """A rule on one patient's record (allows break-the-glass)."""
    return AccessRule("capability", capability, need, patient_kwarg="patient_id")


DEMOGRAPHICS_VIEW = patient_cap(Capability.DEMOGRAPHICS)
DEMOGRAPHICS_EDIT = patient_cap(Capability.DEMOGRAPHICS, Need.EDIT)
COVERAGE_VIEW = patient_cap(Capability.COVERAGE)
COVERAGE_EDIT = patient_cap(Capability.COVERAGE, Need.EDIT)
DOCUMENTS_VIEW = patient_cap(Capability.DOCUMENTS)
DOCUMENTS_EDIT = patient_cap(Capability.DOCUMENTS, Need.EDIT)
FULL_SSN = AccessRule("role", roles=frozenset({RoleCode.FRONT_DESK, RoleCode.BILLER}))

URL_RULES = {
    "patients:search": cap(Capability.DEMOGRAPHICS),
    "patients:search_results": cap(Capability.DEMOGRAPHICS),
    "patients:duplicates": cap(Capability.DEMOGRAPHICS),
    "patients:duplicate_dismiss": cap(Capability.DEMOGRAPHICS, Need.EDIT),
    "patients:merge_new": cap(Capability.DEMOGRAPHICS, Need.EDIT),
    "patients:merge_review": cap(Capability.DEMOGRAPHICS),
    "patients:merge_execute": cap(Capability.DEMOGRAPHICS, Need.EDIT),
    "patients:merge_cancel": cap(Capability.DEMOGRAPHICS, Need.EDIT),
    "patients:new": cap(Capability.DEMOGRAPHICS, Need.EDIT),
    "patients:detail": DEMOGRAPHICS_VIEW,
    "patients:edit": DEMOGRAPHICS_EDIT,
    "patients:ssn": FULL_SSN,
    "patients:coverage_new": COVERAGE_EDIT,
    "patients:coverage_edit": COVERAGE_EDIT,
    "patients:coverage_end": COVERAGE_EDIT,
    "patients:coverage_card": COVERAGE_VIEW,
    "patients:payer_list": cap(Capability.COVERAGE),
    "patients:payer_new": cap(Capability.COVERAGE, Need.EDIT),
    "patients:payer_edit": cap(Capability.COVERAGE, Need.EDIT),
    "patients:document_new": DOCUMENTS_EDIT,
    "patients:document_file": DOCUMENTS_VIEW,
    "patients:consent_new": DOCUMENTS_EDIT,
    "patients:consent_revoke": DOCUMENTS_EDIT,
    "patients:alert_new": DEMOGRAPHICS_EDIT,
    "patients:alert_deactivate": DEMOGRAPHICS_EDIT,
    "patients:contact_new": DEMOGRAPHICS_EDIT,
    "patients:contact_edit": DEMOGRAPHICS_EDIT,
    "patients:contact_remove": DEMOGRAPHICS_EDIT,
    "patients:guarantor_edit": DEMOGRAPHICS_EDIT,
    "patients:guarantor_clear": DEMOGRAPHICS_EDIT,
    "patients:identifier_new": DEMOGRAPHICS_EDIT,
    "patients:identifier_remove": DEMOGRAPHICS_EDIT,
}

API_RULES = {
    "GET /api/patients/search": cap(Capability.DEMOGRAPHICS),
    "GET /api/patients/{patient_id}": cap(Capability.DEMOGRAPHICS),
    "POST /api/patients/": cap(Capability.DEMOGRAPHICS, Need.EDIT),
    "PATCH /api/patients/{patient_id}": cap(Capability.DEMOGRAPHICS, Need.EDIT),
    "GET /api/patients/{patient_id}/coverages": cap(Capability.COVERAGE),
    "POST /api/patients/{patient_id}/coverages": cap(Capability.COVERAGE, Need.EDIT),
}
