"""Access rules of the report-schedule URLs (merged into access_rules.py)."""

from medoffice.core.access import AccessRule

URL_RULES: dict[str, AccessRule] = {}
API_RULES: dict[str, AccessRule] = {}
