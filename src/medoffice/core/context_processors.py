from __future__ import annotations

import functools
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from medoffice.core import navigation
from medoffice.core.access import effective_roles
from medoffice.core.permissions import RoleCode


@functools.lru_cache(maxsize=1)
def _practice_name_cached(minute: int) -> str:
    from medoffice.organization.selectors import practice_current

    practice = practice_current()
    return practice.name if practice else settings.PRACTICE_NAME


def _practice_name() -> str:
    # Looked up at most once a minute per process: it appears on every page and rarely changes.
    return _practice_name_cached(int(time.time() // 60))


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page frame needs: navigation for the user's roles, idle timeout, practice name."""
    user = getattr(request, "user", None)
    roles = effective_roles(user)
    return {
        "nav_menus": navigation.visible_menus(roles, request.path) if roles else [],
        "user_role_labels": [RoleCode(r).label for r in sorted(roles)],
        "idle_timeout_seconds": settings.IDLE_TIMEOUT_MINUTES * 60,
        "practice_name": _practice_name(),
    }
