"""Access rules of the quality app's URLs (see core/tests/test_access_matrix.py)."""

from medoffice.core.access import AccessRule
from medoffice.reports.permissions import MANAGER_RULE, REPORTS_RULE

URL_RULES: dict[str, AccessRule] = {
    "quality:list": REPORTS_RULE,
    "quality:detail": REPORTS_RULE,
    "quality:new": MANAGER_RULE,
    "quality:edit": MANAGER_RULE,
    "quality:cycle_new": MANAGER_RULE,
    "quality:cycle_edit": MANAGER_RULE,
}
API_RULES: dict[str, AccessRule] = {}
