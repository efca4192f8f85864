"""Home-page panels and the navigation entry of the chart app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from medoffice.chart import records_audit, selectors
from medoffice.core import home, navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, RoleCode

CLINICIANS = AccessRule("role", roles=frozenset({RoleCode.CLINICIAN}))
MANAGERS = AccessRule("role", roles=frozenset({RoleCode.MANAGER}))
PANEL_ROWS = 8


def _unsigned_notes(request: HttpRequest) -> dict[str, Any]:
    notes = selectors.unsigned_notes_for(request.user)
    shown = list(notes[:PANEL_ROWS])
    return {
        "notes": shown,
        "more": max(notes.count() - len(shown), 0) if len(shown) == PANEL_ROWS else 0,
        "cutoff": selectors.stale_cutoff(),
    }


def _todays_encounters(request: HttpRequest) -> dict[str, Any]:
    return {
        "encounters": list(selectors.encounters_on_day_for(request.user, timezone.localdate())[:30])
    }


def _records_audit(request: HttpRequest) -> dict[str, Any]:
    counts = records_audit.counts(records_audit.AuditOptions())
    return {
        "rows": [
            {"key": c.key, "title": c.title, "count": counts[c.key]} for c in records_audit.CHECKS
        ]
    }


def register_all() -> None:
    navigation.register(
        navigation.NavItem(
            "records_audit",
            "Records audit",
            "chart:records_audit",
            AccessRule("capability", Capability.CHART_COMPLETENESS),
            group=navigation.COMPLIANCE,
            order=10,
        )
    )
    home.register(
        home.HomePanel(
            "unsigned_notes",
            "Your unsigned notes",
            "chart/panels/unsigned_notes.html",
            CLINICIANS,
            _unsigned_notes,
            order=20,
        )
    )
    home.register(
        home.HomePanel(
            "todays_encounters",
            "Today's encounters",
            "chart/panels/todays_encounters.html",
            CLINICIANS,
            _todays_encounters,
            order=15,
        )
    )
    home.register(
        home.HomePanel(
            "records_audit",
            "Records audit",
            "chart/panels/records_audit.html",
            MANAGERS,
            _records_audit,
            order=30,
        )
    )
