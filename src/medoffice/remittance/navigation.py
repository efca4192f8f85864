"""The remittance app's entries in the main navigation (registered from its ready())."""

from __future__ import annotations

from medoffice.core import navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Need
from medoffice.remittance.access import office_roles

OFFICE = AccessRule("role", roles=frozenset(str(r) for r in office_roles(Need.VIEW)))


def register_all() -> None:
    billing = navigation.BILLING
    navigation.register(
        navigation.NavItem("eras", "ERAs", "remittance:file_list", OFFICE, group=billing, order=40)
    )
    navigation.register(
        navigation.NavItem(
            "denials", "Denials", "remittance:denials", OFFICE, group=billing, order=50
        )
    )
