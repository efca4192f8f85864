"""Which parts of the huddle a role sees (minimum necessary, from the matrix in core.permissions).

- schedule: booked vs available capacity, open slots, unconfirmed visits, coverage and
  authorization gaps (the access-and-flow reports; a clinician's "own" scope: their own day);
- flow: expected arrivals and current waits (the visit-flow board; today only);
- claims: ready, rejected and denied claims (billing, practice-wide: not for "own charges only");
- ar: A/R over 90 days (the A/R report's roles: billing office and manager);
- records: unsigned notes and the other records-audit findings (chart completeness), not for
  someone whose reports are their own only (a clinician sees their own day);
- messages: reminder delivery failures (the outbox is the manager's).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from medoffice.core.access import AccessRule, effective_roles
from medoffice.core.permissions import (
    STAFF_ROLES,
    Capability,
    RoleCode,
    roles_allow,
    roles_own_only,
)

SCHEDULE = "schedule"
FLOW = "flow"
CLAIMS = "claims"
AR = "ar"
RECORDS = "records"
MESSAGES = "messages"
ALL_PARTS = (SCHEDULE, FLOW, CLAIMS, AR, RECORDS, MESSAGES)

AR_ROLES = frozenset({RoleCode.BILLER.value, RoleCode.MANAGER.value})  # as billing.views_ar
OUTBOX_ROLES = frozenset({RoleCode.MANAGER.value})  # as messaging.views.outbox


def parts_for_roles(roles: Iterable[str]) -> frozenset[str]:
    roles = frozenset(str(r) for r in roles)
    own_reports = roles_own_only(roles, Capability.REPORTS_ACCESS)
    shown = set()
    if roles_allow(roles, Capability.REPORTS_ACCESS):
        shown.add(SCHEDULE)
    if roles_allow(roles, Capability.VISIT_FLOW):
        shown.add(FLOW)
    if roles_allow(roles, Capability.BILLING) and not roles_own_only(roles, Capability.BILLING):
        shown.add(CLAIMS)
    if roles & AR_ROLES:
        shown.add(AR)
    if roles_allow(roles, Capability.CHART_COMPLETENESS) and not own_reports:
        shown.add(RECORDS)
    if roles & OUTBOX_ROLES:
        shown.add(MESSAGES)
    return frozenset(shown)


def parts_for(user: Any) -> frozenset[str]:
    return parts_for_roles(effective_roles(user))


def own_day_only(user: Any) -> bool:
    """A clinician's schedule figures are their own (reports: access and flow, "O")."""
    return roles_own_only(effective_roles(user), Capability.REPORTS_ACCESS)


# The roles that see at least one part: the huddle page's rule (everyone else gets a 403).
HUDDLE_ROLES = frozenset(r.value for r in STAFF_ROLES if parts_for_roles({r.value}))
HUDDLE_RULE = AccessRule("role", roles=HUDDLE_ROLES)
AR_RULE = AccessRule("role", roles=AR_ROLES)
