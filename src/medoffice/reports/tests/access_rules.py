"""Access rules of the reports app's URLs (see core/tests/test_access_matrix.py)."""

from medoffice.core.access import AccessRule
from medoffice.reports.tests import access_rules_schedules

URL_RULES: dict[str, AccessRule] = {}
API_RULES: dict[str, AccessRule] = {}

URL_RULES |= access_rules_schedules.URL_RULES
API_RULES |= access_rules_schedules.API_RULES
