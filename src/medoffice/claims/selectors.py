"""Reads for charges and claims. A clinician (billing: own records only) sees the charges and
claims of their own encounters; billers, the office manager and compliance see all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from medoffice.chart.models import ClinicalNote, Encounter, EncounterStatus, NoteStatus
from medoffice.claims.models import (
    ChargeLine,
    ChargeStatus,
    Claim,
    ClaimFinding,
    ClaimStatus,
    FindingSeverity,
)
from medoffice.core.access import own_only
from medoffice.core.permissions import Capability
from medoffice.patients.models import Coverage

B = Capability.BILLING


def coverages_on(patient_id: int, day: date) -> list[Coverage]:
    """The patient's coverages active on a day, the one to bill first first."""
    return list(
        Coverage.objects.filter(patient_id=patient_id, effective_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .select_related("payer")
        .order_by("priority", "-effective_date", "pk")
    )


def next_coverage(claim: Any) -> Coverage | None:
    """The coverage a claim to the next payer would bill: active on the date of service and
    after the claim's own (None: there is no one left to bill)."""
    active = coverages_on(claim.patient_id, claim.service_date_from)
    own = next((n for n, c in enumerate(active) if c.pk == claim.coverage_id), None)
    if own is not None:  # the plans after the claim's own, in billing order
        later = active[own + 1 :]
    else:
        later = [c for c in active if c.priority > claim.responsibility]
    return later[0] if later else None


def _own(actor: Any) -> bool:
    return own_only(actor, B)


def visible_claims(actor: Any) -> QuerySet[Claim]:
    rows = Claim.objects.select_related("patient", "payer", "rendering_provider__user")
    return rows.filter(encounter__provider=actor) if _own(actor) else rows


def visible_charges(actor: Any) -> QuerySet[ChargeLine]:
    rows = ChargeLine.objects.select_related(
        "patient", "procedure_code", "rendering_provider__user", "encounter"
    )
    return rows.filter(encounter__provider=actor) if _own(actor) else rows


@dataclass(frozen=True)
class ClaimFilters:
    status: str = ""
    payer_id: int | None = None
    provider_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_errors: bool = False


def _finding_count(severity: str) -> Coalesce:
    counted = (
        ClaimFinding.objects.filter(claim=OuterRef("pk"), severity=severity)
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def claim_worklist(actor: Any, filters: ClaimFilters) -> QuerySet[Claim]:
    """The claims under the filters, each with the error and warning counts of its last
    scrub (`error_count`, `warning_count`)."""
    rows = visible_claims(actor).annotate(
        error_count=_finding_count(FindingSeverity.ERROR),
        warning_count=_finding_count(FindingSeverity.WARNING),
    )
    if filters.has_errors:
        rows = rows.filter(
            Exists(ClaimFinding.objects.filter(claim=OuterRef("pk"), severity="error"))
        )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.payer_id:
        rows = rows.filter(payer_id=filters.payer_id)
    if filters.provider_id:
        rows = rows.filter(rendering_provider_id=filters.provider_id)
    if filters.date_from:
        rows = rows.filter(service_date_from__gte=filters.date_from)
    if filters.date_to:
        rows = rows.filter(service_date_from__lte=filters.date_to)
    return rows.order_by("-status_changed_at", "-pk")


def claim_status_counts(actor: Any, filters: ClaimFilters) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, under the filters other than the status."""
    unfiltered = ClaimFilters(
        payer_id=filters.payer_id, provider_id=filters.provider_id,
        date_from=filters.date_from, date_to=filters.date_to, has_errors=filters.has_errors,
    )  # fmt: skip
    counts = dict(
        claim_worklist(actor, unfiltered)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in ClaimStatus.choices]


@dataclass(frozen=True)
class CleanClaimRate:
    scrubbed: int  # claims scrubbed at least once
    clean: int  # of those, clean on their first scrub

    @property
    def rate(self) -> float | None:
        return self.clean / self.scrubbed if self.scrubbed else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate:.0%}"


def _rate_of(rows: QuerySet[Claim]) -> CleanClaimRate:
    totals = rows.filter(first_scrub_clean__isnull=False).aggregate(
        scrubbed=Count("pk"), clean=Count("pk", filter=Q(first_scrub_clean=True))
    )
    return CleanClaimRate(scrubbed=totals["scrubbed"], clean=totals["clean"])


def clean_claim_rate(
    date_from: date | None, date_to: date | None, payer: Any = None, provider: Any = None
) -> CleanClaimRate:
    """The share of claims scrubbed clean the first time, among claims whose first date of
    service is in the period (either end open when None), for a payer or rendering provider.
    One SQL aggregate."""
    rows = Claim.objects.all()
    if date_from:
        rows = rows.filter(service_date_from__gte=date_from)
    if date_to:
        rows = rows.filter(service_date_from__lte=date_to)
    if payer is not None:
        rows = rows.filter(payer=payer)
    if provider is not None:
        rows = rows.filter(rendering_provider=provider)
    return _rate_of(rows)


def worklist_clean_claim_rate(actor: Any, filters: ClaimFilters) -> CleanClaimRate:
    """The clean-claim rate of the claims the worklist's payer, provider and dates select."""
    period = ClaimFilters(
        payer_id=filters.payer_id, provider_id=filters.provider_id,
        date_from=filters.date_from, date_to=filters.date_to,
    )  # fmt: skip
    return _rate_of(claim_worklist(actor, period).order_by())


def claim_findings(claim: Claim) -> list[ClaimFinding]:
    """The findings of the claim's last scrub: errors first, claim-level before the lines'."""
    findings = list(claim.findings.all())
    return sorted(
        findings,
        key=lambda f: (f.severity != FindingSeverity.ERROR, f.line_number is not None,
                       f.line_number or 0, f.rule_id, f.pk),
    )  # fmt: skip


def claim_get(actor: Any, claim_id: int) -> Claim:
    """One claim the actor may see (404 otherwise: a clinician is not told others' exist)."""
    claim = (
        visible_claims(actor)
        .select_related("coverage", "encounter", "location", "prior_claim", "original_claim")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise Http404("No such claim.")
    return claim


def claim_lines(claim: Claim) -> list[Any]:
    return list(
        claim.lines.select_related("charge_line__rendering_provider__user")
        .prefetch_related("adjudications", "prior_line__adjudications")
        .order_by("line_number")
    )


def claim_history(claim: Claim) -> list[Any]:
    return list(claim.status_changes.select_related("actor").order_by("at", "pk"))


def encounters_to_charge(actor: Any) -> QuerySet[Encounter]:
    """Signed, finished-or-in-progress encounters without any charge captured (void ones
    aside), oldest first."""
    signed = ClinicalNote.objects.filter(encounter=OuterRef("pk"), status=NoteStatus.SIGNED)
    charged = ChargeLine.objects.filter(encounter=OuterRef("pk")).exclude(status=ChargeStatus.VOID)
    rows = (
        Encounter.objects.filter(Exists(signed))
        .exclude(Exists(charged))
        .exclude(status=EncounterStatus.CANCELLED)
        .select_related("patient", "provider", "location")
        .order_by("start", "pk")
    )
    return rows.filter(provider=actor) if _own(actor) else rows


def open_charges(actor: Any) -> QuerySet[ChargeLine]:
    """Charges captured and not yet on a claim."""
    return visible_charges(actor).filter(status=ChargeStatus.OPEN).order_by("date_of_service", "pk")


def encounter_get(actor: Any, encounter_id: int) -> Encounter:
    rows = Encounter.objects.select_related("patient", "location__practice", "provider")
    if _own(actor):
        rows = rows.filter(provider=actor)
    encounter = rows.filter(pk=encounter_id).first()
    if encounter is None:
        raise Http404("No such encounter.")
    return encounter


def encounter_charges(encounter: Encounter) -> list[ChargeLine]:
    return list(
        encounter.charge_lines.select_related("procedure_code", "rendering_provider__user")
        .prefetch_related("claim_lines__claim")
        .order_by("pk")
    )


@dataclass(frozen=True)
class Superbill:
    encounter: Encounter
    practice: Any
    coverages: list[Coverage]
    diagnoses: list[Any]
    charges: list[ChargeLine]
    provider: Any


def superbill(encounter: Encounter) -> Superbill:
    from medoffice.claims.services.common import service_date
    from medoffice.scheduling.models import Provider

    charges = [c for c in encounter_charges(encounter) if c.status != ChargeStatus.VOID]
    return Superbill(
        encounter=encounter,
        practice=encounter.location.practice if encounter.location_id else None,
        coverages=coverages_on(encounter.patient_id, service_date(encounter)),
        diagnoses=list(encounter.diagnoses.order_by("rank")),
        charges=charges,
        provider=Provider.objects.filter(user_id=encounter.provider_id).first(),
    )
