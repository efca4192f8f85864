"""The claims app's entries in the main navigation (registered from ClaimsConfig.ready())."""

from __future__ import annotations

from medoffice.core import navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability

BILLING_VIEW = AccessRule("capability", Capability.BILLING)


def register_all() -> None:
    billing = navigation.BILLING
    navigation.register(
        navigation.NavItem(
            "charges", "Charges", "claims:charge_review", BILLING_VIEW, group=billing, order=10
        )
    )
    navigation.register(
        navigation.NavItem(
            "claims", "Claims", "claims:worklist", BILLING_VIEW, group=billing, order=20
        )
    )
