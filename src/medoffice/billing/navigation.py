"""The billing ledger's menu entries: each shows only to roles whose rule allows it."""

from __future__ import annotations

from medoffice.core import navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, RoleCode

OFFICE = AccessRule("role", roles=frozenset({RoleCode.BILLER, RoleCode.MANAGER}))


def register_all() -> None:
    billing, setup = navigation.BILLING, navigation.SETUP
    entries = (
        # Clinicians hold billing for their own records only: the menu is the office's.
        ("billing_fees", "Fee schedules", "billing:fee_list",
         AccessRule("role", roles=frozenset({RoleCode.BILLER, RoleCode.MANAGER})), setup, 10),
        ("billing_adjustments", "Write-offs and refunds", "billing:adjustment_list",
         AccessRule("capability", Capability.REFUNDS_WRITEOFFS), billing, 80),
        ("billing_periods", "Month-end close", "billing:period_list",
         AccessRule("capability", Capability.PERIOD_CLOSE), billing, 90),
        ("billing_ar", "Accounts receivable", "billing:ar_report", OFFICE, billing, 60),
        ("billing_statements", "Patient statements", "billing:statement_list", OFFICE, billing, 70),
    )  # fmt: skip
    for key, label, url_name, rule, group, order in entries:
        navigation.register(
            navigation.NavItem(key, label, url_name, rule, group=group, order=order)
        )
