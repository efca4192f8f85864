"""The job interface: run work in the background and let people watch it.

    @job("Verify the audit chain")
    def audit_verify(ctx: JobContext) -> str:
        ctx.progress(10, 100)
        return "42 entries checked"

    enqueue(audit_verify, actor=request.user)

Jobs go through Django's Tasks API (the django-tasks backport): the database backend by
default, RQ/Redis when MEDOFFICE_TASK_BACKEND=rq. They are enqueued when the surrounding
transaction commits, and each run is a JobRun row whose status the requester can see.
A job must be idempotent: a backend may deliver it twice, and the runner skips a run that
already finished.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from medoffice.core import context
from medoffice.core.models import JobRun, JobStatus

logger = logging.getLogger(__name__)


@dataclass
class JobContext:
    run: JobRun
    actor: Any
    _last_flush: float = field(default=0.0)

    def progress(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        """Record progress; written at most twice a second to keep the database quiet."""
        now = time.monotonic()
        if not force and now - self._last_flush < 0.5 and (total is None or done < total):
            return
        self._last_flush = now
        update: dict[str, Any] = {"progress_done": done}
        if total is not None:
            update["progress_total"] = total
        JobRun.objects.filter(pk=self.run.pk).update(**update)


def job(label: str) -> Callable[[Callable[..., Any]], Any]:
    """Declare a background job. The function receives a JobContext, then its arguments."""

    def decorator(func: Callable[..., Any]) -> Any:
        def runner(job_run_id: str, *args: Any, **kwargs: Any) -> Any:
            return _run(func, job_run_id, *args, **kwargs)

        # django-tasks finds a task by module path + qualified name: point it at our runner.
        runner.__module__ = func.__module__
        runner.__qualname__ = func.__qualname__
        runner.__name__ = func.__name__
        runner.__doc__ = func.__doc__
        runner.job_label = label  # type: ignore[attr-defined]
        return task()(runner)

    return decorator


def _run(func: Callable[..., Any], job_run_id: str, *args: Any, **kwargs: Any) -> Any:
    # Compare-and-set claim: only a queued run starts; a redelivered finished run is skipped.
    claimed = JobRun.objects.filter(pk=job_run_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        logger.info("Job run %s is not queued any more; skipping", job_run_id)
        return None
    run = JobRun.objects.select_related("requested_by").get(pk=job_run_id)
    JobRun.objects.filter(pk=run.pk).update(attempts=run.attempts + 1)
    ctx = JobContext(run=run, actor=run.requested_by)
    try:
        with context.acting_as(run.requested_by, source="job"):
            outcome = func(ctx, *args, **kwargs)
    except Exception as exc:
        logger.exception("Job %s failed", run.label)
        JobRun.objects.filter(pk=run.pk).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            message=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    message, result = (outcome, None) if isinstance(outcome, str) else ("", outcome)
    JobRun.objects.filter(pk=run.pk).update(
        status=JobStatus.SUCCEEDED, finished_at=timezone.now(), message=message or "", result=result
    )
    return result if result is not None else message


def enqueue(
    job_task: Any,
    *args: Any,
    actor: Any,
    label: str | None = None,
    idempotency_key: str | None = None,
    **kwargs: Any,
) -> JobRun:
    """Record a run and queue it when the current transaction commits.

    With an idempotency key, asking again while the same job is queued or running returns
    the run already under way instead of starting a second one.
    """
    if idempotency_key:
        existing = JobRun.objects.filter(
            idempotency_key=idempotency_key, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).first()
        if existing:
            return existing
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                label=label or getattr(job_task.func, "job_label", job_task.name),
                task_path=job_task.module_path,
                requested_by=actor if getattr(actor, "is_authenticated", False) else None,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        existing = JobRun.objects.filter(
            idempotency_key=idempotency_key, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).first()
        if existing is None:
            raise
        return existing

    def send() -> None:
        result = job_task.enqueue(str(run.pk), *args, **kwargs)
        JobRun.objects.filter(pk=run.pk).update(backend_result_id=str(result.id)[:64])

    transaction.on_commit(send)
    return run


def enqueue_system(job_task: Any, *args: Any, label: str | None = None, **kwargs: Any) -> JobRun:
    """A job nobody in particular asked for (notifications, nightly work)."""
    return enqueue(job_task, *args, actor=None, label=label, **kwargs)
