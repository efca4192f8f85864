"""The reports app's menu entry: KPI reports, for every role holding a report capability."""

from __future__ import annotations

from medoffice.core import navigation
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
