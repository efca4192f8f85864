"""Access rules of core's URLs; each app has its own access_rules.py (see test_access_matrix)."""

from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, Need, RoleCode

PUBLIC = AccessRule("public")
SIGNED_IN = AccessRule("authenticated")
ADMIN_ONLY = AccessRule("role", roles=frozenset({RoleCode.ADMIN}))


def cap(capability: Capability, need: Need = Need.VIEW) -> AccessRule:
    return AccessRule("capability", capability, need)


URL_RULES: dict[str, AccessRule] = {
    "core:home": SIGNED_IN,
    "core:job_list": SIGNED_IN,
    "core:job_detail": SIGNED_IN,
    "core:healthz": PUBLIC,
    "core:favicon": PUBLIC,
}
API_RULES: dict[str, AccessRule] = {
    "GET /api/jobs/{job_id}": SIGNED_IN,
}
