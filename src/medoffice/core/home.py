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


def register(panel: HomePanel) -> None:
    _panels[panel.key] = panel


def panels_for(request: HttpRequest) -> list[tuple[HomePanel, dict[str, Any]]]:
    roles = effective_roles(request.user)
    shown = [
        p for p in sorted(_panels.values(), key=lambda p: p.order) if p.rule.allows_roles(roles)
    ]
    return [(panel, panel.context(request)) for panel in shown]
