"""Claims on the large demo for the revenue-cycle benchmarks (setup, never timed).

The real services (`charges_capture` + `claims_build_for_encounter`) take about 20 ms per
encounter on SQLite: 10,000 encounters would spend over three minutes in setup. So the first
`SERVICE_BUILT` encounters go through those services, and the rest through `bulk_claims`, which
writes the same rows in bulk: charge lines (status billed), the claim with its diagnoses in
rank order, pointers renumbered, prior authorization and referral numbers, its lines, the
status change to draft, the charge journal (ar_payer / revenue per line). What it leaves out is
the per-claim audit entries (nothing the benchmarks read). Claims are then moved to the status
a benchmark needs with bulk updates and their status-change rows.

The demo prices nothing (no fee schedule), so each charge is entered at a price per code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from medoffice.billing import models as ledger
from medoffice.chart.models import (
    Encounter,
    EncounterDiagnosis,
    EncounterProcedure,
    EncounterStatus,
    NoteStatus,
)
from medoffice.claims.models import (
    AmountSource,
    ChargeLine,
    ChargeStatus,
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimStatusChange,
)
from medoffice.claims.services import ChargeInput, charges_capture, claims_build_for_encounter
from medoffice.claims.services.common import is_telehealth, service_date
from medoffice.coding import icd10
from medoffice.core.sequences import luhn_check_digit, reserve
from medoffice.patients.models import Coverage
from medoffice.referrals.models import PriorAuthorization, Referral
from medoffice.scheduling.models import Provider

SERVICE_BUILT = 100  # encounters billed through the real services (a check on the bulk path)
CENT = Decimal("0.01")


def price(code: str) -> Decimal:
    """A steady made-up price per procedure code (the demo has no fee schedule)."""
    return Decimal(60 + sum(map(ord, code)) % 240).quantize(CENT)


def recent_encounters(*, count: int | None = None, lines: int | None = None) -> list[Encounter]:
    """The most recent finished, signed encounters with procedures and billable pointed
    diagnoses whose patient had a coverage on the day: `count` of them, or enough for `lines`
    procedures."""
    from medoffice.chart.models import ClinicalNote

    signed = ClinicalNote.objects.filter(encounter=OuterRef("pk"), status=NoteStatus.SIGNED)
    has_procedure = EncounterProcedure.objects.filter(encounter=OuterRef("pk"))
    query = (
        Encounter.objects.filter(status=EncounterStatus.FINISHED, location__isnull=False)
        .filter(Exists(signed), Exists(has_procedure))
        .select_related("location__practice", "patient")
        .order_by("-start", "-pk")
    )
    want = count or lines or 0
    picked: list[Encounter] = []
    have = 0
    offset = 0
    while have < want:
        chunk = list(
            query[offset : offset + 4000].prefetch_related(
                Prefetch("procedures", EncounterProcedure.objects.select_related("code").order_by("pk")),
                Prefetch("diagnoses", EncounterDiagnosis.objects.order_by("rank")),
            )
        )  # fmt: skip
        if not chunk:
            break
        offset += len(chunk)
        covered = _covered(chunk)
        for encounter in chunk:
            if encounter.pk in covered and _billable(encounter):
                picked.append(encounter)
                have += len(encounter.procedures.all()) if lines else 1
                if have >= want:
                    break
    return picked


def _covered(encounters: Sequence[Encounter]) -> set[int]:
    coverages = _coverages([e.patient_id for e in encounters])
    # Primary claims only: a first active coverage of priority 2 would make a secondary
    # claim without a prior payer, which the 837P writer (rightly) refuses.
    found = set()
    for e in encounters:
        coverage = _coverage_on(coverages.get(e.patient_id, []), service_date(e))
        if coverage is not None and coverage.priority == 1:
            found.add(e.pk)
    return found


def _coverages(patient_ids: Sequence[int]) -> dict[int, list[Coverage]]:
    found: dict[int, list[Coverage]] = defaultdict(list)
    for coverage in Coverage.objects.filter(patient_id__in=set(patient_ids)).order_by(
        "priority", "-effective_date", "pk"
    ):
        found[coverage.patient_id].append(coverage)
    return found


def _coverage_on(coverages: list[Coverage], day: date) -> Coverage | None:
    """coverages_on()'s first, from rows already read (same order, same test)."""
    for c in coverages:
        if c.effective_date <= day and (c.end_date is None or c.end_date >= day):
            return c
    return None


def _billable(encounter: Encounter) -> bool:
    ranks = {d.rank: d for d in encounter.diagnoses.all()}
    for procedure in encounter.procedures.all():
        pointers = procedure.diagnosis_pointers or []
        if not pointers or any(
            p not in ranks or not (ranks[p].billable and icd10.is_billable(ranks[p].code))
            for p in pointers
        ):
            return False
    return True


def charge_inputs(encounter: Encounter) -> list[ChargeInput]:
    return [
        ChargeInput(
            procedure_code=p.code.code, diagnosis_pointers=p.diagnosis_pointers, units=p.units,
            modifiers=p.modifiers or (), billed_amount=price(p.code.code) * p.units,
            source_procedure_id=p.pk,
        )
        for p in encounter.procedures.all()
    ]  # fmt: skip


def build_claims(encounters: Sequence[Encounter], actor: Any) -> list[int]:
    """Claims (status draft) for the encounters; returns their ids."""
    ids = []
    for encounter in encounters[:SERVICE_BUILT]:
        charges_capture(encounter=encounter, lines=charge_inputs(encounter), actor=actor)
        result = claims_build_for_encounter(encounter=encounter, actor=actor)
        if result.claim is not None:
            ids.append(result.claim.pk)
    return ids + bulk_claims(encounters[SERVICE_BUILT:], actor)


def _authorizations(encounters: Sequence[Encounter]) -> dict[tuple[int, int], list[Any]]:
    found: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for auth in PriorAuthorization.objects.filter(
        patient_id__in={e.patient_id for e in encounters}
    ).order_by("end_date", "pk"):
        found[(auth.patient_id, auth.payer_id)].append(auth)
    return found


def _referrals(encounters: Sequence[Encounter]) -> dict[int, Referral]:
    """The incoming referral of each encounter's appointment (the first, as .first() would)."""
    from medoffice.scheduling.models import Appointment

    by_appointment = dict(
        Appointment.objects.filter(encounter__in=list(encounters)).values_list("pk", "encounter_id")
    )
    found: dict[int, Referral] = {}
    for referral in (
        Referral.objects.filter(appointment_id__in=list(by_appointment), direction="in")
        .select_related("authorization")
        .order_by("pk")
    ):
        found.setdefault(by_appointment[referral.appointment_id], referral)
    return found


def bulk_claims(encounters: Sequence[Encounter], actor: Any) -> list[int]:
    """What charges_capture + claims_build_for_encounter write, in bulk (see the module doc)."""
    if not encounters:
        return []
    now, today = timezone.now(), timezone.localdate()
    providers = dict(Provider.objects.values_list("user_id", "pk"))
    coverages = _coverages([e.patient_id for e in encounters])
    auths, referrals = _authorizations(encounters), _referrals(encounters)
    numbers = iter(reserve("claim_pcn", len(encounters)))
    charges: list[ChargeLine] = []
    claims: list[Claim] = []
    per_claim: list[list[ChargeLine]] = []
    for encounter in encounters:
        day = service_date(encounter)
        coverage = _coverage_on(coverages[encounter.patient_id], day)
        location, practice = encounter.location, encounter.location.practice
        ranks = {d.rank: d.code for d in encounter.diagnoses.all()}
        pos = "10" if is_telehealth(encounter) else location.place_of_service
        rows = [
            ChargeLine(
                encounter=encounter, patient_id=encounter.patient_id, location_id=location.pk,
                billing_npi=location.npi or practice.group_npi, billing_tax_id=practice.tax_id,
                date_of_service=day, created_by=actor, procedure_code=p.code, units=p.units,
                modifiers=list(p.modifiers or []), diagnosis_pointers=list(p.diagnosis_pointers),
                diagnosis_codes=[ranks[r] for r in p.diagnosis_pointers], place_of_service=pos,
                rendering_provider_id=providers[encounter.provider_id],
                billed_amount=price(p.code.code) * p.units, expected_amount=None,
                amount_source=AmountSource.ENTERED, source_procedure=p,
                status=ChargeStatus.BILLED,
            )
            for p in encounter.procedures.all()
        ]  # fmt: skip
        charges += rows
        per_claim.append(rows)
        codes = {c.procedure_code.code for c in rows}
        auth = next(
            (a for a in auths[(encounter.patient_id, coverage.payer_id)]
             if a.start_date <= day <= a.end_date
             and (not a.service_codes or codes & set(a.service_codes))),
            None,
        )  # fmt: skip
        referral = referrals.get(encounter.pk)
        digits = f"{next(numbers):08d}"
        claims.append(
            Claim(
                patient_id=encounter.patient_id, encounter=encounter, payer_id=coverage.payer_id,
                coverage=coverage, responsibility=coverage.priority,
                patient_control_number=f"C{digits}{luhn_check_digit(digits)}",
                total_billed=sum((c.billed_amount for c in rows), Decimal("0.00")),
                status=ClaimStatus.DRAFT, status_changed_at=now, prior_authorization=auth,
                prior_authorization_number=auth.auth_number if auth else "",
                referral=referral,
                referral_number=referral.authorization.auth_number
                if referral and referral.authorization and referral.authorization != auth
                else "",
                rendering_provider_id=rows[0].rendering_provider_id, location_id=location.pk,
                billing_npi=rows[0].billing_npi, billing_tax_id=rows[0].billing_tax_id,
                place_of_service=pos, service_date_from=day, service_date_to=day,
                diagnosis_codes=[d.code for d in encounter.diagnoses.all() if d.billable],
                created_by=actor,
            )
        )  # fmt: skip
    ChargeLine.objects.bulk_create(charges, batch_size=2000)
    Claim.objects.bulk_create(claims, batch_size=2000)
    lines: list[ClaimLine] = []
    for claim, rows in zip(claims, per_claim, strict=True):
        position = {code: i for i, code in enumerate(claim.diagnosis_codes, start=1)}
        lines += [
            ClaimLine(
                claim=claim, charge_line=c, line_number=n,
                line_control_number=f"{claim.patient_control_number}-{n}",
                procedure_code=c.procedure_code.code, modifiers=list(c.modifiers), units=c.units,
                amount=c.billed_amount,
                diagnosis_pointers=[position[code] for code in c.diagnosis_codes],
                date_of_service=c.date_of_service, place_of_service=c.place_of_service,
            )
            for n, c in enumerate(rows, start=1)
        ]  # fmt: skip
    ClaimLine.objects.bulk_create(lines, batch_size=2000)
    ClaimStatusChange.objects.bulk_create(
        (ClaimStatusChange(claim=c, from_status="", to_status=ClaimStatus.DRAFT, at=now,
                           actor=actor, reason="Built from the encounter's charges")
         for c in claims),
        batch_size=2000,
    )  # fmt: skip
    _charge_journals(claims, lines, actor, now, today)
    return [c.pk for c in claims]


def _charge_journals(claims, lines, actor, now, today) -> None:
    journals = ledger.Journal.objects.bulk_create(
        [
            ledger.Journal(
                kind="charge", effective_date=today, posted_at=now, actor=actor,
                memo=f"Charges on claim {c.patient_control_number}", source="claim",
                source_id=str(c.pk), idempotency_key=f"claim-charges-{c.pk}",
            )
            for c in claims
        ],
        batch_size=2000,
    )  # fmt: skip
    journal_of = {c.pk: j for c, j in zip(claims, journals, strict=True)}
    postings = []
    for line in lines:
        claim = line.claim
        dims = {
            "journal": journal_of[claim.pk], "effective_date": today,
            "patient_id": claim.patient_id, "payer_id": claim.payer_id, "claim_id": claim.pk,
            "claim_line_id": line.pk, "location_id": claim.location_id,
        }  # fmt: skip
        postings.append(ledger.Posting(account="ar_payer", amount=line.amount, **dims))
        postings.append(ledger.Posting(account="revenue", amount=-line.amount, **dims))
    ledger.Posting.objects.bulk_create(postings, batch_size=4000)
    for claim in claims:
        claim.charge_journal_id = journal_of[claim.pk].pk
    Claim.objects.bulk_update(claims, ["charge_journal_id"], batch_size=2000)


PATH = {
    ClaimStatus.READY: [ClaimStatus.SCRUBBED, ClaimStatus.READY],
    ClaimStatus.SUBMITTED: [ClaimStatus.SCRUBBED, ClaimStatus.READY, ClaimStatus.SUBMITTED],
}


def move_claims(claim_ids: Sequence[int], to: str, actor: Any) -> None:
    """Draft claims to `to` along the status table, with one status-change row per step."""
    now = timezone.now()
    seen = ClaimStatus.DRAFT
    for step in PATH[to]:
        ClaimStatusChange.objects.bulk_create(
            (ClaimStatusChange(claim_id=pk, from_status=seen, to_status=step, at=now, actor=actor,
                               reason="benchmark setup") for pk in claim_ids),
            batch_size=4000,
        )  # fmt: skip
        seen = step
    fields: dict[str, Any] = {"status": to, "status_changed_at": now, "first_scrub_clean": True}
    if to == ClaimStatus.SUBMITTED:
        fields["submitted_at"] = now
    for start in range(0, len(claim_ids), 5000):
        Claim.objects.filter(pk__in=claim_ids[start : start + 5000]).update(**fields)


def claim_count_ready() -> int:
    return Claim.objects.filter(Q(status=ClaimStatus.READY)).count()
