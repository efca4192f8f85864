"""The billing ledger's menu entries: each shows only to roles whose rule allows it."""

from __future__ import annotations

from medoffice.core import navigation
from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, Need


def register_all() -> None:
    entries = (
        ("billing_fees", "Fee schedules", "billing:fee_list",
         AccessRule("capability", Capability.BILLING, Need.EDIT), 310),
        ("billing_adjustments", "Write-offs and refunds", "billing:adjustment_list",
         AccessRule("capability", Capability.REFUNDS_WRITEOFFS), 320),
        ("billing_periods", "Month-end close", "billing:period_list",
         AccessRule("capability", Capability.PERIOD_CLOSE), 330),
    )  # fmt: skip
    for key, label, url_name, rule, order in entries:
        navigation.register(navigation.NavItem(key, label, url_name, rule, order=order))
