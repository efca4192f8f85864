"""The outbox's home panel and the navigation entries (registered from MessagingConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medoffice.core import home, navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import RoleCode
from medoffice.messaging import selectors

MANAGER = AccessRule("role", roles=frozenset({RoleCode.MANAGER}))
FEED_PEOPLE = AccessRule("role", roles=frozenset({RoleCode.MANAGER, RoleCode.CLINICIAN}))


def _outbox(request: HttpRequest) -> dict[str, Any]:
    return {"summary": selectors.outbox_summary()}


def register_all() -> None:
    navigation.register(
        # The messages the practice sends patients (confirmations, reminders, offers).
        navigation.NavItem(
            "outbox", "Outbox", "messaging:outbox", MANAGER, group=navigation.PATIENTS, order=40
        )
    )
    navigation.register(
        navigation.NavItem(
            "calendar_feeds",
            "Calendar feed",
            "messaging:calendar_feeds",
            FEED_PEOPLE,
            group=navigation.SCHEDULING,
            order=60,
        )
    )
    home.register(
        home.HomePanel(
            "patient_messages",
            "Patient messages",
            "messaging/panels/outbox.html",
            MANAGER,
            _outbox,
            order=30,
        )
    )
