"""The calendar's entry in the main navigation (registered from SchedulingConfig.ready())."""

from __future__ import annotations

from medoffice.core import navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability


def register_all() -> None:
    navigation.register(
        navigation.NavItem(
            "schedule",
            "Schedule",
            "scheduling:calendar_day",
            AccessRule("capability", Capability.SCHEDULE),
            group=navigation.SCHEDULING,
            order=10,
        )
    )
