"""Access rules of the eligibility URLs (see core/tests/test_access_matrix.py): coverage of
the patient in the URL, to read (everyone with coverage access) or to ask (front desk, biller)."""

from medoffice.core.permissions import Capability, Need
from medoffice.patients.tests.access_rules import patient_cap

URL_RULES = {
    "eligibility:coverage_status": patient_cap(Capability.COVERAGE),
    "eligibility:check_detail": patient_cap(Capability.COVERAGE),
    "eligibility:check_request": patient_cap(Capability.COVERAGE, Need.EDIT),
}
API_RULES: dict = {}
