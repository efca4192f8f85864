"""The code tables' menu entry: for those who code (billers, clinicians) and read codes."""

from __future__ import annotations

from medoffice.core import navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability


def register_all() -> None:
    navigation.register(
        navigation.NavItem(
            "code_tables",
            "Code tables",
            "coding:tables",
            AccessRule("capability", Capability.CODING),
            group=navigation.SETUP,
            order=30,
        )
    )
