"""The remittance app's entries in the main navigation (registered from its ready())."""

from __future__ import annotations

from medoffice.core import navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Need
from medoffice.remittance.access import office_roles

OFFICE = AccessRule("role", roles=frozenset(str(r) for r in office_roles(Need.VIEW)))


def register_all() -> None:
    navigation.register(
        navigation.NavItem("eras", "ERAs", "remittance:file_list", OFFICE, order=302)
    )
    navigation.register(
        navigation.NavItem("denials", "Denials", "remittance:denials", OFFICE, order=303)
    )
