"""Access rules of the reports app's URLs (see core/tests/test_access_matrix.py)."""

from medoffice.core.access import AccessRule
from medoffice.reports.tests import access_rules_schedules

# Every report page needs one of the report capabilities; each KPI then checks its own
# (reports.permissions.can_view_kpi), which the page tests cover role by role.
REPORTS = AccessRule(
    "role", roles=frozenset({"manager", "frontdesk", "biller", "clinician", "compliance"})
)
MANAGER = AccessRule("role", roles=frozenset({"manager"}))

URL_RULES: dict[str, AccessRule] = {
    "reports:index": REPORTS,
    "reports:kpi": REPORTS,
    "reports:kpi_export": REPORTS,
    "reports:kpi_target": MANAGER,
}
API_RULES: dict[str, AccessRule] = {
    "GET /api/reports/": REPORTS,
    "GET /api/reports/{key}": REPORTS,
}

URL_RULES |= access_rules_schedules.URL_RULES
API_RULES |= access_rules_schedules.API_RULES
