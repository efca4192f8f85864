from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medoffice.core import home, navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, RoleCode
from medoffice.referrals import selectors


def _worklist(request: HttpRequest) -> dict[str, Any]:
    return {"counts": selectors.worklist_counts()}


def register_all() -> None:
    navigation.register(
        navigation.NavItem(
            "referrals",
            "Referrals",
            "referrals:worklist",
            AccessRule("capability", Capability.REFERRALS),
            group=navigation.PATIENTS,
            order=30,
        )
    )
    home.register(
        home.HomePanel(
            "referrals",
            "Referrals and authorizations",
            "referrals/panels/worklist.html",
            # The desk books them and the manager watches the backlog; counts only, no names.
            AccessRule("role", roles=frozenset({RoleCode.FRONT_DESK, RoleCode.MANAGER})),
            _worklist,
            order=40,
        )
    )
