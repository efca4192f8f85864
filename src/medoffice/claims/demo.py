"""Demo revenue cycle: charges and claims for the demo's signed visits, then 837P batches and
ERAs (claims/demo_era.py). Fee schedules come before (billing/demo.py), patient payments and
statements after.

Every finished encounter with a signed note and coded procedures is billed a day or two after
the visit: to the coverage active on the day, else to the patient. The small practice's last
`SERVICE_DAYS` go through the real services (`charges_capture`, `claims_build_for_encounter`,
run at the moment the biller did it); older visits, and all of the large practice's, through
claims/demo_bulk.py, which writes the same rows (about 50 queries an encounter would take
minutes at the small size's whole year and hours at the large's).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from medoffice.billing.models import FeeScheduleItem
from medoffice.chart.models import (
    ClinicalNote,
    Encounter,
    EncounterDiagnosis,
    EncounterProcedure,
    EncounterStatus,
    NoteStatus,
)
from medoffice.claims.demo_bulk import BulkFacts, bulk_bill
from medoffice.claims.models import ChargeLine, Claim
from medoffice.claims.services import ChargeInput, charges_capture, claims_build_for_encounter
from medoffice.claims.services.common import service_date
from medoffice.coding import icd10
from medoffice.core.demo import DemoContext, DemoStep, clock_at
from medoffice.patients.models import Coverage
from medoffice.referrals.models import PriorAuthorization, Referral
from medoffice.scheduling.models import Appointment, Provider

SERVICE_DAYS = {"small": 45, "large": 0}  # recent days billed through the real services
CHUNK = 2000


def _coverage_on(coverages: list[Coverage], day: Any) -> Coverage | None:
    """claims.selectors.coverages_on()'s first, from rows already read (same order), when it
    is a primary coverage. A visit whose first active coverage is a secondary one (the primary
    ended) is billed to the patient here: as a secondary claim without a prior payer's answer
    the 837P writer refuses it (the large demo stopped on one)."""
    for c in coverages:
        if c.effective_date <= day and (c.end_date is None or c.end_date >= day):
            return c if c.priority == 1 else None
    return None


def _billable(encounter: Encounter) -> bool:
    ranks = {d.rank: d for d in encounter.diagnoses.all()}
    procedures = encounter.procedures.all()
    return bool(procedures) and all(
        p.diagnosis_pointers
        and all(
            r in ranks and ranks[r].billable and icd10.is_billable(ranks[r].code)
            for r in p.diagnosis_pointers
        )
        for p in procedures
    )


def _facts() -> BulkFacts:
    coverages: dict[int, list[Coverage]] = defaultdict(list)
    for c in Coverage.objects.order_by("priority", "-effective_date", "pk"):
        coverages[c.patient_id].append(c)
    auths: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for a in PriorAuthorization.objects.order_by("end_date", "pk"):
        auths[(a.patient_id, a.payer_id)].append(a)
    by_appointment = dict(
        Appointment.objects.filter(encounter__isnull=False).values_list("pk", "encounter_id")
    )
    referrals: dict[int, Any] = {}
    for r in (
        Referral.objects.filter(appointment_id__isnull=False, direction="in")
        .select_related("authorization")
        .order_by("pk")
    ):
        if r.appointment_id in by_appointment:
            referrals.setdefault(by_appointment[r.appointment_id], r)
    prices = {
        (payer, code): (billed, expected)
        for payer, code, billed, expected in FeeScheduleItem.objects.filter(
            modifier=""
        ).values_list("schedule__payer_id", "code__code", "billed_amount", "expected_amount")
    }
    return BulkFacts(
        providers=dict(Provider.objects.values_list("user_id", "pk")),
        coverages=coverages, auths=auths, referrals=referrals, prices=prices,
    )  # fmt: skip


def _billed_at(ctx: DemoContext, encounter: Encounter, now: datetime) -> datetime:
    """The biller works the visit a day or two later (or the same afternoon), in office hours."""
    end = timezone.localtime(encounter.end or encounter.start)
    day = end.date() + timedelta(days=ctx.rng.choice([0, 1, 1, 2, 3]))
    at = timezone.make_aware(datetime.combine(day, time(ctx.rng.randrange(9, 17), 30)))
    return max(min(at, now - timedelta(minutes=5)), end + timedelta(minutes=10))


def _encounters(query: Any) -> list[Encounter]:
    return list(
        query.select_related("location__practice", "patient").prefetch_related(
            Prefetch("procedures", EncounterProcedure.objects.select_related("code").order_by("pk")),
            Prefetch("diagnoses", EncounterDiagnosis.objects.order_by("rank")),
        )
    )  # fmt: skip


def create_charges_and_claims(ctx: DemoContext) -> str:
    biller = ctx.shared["users"]["biller"]
    now = timezone.now()
    service_since = timezone.localdate(now) - timedelta(days=SERVICE_DAYS[ctx.size.name])
    signed = ClinicalNote.objects.filter(encounter=OuterRef("pk"), status=NoteStatus.SIGNED)
    ids = list(
        Encounter.objects.filter(status=EncounterStatus.FINISHED, location__isnull=False)
        .filter(Exists(signed), Exists(EncounterProcedure.objects.filter(encounter=OuterRef("pk"))))
        .order_by("start", "pk")
        .values_list("pk", flat=True)
    )
    facts = _facts()
    counts = {"claims": 0, "self_pay": 0, "service": 0, "bulk": 0, "skipped": 0}
    for chunk in ctx.progress(list(ctx.chunks(ids, CHUNK)), desc="billing"):
        found = {e.pk: e for e in _encounters(Encounter.objects.filter(pk__in=chunk))}
        encounters = [found[pk] for pk in chunk if _billable(found[pk])]
        counts["skipped"] += len(chunk) - len(encounters)
        moments = [_billed_at(ctx, e, now) for e in encounters]
        bulk = [(e, m) for e, m in zip(encounters, moments, strict=True)
                if service_date(e) < service_since]  # fmt: skip
        if bulk:
            made, self_pay = bulk_bill(
                [e for e, _ in bulk], [m for _, m in bulk], facts, biller, _coverage_on
            )
            counts["claims"] += made
            counts["self_pay"] += self_pay
            counts["bulk"] += len(bulk)
        for encounter, moment in zip(encounters, moments, strict=True):
            if service_date(encounter) < service_since:
                continue
            lines = [
                ChargeInput(procedure_code=p.code.code, diagnosis_pointers=p.diagnosis_pointers,
                            units=p.units, modifiers=p.modifiers or (), source_procedure_id=p.pk)
                for p in encounter.procedures.all()
            ]  # fmt: skip
            with clock_at(moment):
                charges_capture(encounter=encounter, lines=lines, actor=biller)
                result = claims_build_for_encounter(encounter=encounter, actor=biller)
            counts["claims"] += result.claim is not None
            counts["self_pay"] += len(result.self_pay)
            counts["service"] += 1
    total = Claim.objects.values_list("total_billed", flat=True)
    billed = sum(total, Decimal("0.00"))
    return (
        f"{ChargeLine.objects.count()} charges on {counts['bulk'] + counts['service']} visits "
        f"({counts['service']} of the last {SERVICE_DAYS[ctx.size.name]} days through the "
        f"charge and claim services, older ones in bulk), {counts['claims']} claims "
        f"(${billed} billed), {counts['self_pay']} self-pay charges, {counts['skipped']} visits "
        f"not billable (a procedure without a billable diagnosis)"
    )


def create_submissions_and_remittances(ctx: DemoContext) -> str:
    from medoffice.claims.demo_era import submit_and_pay

    return submit_and_pay(ctx)


STEPS = [
    DemoStep("charges and claims", 50, create_charges_and_claims),
    DemoStep("claim batches and ERAs", 52, create_submissions_and_remittances),
]
