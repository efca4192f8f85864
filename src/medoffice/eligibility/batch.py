"""The periodic eligibility work: a 270 for each coverage of tomorrow's visits that has no
recent answer, and the 271s waiting at the clearinghouse read in.

A coverage is skipped when it has an answered check within MEDOFFICE_ELIGIBILITY_RECENT_DAYS
(default 7), or a check still waiting for its answer sent within that time: running the job
twice sends nothing twice. "Tomorrow" is the day after today at each visit's location.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone

from medoffice.eligibility.models import OPEN_STATUSES, CheckStatus, EligibilityCheck

VISIT_STATUSES = ("scheduled", "confirmed")


@dataclass
class BatchOutcome:
    visits: int = 0
    sent: int = 0
    skipped_recent: int = 0
    failed: list[str] = field(default_factory=list)

    def message(self) -> str:
        text = (
            f"{self.visits} visit(s) tomorrow: {self.sent} inquiry(ies) sent, "
            f"{self.skipped_recent} coverage(s) checked recently"
        )
        if self.failed:
            text += f", {len(self.failed)} not sent: " + " | ".join(self.failed)
        return text


def recently_checked(coverage_ids: list[int], *, now: datetime | None = None) -> set[int]:
    """Coverages with an answer, or an inquiry still waiting, within the recent days."""
    since = (now or timezone.now()) - timedelta(days=settings.ELIGIBILITY_RECENT_DAYS)
    rows = EligibilityCheck.objects.filter(coverage_id__in=coverage_ids).filter(
        Q(status=CheckStatus.ANSWERED, answered_at__gte=since)
        | Q(status__in=OPEN_STATUSES, requested_at__gte=since)
    )
    return set(rows.values_list("coverage_id", flat=True))


def visits_tomorrow(now: datetime | None = None) -> list[Any]:
    """Tomorrow's booked visits (scheduled or confirmed), tomorrow in each location's zone."""
    from medoffice.organization.models import Location
    from medoffice.scheduling.models import Appointment

    now = now or timezone.now()
    visits = []
    for location in Location.objects.all():
        zone = ZoneInfo(location.time_zone)
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        start = datetime.combine(tomorrow, time(), tzinfo=zone)
        visits += list(
            Appointment.objects.filter(
                location=location, status__in=VISIT_STATUSES,
                start__gte=start, start__lt=start + timedelta(days=1),
            ).select_related("patient", "location").order_by("start", "pk")
        )  # fmt: skip
    return visits


def _active_coverages(patient_id: int, day: date) -> list[Any]:
    from medoffice.patients.models import Coverage

    return list(
        Coverage.objects.filter(patient_id=patient_id, effective_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("payer", "patient")
        .order_by("priority", "pk")
    )


def eligibility_check_visits_tomorrow(
    *,
    actor: Any,
    now: datetime | None = None,
    transport: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchOutcome:
    """A 270 for each active coverage of tomorrow's visits without a recent check."""
    from medoffice.eligibility.services import eligibility_request

    now = now or timezone.now()
    visits = visits_tomorrow(now)
    outcome = BatchOutcome(visits=len(visits))
    seen: set[int] = set()
    for done, visit in enumerate(visits, start=1):
        day = timezone.localtime(visit.start, ZoneInfo(visit.location.time_zone)).date()
        coverages = [c for c in _active_coverages(visit.patient_id, day) if c.pk not in seen]
        seen.update(c.pk for c in coverages)
        recent = recently_checked([c.pk for c in coverages], now=now)
        for coverage in coverages:
            if coverage.pk in recent:
                outcome.skipped_recent += 1
                continue
            try:
                check = eligibility_request(
                    coverage=coverage, service_date=day, actor=actor, appointment=visit,
                    transport=transport,
                )  # fmt: skip
            except (ValidationError, PermissionDenied) as exc:
                reason = "; ".join(getattr(exc, "messages", None) or [str(exc)])
                outcome.failed.append(f"{visit.patient.mrn} {coverage.payer}: {reason}")
                continue
            if check.status == CheckStatus.ERROR:
                outcome.failed.append(f"{visit.patient.mrn} {coverage.payer}: {check.error_text}")
            else:
                outcome.sent += 1
        if progress is not None:
            progress(done, len(visits))
    return outcome


def eligibility_poll(*, actor: Any, transport: Any = None) -> str:
    """Receive the waiting files, import the 271s among them, and clear each from the inbox
    once imported (or known already). Other files (999, 277CA) are left for claim submission;
    a 271 that cannot be read stays there and is named in the outcome."""
    from medoffice.eligibility.imports import eligibility_responses_import, is_271
    from medoffice.submission.transport import get_transport

    transport = transport or get_transport()
    imported = duplicates = 0
    problems = []
    for name, content in transport.receive():
        if not is_271(content):
            continue
        try:
            result = eligibility_responses_import(name=name, content=content, actor=actor)
        except ValidationError as exc:
            problems.append(f"{name}: {'; '.join(exc.messages)}")
            continue
        transport.done(name)
        if result.duplicate:
            duplicates += 1
        else:
            imported += 1
    message = f"271: {imported} imported, {duplicates} already known"
    if problems:
        message += f", {len(problems)} not readable: " + " | ".join(problems)
    return message
