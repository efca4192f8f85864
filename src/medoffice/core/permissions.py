"""Roles, capabilities and the minimum-necessary access matrix.

This module is the single authoritative copy of the matrix in the product spec
(`roles.md`); the README's table is generated from it (`medoffice roles --markdown`)
and the access tests walk every URL against it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models


class RoleCode(models.TextChoices):
    ADMIN = "admin", "Administrator"
    MANAGER = "manager", "Office Manager"
    FRONT_DESK = "frontdesk", "Front Desk"
    BILLER = "biller", "Biller/Coder"
    CLINICIAN = "clinician", "Clinician"
    NURSE = "nurse", "Nurse/Medical Assistant"
    PURCHASING = "purchasing", "Purchasing"
    HR = "hr", "HR"
    COMPLIANCE = "compliance", "Compliance Officer"
    PATIENT = "patient", "Patient"


STAFF_ROLES: tuple[RoleCode, ...] = tuple(r for r in RoleCode if r is not RoleCode.PATIENT)


class Capability(enum.StrEnum):
    SETTINGS = "settings"
    DEMOGRAPHICS = "demographics"
    COVERAGE = "coverage"
    DOCUMENTS = "documents"
    CHART = "chart"
    CHART_COMPLETENESS = "chart_completeness"
    CODING = "coding"
    SCHEDULE = "schedule"
    VISIT_FLOW = "visit_flow"
    REFERRALS = "referrals"
    BILLING = "billing"
    DESK_PAYMENTS = "desk_payments"
    REFUNDS_WRITEOFFS = "refunds_writeoffs"
    PERIOD_CLOSE = "period_close"
    REPORTS_ACCESS = "reports_access"
    REPORTS_REVENUE = "reports_revenue"
    AUDIT_LOG = "audit_log"
    STAFF = "staff"
    SUPPLIES = "supplies"
    POLICIES = "policies"


CAPABILITY_LABELS: dict[Capability, str] = {
    Capability.SETTINGS: "Users, roles, 2FA policy, settings",
    Capability.DEMOGRAPHICS: "Patient demographics, contacts",
    Capability.COVERAGE: "Insurance coverage, eligibility",
    Capability.DOCUMENTS: "Consents, documents (non-clinical)",
    Capability.CHART: "Clinical chart: notes, problems, meds, allergies, results",
    Capability.CHART_COMPLETENESS: "Chart completeness (unsigned notes, missing items; no content)",
    Capability.CODING: "Diagnoses and procedures on encounters",
    Capability.SCHEDULE: "Schedule, availability, appointments",
    Capability.VISIT_FLOW: "Visit flow board (check-in, rooming)",
    Capability.REFERRALS: "Referrals, prior authorizations",
    Capability.BILLING: "Charges, claims, ERAs, denials",
    Capability.DESK_PAYMENTS: "Patient payments at the desk, copays",
    Capability.REFUNDS_WRITEOFFS: "Refunds, write-offs above threshold",
    Capability.PERIOD_CLOSE: "Month-end close, accounting export",
    Capability.REPORTS_ACCESS: "Reports: access and flow",
    Capability.REPORTS_REVENUE: "Reports: revenue",
    Capability.AUDIT_LOG: "Audit log and access reports",
    Capability.STAFF: "Staff records, credentials, training, rosters",
    Capability.SUPPLIES: "Supplies, purchase orders",
    Capability.POLICIES: "Policies, incidents",
}


class Need(enum.StrEnum):
    """What an action needs from a cell of the matrix."""

    VIEW = "view"
    EDIT = "edit"
    APPROVE = "approve"
    REQUEST = "request"


@dataclass(frozen=True)
class Grant:
    """One cell of the matrix: "E" edit, "V" view, "O" own records only (view and edit them),
    "VO" view within one's own scope only (a manager's own staff), "BG" emergency access only,
    "approve" / "request" for approvals, "-" none.
    """

    code: str

    @property
    def can_edit(self) -> bool:
        return self.code == "E"

    @property
    def can_view(self) -> bool:
        return self.code in {"E", "V", "O", "VO", "approve", "request"}

    @property
    def own_only(self) -> bool:
        return self.code in {"O", "VO"}

    @property
    def break_glass(self) -> bool:
        return self.code == "BG"

    def allows(self, need: Need) -> bool:
        if need is Need.VIEW:
            return self.can_view
        if need is Need.EDIT:
            # "O" lets a person edit their own records (own availability, own notes);
            # the domain layer narrows to their own rows.
            return self.code in {"E", "O"}
        if need is Need.APPROVE:
            return self.code in {"E", "approve"}
        if need is Need.REQUEST:
            return self.code in {"E", "request", "approve"}
        return False


_ROLE_COLUMNS = (
    RoleCode.ADMIN,
    RoleCode.MANAGER,
    RoleCode.FRONT_DESK,
    RoleCode.BILLER,
    RoleCode.CLINICIAN,
    RoleCode.NURSE,
    RoleCode.PURCHASING,
    RoleCode.HR,
    RoleCode.COMPLIANCE,
)

# Columns: Admin, Office Mgr, Front Desk, Biller/Coder, Clinician, Nurse/MA, Purchasing, HR, Compliance.
# Kept in the same order and notation as roles.md so the two can be compared line by line.
_MATRIX_ROWS: dict[Capability, tuple[str, ...]] = {
    Capability.SETTINGS: ("E", "V", "-", "-", "-", "-", "-", "-", "V"),
    Capability.DEMOGRAPHICS: ("BG", "V", "E", "V", "V", "V", "-", "-", "V"),
    Capability.COVERAGE: ("BG", "V", "E", "E", "V", "V", "-", "-", "V"),
    Capability.DOCUMENTS: ("BG", "V", "E", "V", "V", "V", "-", "-", "V"),
    Capability.CHART: ("BG", "-", "-", "-", "E", "E", "-", "-", "BG"),
    Capability.CHART_COMPLETENESS: ("-", "V", "-", "-", "V", "V", "-", "-", "V"),
    Capability.CODING: ("BG", "V", "-", "E", "E", "V", "-", "-", "V"),
    Capability.SCHEDULE: ("-", "E", "E", "V", "O", "V", "-", "-", "V"),
    Capability.VISIT_FLOW: ("-", "V", "E", "-", "E", "E", "-", "-", "-"),
    Capability.REFERRALS: ("-", "V", "E", "E", "E", "V", "-", "-", "V"),
    Capability.BILLING: ("-", "V", "-", "E", "O", "-", "-", "-", "V"),
    Capability.DESK_PAYMENTS: ("-", "V", "E", "E", "-", "-", "-", "-", "V"),
    Capability.REFUNDS_WRITEOFFS: ("-", "approve", "-", "request", "-", "-", "-", "-", "V"),
    Capability.PERIOD_CLOSE: ("-", "E", "-", "V", "-", "-", "-", "-", "-"),
    Capability.REPORTS_ACCESS: ("-", "V", "V", "-", "O", "-", "-", "-", "V"),
    Capability.REPORTS_REVENUE: ("-", "V", "-", "V", "O", "-", "-", "-", "-"),
    Capability.AUDIT_LOG: ("-", "VO", "-", "-", "-", "-", "-", "-", "E"),
    Capability.STAFF: ("-", "V", "O", "O", "O", "O", "O", "E", "V"),
    Capability.SUPPLIES: ("-", "approve", "V", "-", "V", "E", "E", "-", "-"),
    Capability.POLICIES: ("-", "E", "O", "O", "O", "O", "O", "O", "E"),
}

# Patients reach only their own record through the portal; no staff capability applies.
MATRIX: dict[Capability, dict[RoleCode, Grant]] = {
    capability: {
        **{role: Grant(cell) for role, cell in zip(_ROLE_COLUMNS, row, strict=True)},
        RoleCode.PATIENT: Grant("-"),
    }
    for capability, row in _MATRIX_ROWS.items()
}

# Which capabilities touch protected health information: reads and writes of them are audited.
PHI_CAPABILITIES = frozenset(
    {
        Capability.DEMOGRAPHICS,
        Capability.COVERAGE,
        Capability.DOCUMENTS,
        Capability.CHART,
        Capability.CODING,
        Capability.SCHEDULE,
        Capability.VISIT_FLOW,
        Capability.REFERRALS,
        Capability.BILLING,
        Capability.DESK_PAYMENTS,
    }
)


def grant_for(role: RoleCode | str, capability: Capability) -> Grant:
    return MATRIX[capability][RoleCode(role)]


def roles_allow(roles: Iterable[str], capability: Capability, need: Need = Need.VIEW) -> bool:
    return any(grant_for(role, capability).allows(need) for role in roles)


def roles_may_break_glass(roles: Iterable[str], capability: Capability) -> bool:
    return any(grant_for(role, capability).break_glass for role in roles)


def roles_own_only(roles: Iterable[str], capability: Capability, need: Need = Need.VIEW) -> bool:
    """True when every role that allows this need allows it only for the user's own records."""
    allowing = [grant_for(r, capability) for r in roles if grant_for(r, capability).allows(need)]
    return bool(allowing) and all(g.own_only for g in allowing)


def matrix_markdown() -> str:
    """The matrix as a Markdown table, in the notation of roles.md (for the README)."""
    header = "| Capability | " + " | ".join(RoleCode(r).label for r in _ROLE_COLUMNS) + " |"
    lines = [header, "|" + "---|" * (len(_ROLE_COLUMNS) + 1)]
    for capability, row in _MATRIX_ROWS.items():
        cells = ["—" if c == "-" else c for c in row]
        lines.append(f"| {CAPABILITY_LABELS[capability]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
