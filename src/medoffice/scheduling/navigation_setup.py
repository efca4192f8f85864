"""Menu entries of find-first-available and the scheduling setup."""

from __future__ import annotations

from medoffice.core import navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability


def register_all() -> None:
    schedule_view = AccessRule("capability", Capability.SCHEDULE)
    navigation.register(
        navigation.NavItem(
            "find_slot",
            "Find a time",
            "scheduling:find",
            schedule_view,
            group=navigation.SCHEDULING,
            order=30,
        )
    )
    navigation.register(
        navigation.NavItem(
            "schedule_setup",
            "Schedule setup",
            "scheduling:setup",
            schedule_view,
            group=navigation.SETUP,
            order=40,
        )
    )
