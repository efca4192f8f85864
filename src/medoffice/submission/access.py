"""Who reaches the submission pages: roles whose Capability.BILLING grant is not limited to their
own records (a batch holds many patients' claims), derived from the matrix: billers create and
send; the office manager and compliance look. Same rule as the ERA pages (remittance.access)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from medoffice.core.access import AccessRule, requires_role
from medoffice.core.permissions import STAFF_ROLES, Capability, Need, roles_allow, roles_own_only

B = Capability.BILLING


def office_roles(need: Need) -> frozenset[str]:
    return frozenset(
        str(role) for role in STAFF_ROLES
        if roles_allow({role}, B, need) and not roles_own_only({role}, B, need)
    )  # fmt: skip


def billing_office(need: Need = Need.VIEW) -> Callable[[Any], Any]:
    return requires_role(*sorted(office_roles(need)))


def office_rule(need: Need = Need.VIEW) -> AccessRule:
    return AccessRule("role", roles=office_roles(need))
