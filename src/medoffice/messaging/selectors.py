"""Reads for the outbox page and the manager's home panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from medoffice.messaging.models import Message, MessageStatus

# Failed first (they need someone), then what is still to go, then the rest.
STATUS_ORDER = Case(
    When(status=MessageStatus.FAILED, then=Value(0)),
    When(status=MessageStatus.SENDING, then=Value(1)),
    When(status=MessageStatus.QUEUED, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


@dataclass(frozen=True)
class OutboxFilter:
    status: str = ""
    channel: str = ""
    purpose: str = ""
    day_from: date | None = None
    day_to: date | None = None


def outbox_messages(flt: OutboxFilter) -> QuerySet[Message]:
    qs = Message.objects.select_related("patient", "appointment")
    if flt.status:
        qs = qs.filter(status=flt.status)
    if flt.channel:
        qs = qs.filter(channel=flt.channel)
    if flt.purpose:
        qs = qs.filter(purpose=flt.purpose)
    zone = timezone.get_current_timezone()
    if flt.day_from:
        qs = qs.filter(scheduled_for__gte=datetime.combine(flt.day_from, time(), tzinfo=zone))
    if flt.day_to:
        end = datetime.combine(flt.day_to + timedelta(days=1), time(), tzinfo=zone)
        qs = qs.filter(scheduled_for__lt=end)
    return qs.annotate(status_rank=STATUS_ORDER).order_by("status_rank", "-scheduled_for", "-pk")


@dataclass(frozen=True)
class OutboxSummary:
    failed: int
    queued: int
    sent_today: int


def outbox_summary() -> OutboxSummary:
    now = timezone.now()
    start_of_day = datetime.combine(
        timezone.localdate(now), time(), tzinfo=timezone.get_current_timezone()
    )
    return OutboxSummary(
        failed=Message.objects.filter(status=MessageStatus.FAILED).count(),
        queued=Message.objects.filter(
            status__in=[MessageStatus.QUEUED, MessageStatus.SENDING]
        ).count(),
        sent_today=Message.objects.filter(
            status=MessageStatus.SENT, sent_at__gte=start_of_day
        ).count(),
    )
