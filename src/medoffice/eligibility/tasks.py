"""Background work of eligibility: tomorrow's inquiries and the answers waiting for us."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from medoffice.core.jobs import JobContext, enqueue_system, job

IDEMPOTENCY_KEY = "eligibility:check-tomorrow"


def acting_user(ctx_actor: Any) -> Any:
    """Who the checks name: whoever asked for the run, or for scheduled runs the billing
    user MEDOFFICE_CLEARINGHOUSE_USER names (as claim submission's polls)."""
    if ctx_actor is not None:
        return ctx_actor
    from medoffice.accounts.models import User

    user = User.objects.filter(username=settings.CLEARINGHOUSE_USER, is_active=True).first()
    if user is None:
        raise RuntimeError("Set MEDOFFICE_CLEARINGHOUSE_USER to the user eligibility runs act as.")
    return user


@job("Check eligibility for tomorrow's visits and read the 271s received")
def eligibility_check_tomorrow(ctx: JobContext) -> str:
    from medoffice.eligibility.batch import eligibility_check_visits_tomorrow, eligibility_poll

    actor = acting_user(ctx.actor)
    outcome = eligibility_check_visits_tomorrow(
        actor=actor, progress=lambda done, total: ctx.progress(done, total)
    )
    return f"{outcome.message()}; {eligibility_poll(actor=actor)}"


def enqueue_if_due(now: Any = None) -> bool:
    """For the scheduler: start a run when none started in the last interval
    (MEDOFFICE_ELIGIBILITY_INTERVAL_MINUTES) and a user to act as is configured
    (MEDOFFICE_CLEARINGHOUSE_USER; without one a run could only fail); returns whether one
    was enqueued."""
    from medoffice.core.models import JobRun

    if not settings.CLEARINGHOUSE_USER:
        return False
    now = now or timezone.now()
    since = now - timedelta(minutes=settings.ELIGIBILITY_INTERVAL_MINUTES)
    ran = JobRun.objects.filter(
        task_path=eligibility_check_tomorrow.module_path, created_at__gte=since
    )
    if ran.exists():
        return False
    enqueue_system(eligibility_check_tomorrow, idempotency_key=IDEMPOTENCY_KEY)
    return True
