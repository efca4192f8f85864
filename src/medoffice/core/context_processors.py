from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from medoffice.core import navigation
from medoffice.core.access import effective_roles
from medoffice.core.permissions import RoleCode


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page frame needs: navigation for the user's roles, idle timeout, practice name."""
    user = getattr(request, "user", None)
    roles = effective_roles(user)
    return {
        "nav_items": navigation.visible_items(roles) if roles else [],
        "user_role_labels": [RoleCode(r).label for r in sorted(roles)],
        "idle_timeout_seconds": settings.IDLE_TIMEOUT_MINUTES * 60,
        "practice_name": settings.PRACTICE_NAME,
    }
