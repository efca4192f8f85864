"""The waitlist's navigation entry and home panel (registered from WaitlistConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medoffice.core import home, navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, Need
from medoffice.waitlist import selectors

SCHEDULE_VIEW = AccessRule("capability", Capability.SCHEDULE)
SCHEDULE_EDIT = AccessRule("capability", Capability.SCHEDULE, Need.EDIT)


def _counts(request: HttpRequest) -> dict[str, Any]:
    return {"counts": selectors.waitlist_counts()}


def register_all() -> None:
    navigation.register(
        navigation.NavItem(
            "waitlist",
            "Waitlist",
            "waitlist:list",
            SCHEDULE_VIEW,
            group=navigation.SCHEDULING,
            order=40,
        )
    )
    home.register(
        home.HomePanel(
            "waitlist",
            "Waitlist",
            "waitlist/panels/waitlist.html",
            SCHEDULE_EDIT,
            _counts,
            order=40,
        )
    )
