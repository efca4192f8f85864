"""Who may see which KPI, and the filters narrowed to what they may see.

A KPI belongs to one capability (access-and-flow or revenue reports). Roles holding it at "V"
see the practice's figures; a clinician holds it at "O" (own records only) and sees only their
own provider's figures, so for them a KPI must honour the provider filter, and the filter is
forced to their own provider.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from medoffice.core.access import AccessRule, deny, effective_roles
from medoffice.core.permissions import (
    MATRIX,
    Capability,
    Need,
    RoleCode,
    roles_allow,
    roles_own_only,
)
from medoffice.reports.kpi import Filter, Kpi, ReportFilters

REPORT_CAPABILITIES = (Capability.REPORTS_ACCESS, Capability.REPORTS_REVENUE)
# Roles that see at least one kind of report: the pages' rule (each KPI then checks its own).
REPORT_ROLES: tuple[RoleCode, ...] = tuple(
    role for role in RoleCode if any(MATRIX[c][role].allows(Need.VIEW) for c in REPORT_CAPABILITIES)
)
REPORTS_RULE = AccessRule("role", roles=frozenset(str(r) for r in REPORT_ROLES))
MANAGER_RULE = AccessRule("role", roles=frozenset({str(RoleCode.MANAGER)}))

_FILTER_FIELDS = {
    Filter.LOCATION: "location_id",
    Filter.DEPARTMENT: "department_id",
    Filter.PROVIDER: "provider_id",
    Filter.PAYER: "payer_id",
}


def own_provider_only(user: Any, kpi: Kpi) -> bool:
    """True when the user sees this KPI for their own provider only (clinicians)."""
    return roles_own_only(effective_roles(user), kpi.capability)


def own_provider_id(user: Any) -> int | None:
    """The user's scheduling.Provider id; looked up once per user object (one per request:
    the index asks for every KPI)."""
    from medoffice.scheduling.models import Provider

    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_reports_own_provider_id"):
        user._reports_own_provider_id = (
            Provider.objects.filter(user=user).values_list("pk", flat=True).first()
        )
    return user._reports_own_provider_id


def can_view_kpi(user: Any, kpi: Kpi) -> bool:
    roles = effective_roles(user)
    if not roles_allow(roles, kpi.capability):
        return False
    if roles_own_only(roles, kpi.capability):
        # "Own figures" needs a KPI that can be narrowed to one provider, and a provider.
        return Filter.PROVIDER in kpi.filters and own_provider_id(user) is not None
    return True


def scoped_filters(user: Any, kpi: Kpi, filters: ReportFilters) -> ReportFilters:
    """The filters this user may run this KPI with; raises PermissionDenied (audited) if none.

    Filters the KPI does not honour are dropped, so exports and headers never name a filter
    that did not apply.
    """
    require_kpi(user, kpi)
    dropped = {field: None for f, field in _FILTER_FIELDS.items() if f not in kpi.filters}
    scoped = replace(filters, **dropped) if dropped else filters
    if own_provider_only(user, kpi):
        require_own_provider(user, kpi, scoped.provider_id)
        scoped = replace(scoped, provider_id=own_provider_id(user))
    return scoped


def require_kpi(user: Any, kpi: Kpi) -> None:
    """Raise (audited) unless the user may see this KPI."""
    if not can_view_kpi(user, kpi):
        raise deny(
            user, "Your role does not give access to this report.",
            capability=kpi.capability, object_type="kpi", object_id=kpi.key,
        )  # fmt: skip


def require_own_provider(user: Any, kpi: Kpi, provider_id: int | None) -> None:
    """For a user with own-figures access: raise (audited) when another provider is asked for."""
    if own_provider_only(user, kpi) and provider_id not in (None, own_provider_id(user)):
        raise deny(
            user, "You may see your own figures only.",
            capability=kpi.capability, object_type="kpi", object_id=kpi.key,
        )  # fmt: skip
