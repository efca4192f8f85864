"""Home-page panels. Each role's home is the panels its rules allow; apps register more."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from medoffice.core.access import AccessRule, effective_roles


@dataclass(frozen=True)
class HomePanel:
    key: str
    title: str
    template: str
    rule: AccessRule
    context: Callable[[HttpRequest], dict[str, Any]]
    order: int = 100


_panels: dict[str, HomePanel] = {}
# panel key -> when another panel already shows the same figures to this request (e.g. the
# huddle's records-audit part): that panel is left out rather than shown twice.
_covered: dict[str, Callable[[HttpRequest], bool]] = {}


def register(panel: HomePanel) -> None:
    _panels[panel.key] = panel


def cover(panel_key: str, when: Callable[[HttpRequest], bool]) -> None:
    """Leave the panel `panel_key` out of the home page of requests for which `when` is true."""
    _covered[panel_key] = when


def panels_for(request: HttpRequest) -> list[tuple[HomePanel, dict[str, Any]]]:
    roles = effective_roles(request.user)
    shown = [
        p
        for p in sorted(_panels.values(), key=lambda p: p.order)
        if p.rule.allows_roles(roles) and not (p.key in _covered and _covered[p.key](request))
    ]
    return [(panel, panel.context(request)) for panel in shown]
