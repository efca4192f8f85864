from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from medoffice.accounts.selectors import staff_ids_sharing_locations
from medoffice.audit import selectors
from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_record
from medoffice.core.access import AccessRule, api_rule, own_only
from medoffice.core.permissions import Capability, Need

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    seq: int
    occurred_at: datetime
    actor_username: str
    action: str
    outcome: str
    object_type: str
    object_id: str
    patient_id: int | None
    patient_ref: str
    ip: str | None
    request_id: str
    emergency: bool
    reason: str
    hash: str


class AuditQuery(Schema):
    patient: str = ""
    username: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    limit: int = 100
    before_seq: int | None = None


@router.get(
    "/events", response=list[AuditEventOut], summary="Audit entries, newest first (compliance)"
)
@api_rule(AccessRule("capability", Capability.AUDIT_LOG, Need.VIEW))
def events(request: HttpRequest, q: Query[AuditQuery]) -> object:
    flt = selectors.AuditFilter(
        patient=q.patient,
        username=q.username,
        action=q.action,
        date_from=q.date_from,
        date_to=q.date_to,
    )
    user: Any = request.user
    staff = staff_ids_sharing_locations(user) if own_only(user, Capability.AUDIT_LOG) else None
    qs = selectors.audit_events(flt, staff_ids=staff)
    if q.before_seq:
        qs = qs.filter(seq__lt=q.before_seq)
    rows = list(qs[: max(1, min(q.limit, 1000))])
    audit_record(
        action=AuditAction.EXPORT, object_type="audit_log", details={"api": True, "rows": len(rows)}
    )
    return rows
