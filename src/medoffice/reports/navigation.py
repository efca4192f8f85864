"""The reports app's menu entries: KPI reports for every role holding a report capability, report
schedules for the office manager."""

from __future__ import annotations

from medoffice.core import navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import RoleCode
from medoffice.reports.permissions import REPORTS_RULE


def register_all() -> None:
    navigation.register(
        navigation.NavItem(
            "reports_kpis",
            "KPI reports",
            "reports:index",
            REPORTS_RULE,
            group=navigation.REPORTS,
            order=10,
        )
    )
    navigation.register(
        navigation.NavItem(
            "report_schedules",
            "Report schedules",
            "report_schedules:list",
            # Only the office manager schedules reports (reports.services_schedules).
            AccessRule("role", roles=frozenset({RoleCode.MANAGER})),
            group=navigation.REPORTS,
            order=30,
        )
    )
