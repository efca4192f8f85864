"""Who reaches the ERA pages: the roles whose Capability.BILLING grant is not limited to their
own records (a remittance covers many patients and providers). Derived from the matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from medoffice.core.access import requires_role
from medoffice.core.permissions import STAFF_ROLES, Capability, Need, roles_allow, roles_own_only

B = Capability.BILLING


def office_roles(need: Need) -> tuple[Any, ...]:
    return tuple(
        role for role in STAFF_ROLES
        if roles_allow({role}, B, need) and not roles_own_only({role}, B, need)
    )  # fmt: skip


def billing_office(need: Need = Need.VIEW) -> Callable[[Any], Any]:
    return requires_role(*office_roles(need))
