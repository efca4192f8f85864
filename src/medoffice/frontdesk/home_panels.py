"""The front desk's navigation entries and its home panel (counts only: no patient names)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.http import HttpRequest

from medoffice.core import home, navigation
from medoffice.core.access import AccessRule, can
from medoffice.core.permissions import Capability, RoleCode
from medoffice.frontdesk import selectors

FLOW_VIEW = AccessRule("capability", Capability.VISIT_FLOW)


def _today(request: HttpRequest) -> dict[str, Any]:
    location = selectors.location_choice(request.user, None)
    if location is None:
        return {"location": None}
    counts = selectors.board_counts(location)
    context: dict[str, Any] = {
        "location": location,
        "counts": counts,
        "waiting": counts["lobby"] + counts["roomed"],
        "board_url": f"/frontdesk/board/?location={location.pk}",
    }
    if can(request.user, Capability.DESK_PAYMENTS):
        day = selectors.local_today(location)
        totals = selectors.payments_taken(location=location, day=day).aggregate(
            n=Count("pk"), total=Sum("amount")
        )
        # Quantized: SQLite adds decimals as floats (45 for 20.00 + 25.00, or 45.0000000000000).
        total = (totals["total"] or Decimal("0.00")).quantize(Decimal("0.01"))
        context["payments"] = {"count": totals["n"], "total": total}
    return context


def register_all() -> None:
    navigation.register(
        navigation.NavItem(
            "frontdesk_board",
            "Front desk",
            "frontdesk:board",
            FLOW_VIEW,
            group=navigation.SCHEDULING,
            order=20,
        )
    )
    navigation.register(
        navigation.NavItem(
            "wait_times",
            "Wait times",
            "frontdesk:wait_times",
            # The page is open to every role with the flow reports (the board links to it);
            # the menu entry is the manager's.
            AccessRule("role", roles=frozenset({RoleCode.MANAGER})),
            group=navigation.SCHEDULING,
            order=50,
        )
    )
    home.register(
        home.HomePanel(
            "frontdesk_today",
            "Visits today",
            "frontdesk/panels/today.html",
            FLOW_VIEW,
            _today,
            order=20,
        )
    )
