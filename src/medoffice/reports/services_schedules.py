"""Writes of report schedules (the office manager's), and sending them when due.

Sending: the job claims each due schedule with a conditional UPDATE on `next_run_at` (the
value it read), so of two workers that read the same due schedule only one moves it on and
sends. It renders the PDF once per distinct filters (a clinician whose report access is for
their own records gets their own figures), mails each recipient, and records the run, failed
or not, on the schedule's page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import deny, effective_roles
from medoffice.core.permissions import RoleCode
from medoffice.reports import kpi as kpi_registry
from medoffice.reports.kpi import Grain, Kpi, KpiResult, ReportFilters, Target
from medoffice.reports.models_schedules import (
    Frequency,
    RelativePeriod,
    ReportSchedule,
    ReportScheduleRun,
    RunStatus,
)
from medoffice.reports.selectors_schedules import (
    FILTER_KEYS,
    practice_zone,
    schedule_filters,
    schedule_next_run,
    schedules_due,
)


def require_manager(actor: Any) -> None:
    if RoleCode.MANAGER not in effective_roles(actor):
        raise deny(actor, "Only the office manager manages report schedules.")


def recipient_problem(user: Any, kpi: Kpi) -> str:
    """Why this person may not receive this report ('' when they may)."""
    from medoffice.reports.permissions import can_view_kpi

    roles = effective_roles(user) - {RoleCode.PATIENT}
    if not user.is_active or not roles:
        return f"{user} is not active staff."
    if not user.email:
        return f"{user} has no e-mail address."
    if not can_view_kpi(user, kpi):
        return f"{user}'s role may not see {kpi.title}."
    return ""


def _clean(
    *,
    kpi_key: str,
    period: str,
    grain: str,
    filters: dict[str, Any],
    frequency: str,
    weekday: int | None,
    day_of_month: int | None,
    recipients: Iterable[Any],
) -> tuple[Kpi, dict[str, int], list[Any]]:
    errors: dict[str, list[str]] = defaultdict(list)
    kpi = kpi_registry.get(kpi_key)
    if kpi is None:
        errors["kpi_key"].append("Choose a report.")
    if period not in RelativePeriod.values:
        errors["period"].append("Choose a period.")
    if grain not in Grain._value2member_map_:
        errors["grain"].append("Choose day, week or month.")
    if frequency not in Frequency.values:
        errors["frequency"].append("Choose how often.")
    if frequency == Frequency.WEEKLY and weekday not in range(7):
        errors["weekday"].append("Choose the day of the week.")
    if frequency == Frequency.MONTHLY and day_of_month not in range(1, 32):
        errors["day_of_month"].append("Choose a day from 1 to 31.")
    people = list(recipients)
    if not people:
        errors["recipients"].append("Choose at least one recipient.")
    if kpi is not None:
        for person in people:
            problem = recipient_problem(person, kpi)
            if problem:
                errors["recipients"].append(problem)
    if errors:
        raise ValidationError(dict(errors))
    assert kpi is not None
    # Keep only the filters this KPI honours (the others would be ignored by it anyway).
    honoured = {f"{f.value}_id" for f in kpi.filters}
    kept = {k: int(v) for k, v in filters.items() if k in FILTER_KEYS and k in honoured and v}
    return kpi, kept, people


def schedule_create(
    *,
    actor: Any,
    kpi_key: str,
    period: str,
    frequency: str,
    send_time: time,
    recipients: Iterable[Any],
    grain: str = Grain.MONTH,
    filters: dict[str, Any] | None = None,
    weekday: int | None = None,
    day_of_month: int | None = None,
    is_active: bool = True,
) -> ReportSchedule:
    require_manager(actor)
    kpi, kept, people = _clean(
        kpi_key=kpi_key, period=period, grain=grain, filters=filters or {}, frequency=frequency,
        weekday=weekday, day_of_month=day_of_month, recipients=recipients,
    )  # fmt: skip
    schedule = ReportSchedule(
        kpi_key=kpi.key, period=period, grain=grain, filters=kept, frequency=frequency,
        weekday=weekday if frequency == Frequency.WEEKLY else None,
        day_of_month=day_of_month if frequency == Frequency.MONTHLY else None,
        send_time=send_time, owner=actor, is_active=is_active,
    )  # fmt: skip
    schedule.next_run_at = schedule_next_run(schedule, timezone.now())
    with transaction.atomic():
        schedule.save()
        schedule.recipients.set(people)
        audit_record(
            action="create", actor=actor, object_type="report_schedule", object_id=schedule.pk,
            details=_audit_details(schedule, people),
        )  # fmt: skip
    return schedule


def schedule_update(
    *,
    actor: Any,
    schedule: ReportSchedule,
    kpi_key: str,
    period: str,
    frequency: str,
    send_time: time,
    recipients: Iterable[Any],
    grain: str = Grain.MONTH,
    filters: dict[str, Any] | None = None,
    weekday: int | None = None,
    day_of_month: int | None = None,
    is_active: bool = True,
) -> ReportSchedule:
    require_manager(actor)
    kpi, kept, people = _clean(
        kpi_key=kpi_key, period=period, grain=grain, filters=filters or {}, frequency=frequency,
        weekday=weekday, day_of_month=day_of_month, recipients=recipients,
    )  # fmt: skip
    schedule.kpi_key, schedule.period, schedule.grain, schedule.filters = (
        kpi.key,
        period,
        grain,
        kept,
    )
    schedule.frequency, schedule.send_time, schedule.is_active = frequency, send_time, is_active
    schedule.weekday = weekday if frequency == Frequency.WEEKLY else None
    schedule.day_of_month = day_of_month if frequency == Frequency.MONTHLY else None
    schedule.next_run_at = schedule_next_run(schedule, timezone.now())
    schedule.updated_at = timezone.now()
    with transaction.atomic():
        schedule.save()
        schedule.recipients.set(people)
        audit_record(
            action="update", actor=actor, object_type="report_schedule", object_id=schedule.pk,
            details=_audit_details(schedule, people),
        )  # fmt: skip
    return schedule


def schedule_delete(*, actor: Any, schedule: ReportSchedule) -> None:
    require_manager(actor)
    with transaction.atomic():
        audit_record(
            action="delete", actor=actor, object_type="report_schedule", object_id=schedule.pk,
            details={"kpi": schedule.kpi_key},
        )  # fmt: skip
        schedule.delete()


def _audit_details(schedule: ReportSchedule, people: list[Any]) -> dict[str, Any]:
    return {
        "kpi": schedule.kpi_key, "period": schedule.period, "frequency": schedule.frequency,
        "when": schedule.when_label(), "filters": schedule.filters, "active": schedule.is_active,
        "recipients": sorted(p.pk for p in people),
    }  # fmt: skip


# --- sending ---------------------------------------------------------------------------------


def schedule_claim(schedule: ReportSchedule, *, now: datetime) -> bool:
    """Move a due schedule's next run on, if nobody else did since we read it.

    The UPDATE matches only the `next_run_at` this worker read: the first worker's update
    changes it, so a second worker's matches no row and it sends nothing.
    """
    upcoming = schedule_next_run(schedule, max(now, schedule.next_run_at or now))
    claimed = ReportSchedule.objects.filter(
        pk=schedule.pk, is_active=True, next_run_at=schedule.next_run_at
    ).update(next_run_at=upcoming)
    return claimed == 1


def schedules_send_due(
    *, now: datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    now = now or timezone.now()
    due = list(schedules_due(now).order_by("next_run_at", "pk"))
    outcome = {"due": len(due), "sent": 0, "failed": 0, "skipped": 0}
    for done, schedule in enumerate(due, start=1):
        due_at = schedule.next_run_at
        if not schedule_claim(schedule, now=now):
            outcome["skipped"] += 1  # another worker has it
            continue
        run = schedule_run(schedule, due_at=due_at or now)
        outcome["sent" if run.status == RunStatus.OK else "failed"] += 1
        if progress:
            progress(done, len(due))
    return outcome


def schedule_run(schedule: ReportSchedule, *, due_at: datetime) -> ReportScheduleRun:
    """Render and mail one schedule now; the run is recorded whatever happens."""
    today = due_at.astimezone(practice_zone()).date()
    run = ReportScheduleRun(schedule=schedule, due_at=due_at, started_at=timezone.now())
    sent: list[str] = []
    problems: list[str] = []
    try:
        kpi = kpi_registry.get(schedule.kpi_key)
        if kpi is None:
            raise LookupError(f"The report {schedule.kpi_key!r} no longer exists.")
        base = schedule_filters(schedule, today)
        run.period_start, run.period_end = base.start, base.end
        groups = _recipients_by_filters(schedule, kpi, base, problems)
        for filters, people in groups.items():
            attachment, result, target = _render(kpi, filters)
            for person in people:
                try:
                    _mail(schedule, kpi, filters, result, target, attachment, person)
                    sent.append(person.email)
                except Exception as exc:  # one bad address must not stop the others
                    problems.append(f"{person.email}: {type(exc).__name__}: {exc}")
        if not sent and not problems:
            problems.append("Nobody left to send to.")
    except Exception as exc:
        problems.append(f"{type(exc).__name__}: {exc}")
    run.status = (
        RunStatus.FAILED if problems and not (sent and _only_skips(problems)) else RunStatus.OK
    )
    run.recipients = sent
    run.message = "; ".join(problems)[:4000] or f"Sent to {len(sent)} recipient(s)."
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        ReportSchedule.objects.filter(pk=schedule.pk).update(
            last_run_at=run.finished_at, last_status=run.status
        )
        audit_record(
            action="export", actor=None, object_type="report_schedule", object_id=schedule.pk,
            outcome="success" if run.status == RunStatus.OK else "failure",
            details={"kpi": schedule.kpi_key, "recipients": sent, "status": run.status,
                     "period": [str(run.period_start), str(run.period_end)]},
        )  # fmt: skip
    return run


_SKIP_PREFIX = "Not sent to "


def _only_skips(problems: list[str]) -> bool:
    """People dropped because their access changed do not fail a run that reached the rest."""
    return all(p.startswith(_SKIP_PREFIX) for p in problems)


def _recipients_by_filters(
    schedule: ReportSchedule, kpi: Kpi, base: ReportFilters, problems: list[str]
) -> dict[ReportFilters, list[Any]]:
    from medoffice.reports.permissions import scoped_filters

    groups: dict[ReportFilters, list[Any]] = defaultdict(list)
    for person in schedule.recipients.order_by("pk"):
        # Access is checked again at each run: a role may have changed since the schedule.
        problem = recipient_problem(person, kpi)
        if problem:
            problems.append(f"{_SKIP_PREFIX}{person.email or person}: {problem}")
            continue
        groups[scoped_filters(person, kpi, base)].append(person)
    return groups


def _render(kpi: Kpi, filters: ReportFilters) -> tuple[tuple[str, bytes], KpiResult, Target | None]:
    from medoffice.reports.exports import export_filename, export_pdf
    from medoffice.reports.selectors import effective_target, kpi_result

    result = kpi_result(kpi, filters)
    target = effective_target(kpi)
    pdf = export_pdf(kpi, filters, result, target)
    return (export_filename(kpi, filters, "pdf"), pdf), result, target


def _mail(
    schedule: ReportSchedule,
    kpi: Kpi,
    filters: ReportFilters,
    result: KpiResult,
    target: Target | None,
    attachment: tuple[str, bytes],
    person: Any,
) -> None:
    from medoffice.reports.permissions import can_view_kpi
    from medoffice.reports.svg import format_value

    period = period_label(filters.start, filters.end)
    lines = [kpi.title, f"Period: {period}"]
    # The body carries figures only, never a patient's name: the KPI's headline and target,
    # and only for someone whose role may see this KPI's figures.
    if can_view_kpi(person, kpi):
        lines.append(f"Result: {format_value(result.headline, kpi.unit) or 'nothing to measure'}")
        if target is not None:
            lines.append(f"Target: {target.label} ({format_value(target.value, kpi.unit)})")
    lines += [
        "",
        "The full report is attached as a PDF.",
        f"You receive this because {schedule.owner} scheduled it ({schedule.when_label()}).",
    ]
    message = EmailMessage(
        subject=f"{kpi.title}: {period}",
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
    )
    filename, content = attachment
    message.attach(filename, content, "application/pdf")
    message.send()


def period_label(start: date, end: date) -> str:
    return f"{start:%Y-%m-%d}" if start == end else f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
