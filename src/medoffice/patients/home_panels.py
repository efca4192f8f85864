"""The registry's home panel and navigation entries (registered from PatientsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from medoffice.core import home, navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, Need, RoleCode
from medoffice.patients import selectors

DEMOGRAPHICS_VIEW = AccessRule("capability", Capability.DEMOGRAPHICS)
DEMOGRAPHICS_EDIT = AccessRule("capability", Capability.DEMOGRAPHICS, Need.EDIT)


def _registered_today(request: HttpRequest) -> dict[str, Any]:
    count, latest = selectors.patients_registered_today(actor=request.user)
    return {"count": count, "latest": latest}


def register_all() -> None:
    # "Patients" opens the search page (built beside the registry, in views_search.py).
    navigation.register(
        navigation.NavItem(
            "patients",
            "Patients",
            "patients:search",
            DEMOGRAPHICS_VIEW,
            group=navigation.PATIENTS,
            order=10,
        )
    )
    navigation.register(
        navigation.NavItem(
            "patients_new",
            "New patient",
            "patients:new",
            DEMOGRAPHICS_EDIT,
            group=navigation.PATIENTS,
            order=20,
        )
    )
    navigation.register(
        navigation.NavItem(
            "payers",
            "Payers",
            "patients:payer_list",
            # The payer table is billing's and the manager's to keep; the front desk reaches
            # it from the coverage form.
            AccessRule("role", roles=frozenset({RoleCode.BILLER, RoleCode.MANAGER})),
            group=navigation.SETUP,
            order=20,
        )
    )
    home.register(
        home.HomePanel(
            "patients_registered_today",
            "Patients registered today",
            "patients/panels/registered_today.html",
            DEMOGRAPHICS_EDIT,
            _registered_today,
            order=20,
        )
    )
