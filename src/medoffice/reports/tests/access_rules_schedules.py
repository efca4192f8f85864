"""Access rules of the report-schedule URLs (merged into access_rules.py)."""

from medoffice.core.access import AccessRule
from medoffice.core.permissions import RoleCode

# Only the office manager schedules reports (and sees who receives what).
MANAGER = AccessRule("role", roles=frozenset({str(RoleCode.MANAGER)}))

URL_RULES: dict[str, AccessRule] = {
    f"report_schedules:{name}": MANAGER
    for name in ("list", "new", "detail", "edit", "delete", "send_now")
}
API_RULES: dict[str, AccessRule] = {}
