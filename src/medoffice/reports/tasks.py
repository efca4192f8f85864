"""Background jobs of the reports app: the scheduled report e-mails."""

from __future__ import annotations

from medoffice.core.jobs import JobContext, job

IDEMPOTENCY_KEY = "reports:send-scheduled"


@job("Send the scheduled report e-mails that are due")
def send_due_report_schedules(ctx: JobContext) -> str:
    from medoffice.reports.services_schedules import schedules_send_due

    outcome = schedules_send_due(progress=lambda done, total: ctx.progress(done, total))
    return (
        f"{outcome['due']} due: {outcome['sent']} sent, {outcome['failed']} failed, "
        f"{outcome['skipped']} taken by another worker"
    )


@job("Send a scheduled report now")
def send_report_schedule_now(ctx: JobContext, schedule_id: int) -> str:
    """The manager's "send now": one run outside the schedule, which stays as it is."""
    from django.utils import timezone

    from medoffice.reports.models_schedules import ReportSchedule, RunStatus
    from medoffice.reports.services_schedules import schedule_run

    schedule = ReportSchedule.objects.filter(pk=schedule_id).first()
    if schedule is None:
        return "The schedule was deleted."
    run = schedule_run(schedule, due_at=timezone.now())
    if run.status != RunStatus.OK:
        raise RuntimeError(run.message)
    return run.message
