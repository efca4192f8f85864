"""The demo's bulk billing path: what `charges_capture` + `claims_build_for_encounter` write,
for many encounters at once, dated when the biller did it (see bench/benchmarks/_revenue_data.py,
which this follows, and scheduling/demo_insert.py for the inserts).

Per encounter: charge lines at the fee schedule's price of the payer active on the day (or the
self-pay schedule); with a coverage, a claim (status draft) with its diagnoses in rank order,
renumbered pointers, prior authorization and referral numbers, lines, the status change to
draft, and its charge journal (ar_payer / revenue per line); without one, the charges are the
patient's (status patient) with one journal each (ar_patient / revenue). Explicit ids, one
executemany per table and batch; the per-claim audit entries are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Max

from medoffice.billing.models import Journal, Posting
from medoffice.chart.models import Encounter
from medoffice.claims.models import (
    AmountSource,
    ChargeLine,
    ChargeStatus,
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimStatusChange,
)
from medoffice.claims.services.common import is_telehealth, service_date
from medoffice.core.sequences import luhn_check_digit, reserve
from medoffice.scheduling.demo_insert import insert_objects

ZERO = Decimal("0.00")
Prices = dict[tuple[int | None, str], tuple[Decimal, Decimal]]  # (payer, code) -> per unit


@dataclass
class BulkFacts:
    """What the bulk path reads once: providers, coverages, authorizations, referrals, prices."""

    providers: dict[int, int]  # user id -> provider id
    coverages: dict[int, list[Any]]  # patient id -> coverages, the one to bill first first
    auths: dict[tuple[int, int], list[Any]]
    referrals: dict[int, Any]  # encounter id -> referral
    prices: Prices


def _next_id(model: Any) -> int:
    return (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def bulk_bill(
    encounters: Sequence[Encounter], billed_at: Sequence[datetime], facts: BulkFacts,
    actor: Any, coverage_on: Any,
) -> tuple[int, int]:  # fmt: skip
    """Bill the encounters (each at its moment); returns (claims, self-pay charges)."""
    charges: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    journals: list[dict[str, Any]] = []
    postings: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    next_charge, next_claim = _next_id(ChargeLine), _next_id(Claim)
    next_journal, next_line = _next_id(Journal), _next_id(ClaimLine)
    covered = [
        coverage_on(facts.coverages.get(e.patient_id, []), service_date(e)) for e in encounters
    ]
    numbers = iter(reserve("claim_pcn", max(1, sum(c is not None for c in covered))))
    for encounter, at, coverage in zip(encounters, billed_at, covered, strict=True):
        day, on = service_date(encounter), at.date()
        location, practice = encounter.location, encounter.location.practice
        ranks = {d.rank: d.code for d in encounter.diagnoses.all()}
        pos = "10" if is_telehealth(encounter) else location.place_of_service
        payer_id = coverage.payer_id if coverage else None
        status = ChargeStatus.BILLED if coverage else ChargeStatus.PATIENT
        rows = []
        for p in encounter.procedures.all():
            billed, expected = facts.prices[(payer_id, p.code.code)]
            row = dict(
                id=next_charge, encounter_id=encounter.pk, patient_id=encounter.patient_id,
                location_id=location.pk, billing_npi=location.npi or practice.group_npi,
                billing_tax_id=practice.tax_id, date_of_service=day, created_by_id=actor.pk,
                procedure_code_id=p.code_id, code=p.code.code, units=p.units,
                modifiers=list(p.modifiers or []), diagnosis_pointers=list(p.diagnosis_pointers),
                diagnosis_codes=[ranks[r] for r in p.diagnosis_pointers], place_of_service=pos,
                rendering_provider_id=facts.providers[encounter.provider_id],
                billed_amount=billed * p.units, expected_amount=expected * p.units,
                amount_source=AmountSource.FEE_SCHEDULE, source_procedure_id=p.pk,
                status=status, journal_id=None, created_at=at, updated_at=at,
            )  # fmt: skip
            next_charge += 1
            rows.append(row)
        charges += rows
        if coverage is None:
            for row in rows:
                dims = {"patient_id": encounter.patient_id, "location_id": location.pk}
                row["journal_id"] = next_journal
                journals.append(dict(
                    id=next_journal, kind="charge", effective_date=on, posted_at=at,
                    actor_id=actor.pk, source="charge", source_id=str(row["id"]),
                    memo=f"Self-pay charge {row['code']} on {day}",
                    idempotency_key=f"charge-self-pay-{row['id']}",
                ))  # fmt: skip
                postings.append(
                    dict(
                        journal_id=next_journal,
                        account="ar_patient",
                        amount=row["billed_amount"],
                        effective_date=on,
                        **dims,
                    )
                )
                postings.append(dict(journal_id=next_journal, account="revenue",
                                     amount=-row["billed_amount"], effective_date=on, **dims))  # fmt: skip
                next_journal += 1
            continue
        codes = {r["code"] for r in rows}
        auth = next(
            (a for a in facts.auths.get((encounter.patient_id, coverage.payer_id), [])
             if a.start_date <= day <= a.end_date
             and (not a.service_codes or codes & set(a.service_codes))),
            None,
        )  # fmt: skip
        referral = facts.referrals.get(encounter.pk)
        digits = f"{next(numbers):08d}"
        pcn = f"C{digits}{luhn_check_digit(digits)}"
        diagnoses = [d.code for d in encounter.diagnoses.all() if d.billable]
        claim = dict(
            id=next_claim, patient_id=encounter.patient_id, encounter_id=encounter.pk,
            payer_id=coverage.payer_id, coverage_id=coverage.pk,
            responsibility=coverage.priority, patient_control_number=pcn,
            total_billed=sum((r["billed_amount"] for r in rows), ZERO),
            status=ClaimStatus.DRAFT, status_changed_at=at,
            prior_authorization_id=auth.pk if auth else None,
            prior_authorization_number=auth.auth_number if auth else "",
            referral_id=referral.pk if referral else None,
            referral_number=referral.authorization.auth_number
            if referral and referral.authorization and referral.authorization != auth else "",
            rendering_provider_id=rows[0]["rendering_provider_id"], location_id=location.pk,
            billing_npi=rows[0]["billing_npi"], billing_tax_id=rows[0]["billing_tax_id"],
            place_of_service=pos, service_date_from=day, service_date_to=day,
            diagnosis_codes=diagnoses, created_by_id=actor.pk, charge_journal_id=next_journal,
            created_at=at, updated_at=at,
        )  # fmt: skip
        claims.append(claim)
        journals.append(dict(
            id=next_journal, kind="charge", effective_date=on, posted_at=at, actor_id=actor.pk,
            memo=f"Charges on claim {pcn}", source="claim", source_id=str(next_claim),
            idempotency_key=f"claim-charges-{next_claim}",
        ))  # fmt: skip
        changes.append(dict(claim_id=next_claim, from_status="", to_status=ClaimStatus.DRAFT,
                            at=at, actor_id=actor.pk, reason="Built from the encounter's charges"))  # fmt: skip
        position = {code: i for i, code in enumerate(diagnoses, start=1)}
        for n, row in enumerate(rows, start=1):
            lines.append(dict(
                id=next_line, claim_id=next_claim, charge_line_id=row["id"], line_number=n,
                line_control_number=f"{pcn}-{n}", procedure_code=row["code"],
                modifiers=list(row["modifiers"]), units=row["units"],
                amount=row["billed_amount"],
                diagnosis_pointers=[position[c] for c in row["diagnosis_codes"]],
                date_of_service=day, place_of_service=pos,
            ))  # fmt: skip
            dims = {"patient_id": encounter.patient_id, "payer_id": coverage.payer_id,
                    "claim_id": next_claim, "claim_line_id": next_line, "location_id": location.pk,
                    "effective_date": on, "journal_id": next_journal}  # fmt: skip
            postings.append(dict(account="ar_payer", amount=row["billed_amount"], **dims))
            postings.append(dict(account="revenue", amount=-row["billed_amount"], **dims))
            next_line += 1
        next_claim += 1
        next_journal += 1
    for row in charges:
        del row["code"]
    # Parents before children; each table's ids were counted from its maximum above.
    insert_objects(Journal, journals)
    insert_objects(ChargeLine, charges)
    insert_objects(Claim, claims)
    insert_objects(ClaimLine, lines)
    insert_objects(ClaimStatusChange, changes)
    insert_objects(Posting, postings)
    return len(claims), sum(1 for c in charges if c["status"] == ChargeStatus.PATIENT)
