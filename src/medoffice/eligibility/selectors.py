"""Reads of eligibility checks: the latest per coverage (for the coverage section, check-in
and booking), and one check with its full answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import patient_access
from medoffice.core.permissions import Capability, Need
from medoffice.eligibility.models import CheckStatus, EligibilityCheck
from medoffice.eligibility.results import Headline, headline


@dataclass(frozen=True)
class CoverageEligibility:
    """For one coverage: its latest answered check (if any) and its latest check of any
    status (waiting for an answer, or failed), which may be newer."""

    answered: EligibilityCheck | None
    latest: EligibilityCheck | None

    @property
    def summary(self) -> Headline | None:
        return headline(self.answered.result) if self.answered is not None else None

    @property
    def pending(self) -> bool:
        return self.latest is not None and self.latest.status in (
            CheckStatus.QUEUED,
            CheckStatus.SENT,
        )

    @property
    def failed(self) -> EligibilityCheck | None:
        latest = self.latest
        if latest is not None and latest.status == CheckStatus.ERROR and latest != self.answered:
            return latest
        return None


def latest_by_coverage(coverage_ids: Iterable[int]) -> dict[int, CoverageEligibility]:
    """Every coverage named gets an entry; two queries whatever their number."""
    ids = list(coverage_ids)
    answered: dict[int, EligibilityCheck] = {}
    for check in EligibilityCheck.objects.filter(
        coverage_id__in=ids, status=CheckStatus.ANSWERED
    ).order_by("coverage_id", "-answered_at", "-pk"):
        answered.setdefault(check.coverage_id, check)
    latest: dict[int, EligibilityCheck] = {}
    for check in EligibilityCheck.objects.filter(coverage_id__in=ids).order_by(
        "coverage_id", "-requested_at", "-pk"
    ):
        latest.setdefault(check.coverage_id, check)
    return {pk: CoverageEligibility(answered.get(pk), latest.get(pk)) for pk in ids}


def attach_latest(coverages: Iterable[Any]) -> None:
    """Set `coverage.eligibility` (a CoverageEligibility) on each coverage given."""
    coverages = list(coverages)
    found = latest_by_coverage(c.pk for c in coverages)
    for coverage in coverages:
        coverage.eligibility = found[coverage.pk]


def booking_notes(*, coverages: Iterable[Any], day: date) -> list[str]:
    """What the latest answers say about a visit on `day`: an inactive answer for that day (or
    a recent one) is a warning; no answer in the recent days is a softer note."""
    coverages = list(coverages)
    since = timezone.now() - timedelta(days=settings.ELIGIBILITY_RECENT_DAYS)
    notes = []
    answered = EligibilityCheck.objects.filter(
        coverage__in=coverages, status=CheckStatus.ANSWERED
    ).filter(Q(service_date=day) | Q(answered_at__gte=since))
    latest: dict[int, EligibilityCheck] = {}
    # An answer for the visit's own day first, then the most recent one.
    for check in sorted(
        answered, key=lambda c: (c.service_date != day, -c.answered_at.timestamp(), -c.pk)
    ):
        latest.setdefault(check.coverage_id, check)
    for coverage in coverages:
        check = latest.get(coverage.pk)
        if check is None:
            notes.append(
                f"Note: eligibility with {coverage.payer} has not been checked in the last "
                f"{settings.ELIGIBILITY_RECENT_DAYS} days."
            )
        elif check.active is False:
            asked = timezone.localtime(check.answered_at)
            notes.append(
                f"{coverage.payer} answered on {asked:%Y-%m-%d} that the coverage is not active "
                f"on {check.service_date:%Y-%m-%d}: the visit may be self-pay."
            )
    return notes


def check_get(*, actor: Any, patient_id: int, check_id: int) -> EligibilityCheck:
    """One check with its answer; the read is audited."""
    patient_access(actor, Capability.COVERAGE, Need.VIEW, patient_id)
    check = get_object_or_404(
        EligibilityCheck.objects.select_related("coverage__payer", "patient", "requested_by"),
        pk=check_id,
        patient_id=patient_id,
    )
    audit_record(
        action="view", actor=actor, object_type="eligibility_check", object_id=check.pk,
        patient_id=patient_id, patient_ref=check.patient.mrn,
    )  # fmt: skip
    return check


def coverage_for_patient(*, patient_id: int, coverage_id: int) -> Any:
    from medoffice.patients.models import Coverage

    return get_object_or_404(
        Coverage.objects.select_related("payer", "patient"), pk=coverage_id, patient_id=patient_id
    )
