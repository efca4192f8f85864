"""Reading the audit trail: filters, reports and the questions compliance asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from medoffice.audit.models import AuditAction, AuditEvent, AuditOutcome, EmergencyAccess


@dataclass
class AuditFilter:
    patient: str = ""  # MRN or internal id
    username: str = ""
    action: str = ""
    outcome: str = ""
    date_from: date | None = None
    date_to: date | None = None
    emergency_only: bool = False


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(flt: AuditFilter, *, staff_ids: list[int] | None = None) -> QuerySet[AuditEvent]:
    """Entries matching the filter, newest first; `staff_ids` narrows to a manager's own staff."""
    qs = AuditEvent.objects.all()
    if flt.patient:
        qs = qs.filter(_patient_condition(flt.patient.strip()))
    if flt.username:
        qs = qs.filter(_user_condition(flt.username.strip()))
    if flt.action:
        qs = qs.filter(action=flt.action)
    if flt.outcome:
        qs = qs.filter(outcome=flt.outcome)
    if flt.date_from:
        qs = qs.filter(occurred_at__gte=_day_start(flt.date_from))
    if flt.date_to:
        qs = qs.filter(occurred_at__lt=_day_start(flt.date_to + timedelta(days=1)))
    if flt.emergency_only:
        qs = qs.filter(emergency=True)
    if staff_ids is not None:
        qs = qs.filter(actor_id__in=staff_ids)
    return qs.order_by("-seq")


def _patient_condition(term: str) -> Q:
    """An MRN (or a patient id) as an indexed equality on patient_id where possible."""
    from medoffice.core import registry

    patient_id = registry.patient_id_for_ref(term)
    if patient_id is not None:
        return Q(patient_id=patient_id)
    if term.isdigit():
        return Q(patient_id=int(term)) | Q(patient_ref=term)
    return Q(patient_ref=term)


def _user_condition(name: str) -> Q:
    """What the person did, and what happened to their account (failed sign-ins, admin changes)."""
    from medoffice.accounts.models import User

    account = User.objects.filter(username__iexact=name).values_list("pk", flat=True).first()
    if account is None:
        return Q(actor_username=name)
    return Q(actor_id=account) | Q(object_type="user", object_id=str(account))


@dataclass
class EventPage:
    """A page of entries found by position (seq), not by counting the whole log."""

    events: list[AuditEvent]
    older_than: int | None  # pass as `before` for the next older page
    newer_than: int | None  # pass as `after` for the next newer page


def audit_event_page(
    qs: QuerySet[AuditEvent], *, before: int | None = None, after: int | None = None, size: int = 50
) -> EventPage:
    if after is not None:
        rows = list(qs.filter(seq__gt=after).order_by("seq")[: size + 1])
        more_newer = len(rows) > size
        events = list(reversed(rows[:size]))
        return EventPage(
            events,
            events[-1].seq if events else None,
            events[0].seq if more_newer and events else None,
        )
    if before is not None:
        qs = qs.filter(seq__lt=before)
    rows = list(qs.order_by("-seq")[: size + 1])
    events = rows[:size]
    older = events[-1].seq if len(rows) > size else None
    newer = events[0].seq if before is not None and events else None
    return EventPage(events, older, newer)


def emergency_access_active(*, user: Any, patient_id: int) -> bool:
    return EmergencyAccess.objects.filter(
        user=user, patient_id=patient_id, expires_at__gt=timezone.now()
    ).exists()


def emergency_accesses(*, unreviewed_only: bool = False) -> QuerySet[EmergencyAccess]:
    qs = EmergencyAccess.objects.select_related("user", "reviewed_by")
    if unreviewed_only:
        qs = qs.filter(reviewed_at__isnull=True)
    return qs.order_by("-granted_at")


@dataclass
class SecuritySummary:
    failed_logins_24h: int
    lockouts_24h: int
    denials_24h: int
    emergency_unreviewed: int


def security_summary() -> SecuritySummary:
    since = timezone.now() - timedelta(hours=24)
    counts = AuditEvent.objects.filter(occurred_at__gte=since).aggregate(
        failed=Count("id", filter=Q(action=AuditAction.LOGIN_FAILED)),
        locked=Count("id", filter=Q(action=AuditAction.LOGIN_LOCKED)),
        denied=Count("id", filter=Q(outcome=AuditOutcome.DENIED)),
    )
    return SecuritySummary(
        failed_logins_24h=counts["failed"],
        lockouts_24h=counts["locked"],
        denials_24h=counts["denied"],
        emergency_unreviewed=EmergencyAccess.objects.filter(reviewed_at__isnull=True).count(),
    )


CSV_COLUMNS = [
    "seq",
    "occurred_at_utc",
    "user",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "patient_mrn",
    "patient_id",
    "ip",
    "request_id",
    "source",
    "emergency",
    "reason",
    "hash",
]


def csv_row(event: AuditEvent) -> list[Any]:
    return [
        event.seq,
        event.occurred_at.astimezone(UTC).isoformat(timespec="seconds"),
        event.actor_username,
        event.action,
        event.outcome,
        event.object_type,
        event.object_id,
        event.patient_ref,
        event.patient_id if event.patient_id is not None else "",
        event.ip or "",
        event.request_id,
        event.source,
        "yes" if event.emergency else "",
        event.reason,
        event.hash,
    ]


def access_summary_by_user(qs: QuerySet[AuditEvent]) -> list[dict[str, Any]]:
    """Who accessed (for a patient report): entries, first and last time per user."""
    from django.db.models import Max, Min

    rows: Any = (
        qs.order_by()
        .values("actor_username")
        .annotate(entries=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("-entries")[:100]
    )
    return list(rows)


def access_summary_by_patient(qs: QuerySet[AuditEvent]) -> list[dict[str, Any]]:
    """Which patients (for a user report): entries, first and last time per patient."""
    from django.db.models import Max, Min

    rows: Any = (
        qs.exclude(patient_id=None)
        .order_by()
        .values("patient_ref", "patient_id")
        .annotate(entries=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("-entries")[:100]
    )
    return list(rows)
