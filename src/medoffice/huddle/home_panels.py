"""The huddle as the first, full-width panel of the home page, for every role that sees a part
of it (each sees only its parts: see parts.py). Today, at the person's first location."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medoffice.core import home
from medoffice.huddle import links, selectors
from medoffice.huddle.parts import AR, HUDDLE_RULE, RECORDS, parts_for


def _huddle(request: HttpRequest) -> dict[str, Any]:
    choice = selectors.choice_for(request.user)
    if choice is None:
        return {"choice": None}
    result = selectors.huddle(request.user, choice)
    return {
        "choice": choice,
        "huddle": result,
        "show_ar": AR in result.parts,
        "closest": links.CLOSEST,
        "slot_minutes": selectors.OPEN_SLOT_MINUTES,
    }


def register_all() -> None:
    home.register(
        home.HomePanel(
            "huddle", "Morning huddle", "huddle/panels/huddle.html", HUDDLE_RULE, _huddle, order=1
        )
    )
    # The huddle's records-audit part has the same counts, each linking to the same list.
    home.cover("records_audit", lambda request: RECORDS in parts_for(request.user))
