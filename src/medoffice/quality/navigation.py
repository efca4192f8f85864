"""The quality app's menu entry."""

from __future__ import annotations

from medoffice.core import navigation
from medoffice.reports.permissions import REPORTS_RULE


def register_all() -> None:
    item = navigation.NavItem(
        "quality_initiatives", "QI initiatives", "quality:list", REPORTS_RULE,
        group=navigation.REPORTS, order=80,
    )  # fmt: skip
    navigation.register(item)
