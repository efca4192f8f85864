"""Reads for charges and claims. A clinician (billing: own records only) sees the charges and
claims of their own encounters; billers, the office manager and compliance see all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from medoffice.chart.models import ClinicalNote, Encounter, EncounterStatus, NoteStatus
from medoffice.claims.models import ChargeLine, ChargeStatus, Claim, ClaimStatus
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


def claim_worklist(actor: Any, filters: ClaimFilters) -> QuerySet[Claim]:
    rows = visible_claims(actor)
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
        date_from=filters.date_from, date_to=filters.date_to,
    )  # fmt: skip
    counts = dict(
        claim_worklist(actor, unfiltered)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in ClaimStatus.choices]


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
