"""Report schedules: when they are due, who may receive them, claiming and sending a run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.core.permissions import Capability
from medoffice.reports import kpi
from medoffice.reports.kpi import (
    Column,
    Filter,
    Kpi,
    KpiResult,
    Point,
    ReportFilters,
    Section,
    Series,
    Target,
    Unit,
)
from medoffice.reports.models_schedules import (
    Frequency,
    RelativePeriod,
    ReportSchedule,
    RunStatus,
)
from medoffice.reports.selectors_schedules import next_run_after, period_dates
from medoffice.reports.services_schedules import (
    schedule_claim,
    schedule_create,
    schedule_delete,
    schedule_update,
    schedules_send_due,
)
from medoffice.testing.personas import persona

KEY = "test_sched_visits"
# (day, provider_id) of each visit the fake KPI counts; tests fill it.
VISITS: list[tuple[date, int | None]] = []


def _count(filters: ReportFilters) -> KpiResult:
    """Visits in the period, narrowed to a provider when the filters name one."""
    days = [
        d for d, provider in VISITS
        if filters.start <= d <= filters.end and filters.provider_id in (None, provider)
    ]  # fmt: skip
    headline = Decimal(len(days)) if days else None
    return KpiResult(
        headline=headline,
        series=[Series("Visits", [Point(filters.start.replace(day=1), headline)])],
        columns=[Column("count", "Visits", Unit.COUNT)],
        rows=[{"count": headline}],
    )


FAKE = Kpi(
    key=KEY, title="Test visits", section=Section.ACCESS, capability=Capability.REPORTS_ACCESS,
    unit=Unit.COUNT, definition="Visits in the period.", compute=_count,
    filters=frozenset({Filter.PROVIDER, Filter.LOCATION}),
    target=Target(Decimal("3"), "higher", "≥ 3"),
)  # fmt: skip


@pytest.fixture
def fake_kpi() -> Iterator[Kpi]:
    kpi.register(FAKE)
    VISITS.clear()
    yield FAKE
    kpi._kpis.pop(KEY, None)
    VISITS.clear()


@pytest.fixture
def new_york(settings: Any) -> None:
    settings.TIME_ZONE = "America/New_York"


def clinician_with_provider(username: str = "clinician") -> Any:
    from medoffice.scheduling.models import Provider

    user = persona("clinician", username=username)
    Provider.objects.create(user=user, npi="1234567893")
    return user


def make_schedule(manager: Any, recipients: list[Any], **overrides: Any) -> ReportSchedule:
    fields: dict[str, Any] = {
        "kpi_key": KEY, "period": RelativePeriod.LAST_FULL_MONTH, "frequency": Frequency.MONTHLY,
        "day_of_month": 1, "send_time": time(7, 0), "recipients": recipients,
    }  # fmt: skip
    return schedule_create(actor=manager, **(fields | overrides))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- when a schedule is due ------------------------------------------------------------------


def test_daily_keeps_the_local_time_across_both_dst_changes(new_york):
    seven = {"frequency": Frequency.DAILY, "send_time": time(7, 0)}
    # 07:00 EST is 12:00 UTC; the day after the spring change 07:00 EDT is 11:00 UTC.
    assert next_run_after(utc(2026, 3, 7, 12, 0), **seven) == utc(2026, 3, 8, 11, 0)
    # Back to EST on 1 November.
    assert next_run_after(utc(2026, 10, 31, 11, 0), **seven) == utc(2026, 11, 1, 12, 0)


def test_a_time_missing_or_doubled_by_dst_is_sent_once(new_york):
    # 02:30 does not exist on 8 March 2026 (02:00 -> 03:00): sent at 03:30 EDT = 07:30 UTC.
    gap = next_run_after(utc(2026, 3, 7, 8, 0), frequency=Frequency.DAILY, send_time=time(2, 30))
    assert gap == utc(2026, 3, 8, 7, 30)
    # 01:30 happens twice on 1 November: the first (EDT, 05:30 UTC) only; next is 2 November.
    first = next_run_after(
        utc(2026, 10, 31, 6, 0), frequency=Frequency.DAILY, send_time=time(1, 30)
    )
    assert first == utc(2026, 11, 1, 5, 30)
    again = next_run_after(first, frequency=Frequency.DAILY, send_time=time(1, 30))
    assert again == utc(2026, 11, 2, 6, 30)


def test_monthly_on_the_31st_sends_on_the_last_day_of_shorter_months(new_york):
    rule = {"frequency": Frequency.MONTHLY, "send_time": time(7, 0), "day_of_month": 31}
    sent = [utc(2026, 1, 1, 0, 0)]
    for _ in range(4):
        sent.append(next_run_after(sent[-1], **rule))
    local = [s.astimezone(timezone.get_current_timezone()).date() for s in sent[1:]]
    assert local == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    leap = next_run_after(utc(2028, 2, 1, 0, 0), **rule)
    assert leap == utc(2028, 2, 29, 12, 0)


def test_weekly_on_a_weekday(new_york):
    # Thursday 5 March 2026, 09:00 local; the next Monday 07:00 is 9 March (EDT from the 8th).
    after = utc(2026, 3, 5, 14, 0)
    assert next_run_after(
        after, frequency=Frequency.WEEKLY, send_time=time(7, 0), weekday=0
    ) == utc(2026, 3, 9, 11, 0)
    # Exactly at the send time: the next one is a week later.
    assert next_run_after(
        utc(2026, 3, 9, 11, 0), frequency=Frequency.WEEKLY, send_time=time(7, 0), weekday=0
    ) == utc(2026, 3, 16, 11, 0)


def test_relative_periods():
    wednesday = date(2026, 3, 11)
    assert period_dates(RelativePeriod.LAST_FULL_MONTH, date(2026, 3, 1)) == (
        date(2026, 2, 1), date(2026, 2, 28),
    )  # fmt: skip
    assert period_dates(RelativePeriod.LAST_FULL_MONTH, date(2026, 1, 15)) == (
        date(2025, 12, 1), date(2025, 12, 31),
    )  # fmt: skip
    assert period_dates(RelativePeriod.LAST_FULL_WEEK, wednesday) == (
        date(2026, 3, 2), date(2026, 3, 8),
    )  # fmt: skip
    assert period_dates(RelativePeriod.YESTERDAY, date(2026, 3, 1)) == (
        date(2026, 2, 28), date(2026, 2, 28),
    )  # fmt: skip
    assert period_dates(RelativePeriod.MONTH_TO_DATE, wednesday) == (date(2026, 3, 1), wednesday)


# --- creating, recipients, audit -------------------------------------------------------------


def test_create_update_delete_are_audited(db, fake_kpi):
    manager = persona("manager")
    schedule = make_schedule(manager, [manager])
    assert schedule.next_run_at is not None and schedule.next_run_at > timezone.now()
    assert list(schedule.recipients.all()) == [manager]
    desk = persona("frontdesk")
    schedule_update(
        actor=manager, schedule=schedule, kpi_key=KEY, period=RelativePeriod.LAST_FULL_WEEK,
        frequency=Frequency.WEEKLY, weekday=0, send_time=time(6, 30), recipients=[manager, desk],
        filters={"provider_id": 5, "payer_id": 9},
    )  # fmt: skip
    schedule.refresh_from_db()
    assert schedule.frequency == Frequency.WEEKLY and schedule.day_of_month is None
    # The payer filter is dropped: this report does not filter by payer.
    assert schedule.filters == {"provider_id": 5}
    events = AuditEvent.objects.filter(object_type="report_schedule", object_id=str(schedule.pk))
    assert list(events.order_by("pk").values_list("action", flat=True)) == ["create", "update"]
    pk = schedule.pk
    schedule_delete(actor=manager, schedule=schedule)
    assert not ReportSchedule.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(
        object_type="report_schedule", object_id=str(pk), action="delete"
    ).exists()


def test_recipients_who_may_not_see_the_report_are_refused(db, fake_kpi):
    manager = persona("manager")
    biller = persona("biller")  # no access-and-flow reports
    gone = persona("frontdesk", username="gone")
    gone.is_active = False
    gone.save()
    lone_clinician = persona("clinician", username="noprovider")  # own figures, but no provider
    for person, phrase in ((biller, "may not see"), (gone, "not active staff"),
                           (lone_clinician, "may not see")):  # fmt: skip
        with pytest.raises(ValidationError) as exc:
            make_schedule(manager, [manager, person])
        assert phrase in " ".join(exc.value.message_dict["recipients"])
    assert not ReportSchedule.objects.exists()
    assert make_schedule(manager, [clinician_with_provider()]).pk


def test_only_the_manager_schedules(db, fake_kpi):
    desk = persona("frontdesk")
    with pytest.raises(PermissionDenied):
        make_schedule(desk, [desk])
    assert not ReportSchedule.objects.exists()


# --- claiming and sending --------------------------------------------------------------------


def _due(schedule: ReportSchedule, at: datetime) -> ReportSchedule:
    ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_at=at)
    return ReportSchedule.objects.get(pk=schedule.pk)


def test_of_two_claims_on_the_same_run_one_wins(db, fake_kpi):
    manager = persona("manager")
    schedule = make_schedule(manager, [manager])
    due_at = timezone.now() - timedelta(minutes=5)
    worker_a, worker_b = _due(schedule, due_at), _due(schedule, due_at)
    assert schedule_claim(worker_a, now=timezone.now()) is True
    assert schedule_claim(worker_b, now=timezone.now()) is False
    moved = ReportSchedule.objects.get(pk=schedule.pk).next_run_at
    assert moved is not None and moved > timezone.now()


def test_due_schedules_are_mailed_with_the_pdf(db, fake_kpi, new_york):
    manager = persona("manager")
    desk = persona("frontdesk")
    # Sent on 1 April 2026 for "last full month": March.
    VISITS.extend([(date(2026, 3, 2), 1), (date(2026, 3, 31), 2), (date(2026, 4, 1), 1)])
    schedule = make_schedule(manager, [manager, desk])
    due_at = utc(2026, 4, 1, 11, 0)
    _due(schedule, due_at)
    outcome = schedules_send_due(now=due_at + timedelta(seconds=30))
    assert outcome == {"due": 1, "sent": 1, "failed": 0, "skipped": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, desk.email])
    message = mail.outbox[0]
    assert message.subject == "Test visits: 2026-03-01 to 2026-03-31"
    assert "Result: 2" in message.body and "Target: ≥ 3 (3)" in message.body
    filename, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert filename.endswith(".pdf")
    run = schedule.runs.get()
    assert run.status == RunStatus.OK
    assert (run.period_start, run.period_end) == (date(2026, 3, 1), date(2026, 3, 31))
    assert sorted(run.recipients) == sorted([manager.email, desk.email])
    schedule.refresh_from_db()
    assert schedule.last_status == RunStatus.OK
    assert schedule.next_run_at == utc(2026, 5, 1, 11, 0)
    # Nothing more is due: a second round sends nothing.
    assert schedules_send_due(now=due_at + timedelta(minutes=1))["due"] == 0
    assert len(mail.outbox) == 2


def test_one_pdf_per_distinct_filters_and_own_figures_for_a_clinician(
    db, fake_kpi, new_york, monkeypatch
):
    from medoffice.reports import exports

    manager, compliance = persona("manager"), persona("compliance")
    clinician = clinician_with_provider()
    own = clinician.provider.pk
    VISITS.extend([(date(2026, 3, 2), own), (date(2026, 3, 3), own + 1), (date(2026, 3, 4), None)])
    rendered: list[ReportFilters] = []
    real = exports.export_pdf

    def counting(kpi_: Kpi, filters: ReportFilters, *args: Any) -> bytes:
        rendered.append(filters)
        return real(kpi_, filters, *args)

    monkeypatch.setattr(exports, "export_pdf", counting)
    schedule = make_schedule(manager, [manager, compliance, clinician])
    _due(schedule, utc(2026, 4, 1, 11, 0))
    schedules_send_due(now=utc(2026, 4, 1, 11, 1))
    assert sorted(f.provider_id or 0 for f in rendered) == [0, own]
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "Result: 3" in bodies[manager.email] and "Result: 3" in bodies[compliance.email]
    assert "Result: 1" in bodies[clinician.email]


def test_a_failed_render_is_recorded_and_the_schedule_moves_on(db, fake_kpi, new_york, monkeypatch):
    from medoffice.reports import exports

    def broken(*args: Any) -> bytes:
        raise RuntimeError("the PDF library fell over")

    monkeypatch.setattr(exports, "export_pdf", broken)
    manager = persona("manager")
    schedule = make_schedule(manager, [manager])
    _due(schedule, utc(2026, 4, 1, 11, 0))
    outcome = schedules_send_due(now=utc(2026, 4, 1, 11, 1))
    assert outcome["failed"] == 1 and not mail.outbox
    run = schedule.runs.get()
    assert run.status == RunStatus.FAILED
    assert "the PDF library fell over" in run.message and run.recipients == []
    schedule.refresh_from_db()
    assert schedule.last_status == RunStatus.FAILED
    assert schedule.next_run_at == utc(2026, 5, 1, 11, 0)
    assert AuditEvent.objects.filter(
        object_type="report_schedule", action="export", outcome="failure"
    ).exists()


def test_a_recipient_who_lost_access_is_left_out_at_send_time(db, fake_kpi, new_york):
    manager = persona("manager")
    desk = persona("frontdesk")
    schedule = make_schedule(manager, [manager, desk])
    desk.roles.set(["biller"])  # moved to billing: no access-and-flow reports any more
    _due(schedule, utc(2026, 4, 1, 11, 0))
    schedules_send_due(now=utc(2026, 4, 1, 11, 1))
    assert [m.to[0] for m in mail.outbox] == [manager.email]
    run = schedule.runs.get()
    assert run.status == RunStatus.OK and f"Not sent to {desk.email}" in run.message


def test_the_scheduler_enqueues_the_job_only_when_something_is_due(db, fake_kpi):
    from medoffice.core.models import JobRun
    from medoffice.messaging.management.commands.messaging import scheduler_round
    from medoffice.reports.tasks import IDEMPOTENCY_KEY

    manager = persona("manager")
    schedule = make_schedule(manager, [manager])
    assert "scheduled report e-mails" not in scheduler_round()
    _due(schedule, timezone.now() - timedelta(minutes=1))
    assert "scheduled report e-mails" in scheduler_round()
    assert JobRun.objects.filter(idempotency_key=IDEMPOTENCY_KEY).count() == 1
