"""The panels every role's home page starts with; domain apps add their own."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medoffice.core import home, navigation
from medoffice.core.access import AccessRule, effective_roles
from medoffice.core.permissions import CAPABILITY_LABELS, MATRIX, RoleCode
from medoffice.core.selectors import jobs_visible_to

ANYONE = AccessRule("authenticated")


def _my_access(request: HttpRequest) -> dict[str, Any]:
    roles = effective_roles(request.user)
    rows = []
    for capability, cells in MATRIX.items():
        codes = sorted({cells[RoleCode(r)].code for r in roles} - {"-"})
        if codes:
            rows.append({"label": CAPABILITY_LABELS[capability], "access": ", ".join(codes)})
    return {"rows": rows}


def _my_jobs(request: HttpRequest) -> dict[str, Any]:
    return {"jobs": list(jobs_visible_to(request.user)[:5])}


def register_all() -> None:
    navigation.register(NavItemHome)
    navigation.register(
        navigation.NavItem("jobs", "Jobs", "core:job_list", ANYONE, group=navigation.JOBS)
    )
    home.register(
        home.HomePanel(
            "my_access",
            "What your role covers",
            "core/panels/my_access.html",
            ANYONE,
            _my_access,
            order=900,
        )
    )
    home.register(
        home.HomePanel(
            "my_jobs", "Your recent jobs", "core/panels/my_jobs.html", ANYONE, _my_jobs, order=800
        )
    )


NavItemHome = navigation.NavItem("home", "Home", "core:home", ANYONE, group=navigation.HOME)
