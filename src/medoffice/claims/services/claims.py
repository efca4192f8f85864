"""Building claims from charges, the secondary claim after the primary's adjudication, and
moving a claim through its statuses.

- The primary claim goes to the coverage active on the date of service with the highest
  priority (1 primary, then 2, 3; the latest effective date first among equals). Without any
  active coverage there is no claim: the charges are the patient's and post to ar_patient.
- Building a claim posts its charges to the ledger in the same transaction: debit ar_payer
  (patient, payer, claim, line, location) and credit revenue, one pair per line.
- A claim's diagnoses are the encounter's billable ones in rank order; each line points at
  the codes captured with its charge, renumbered to their places in that list.
- `claim_transition` moves a claim along one edge of `models.TRANSITIONS` with a conditional
  update on the status it was read with: of two moves at once exactly one wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from medoffice.chart.models import Encounter
from medoffice.claims.models import (
    ADJUDICATED,
    TRANSITIONS,
    ChargeLine,
    ChargeStatus,
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimStatusChange,
    FrequencyCode,
    Responsibility,
)
from medoffice.claims.services.common import audit, check_claims_edit
from medoffice.core.sequences import luhn_check_digit, next_value
from medoffice.patients.models import Coverage
from medoffice.referrals.models import PriorAuthorization, Referral

MAX_LINES = 50  # an 837P claim carries at most 50 service lines


@dataclass(frozen=True)
class BuildResult:
    """What building an encounter's charges produced: a claim, or self-pay charges."""

    claim: Claim | None
    self_pay: list[ChargeLine]


def new_patient_control_number() -> str:
    """CLM01: 'C', eight digits from the claims sequence and a Luhn check digit (10 chars)."""
    digits = f"{next_value('claim_pcn'):08d}"
    return f"C{digits}{luhn_check_digit(digits)}"


def _claim_diagnoses(encounter: Encounter, charges: list[ChargeLine]) -> list[str]:
    """The encounter's billable diagnoses in rank order (the chart keeps at most 12)."""
    ranked = [d.code for d in encounter.diagnoses.order_by("rank") if d.billable]
    pointed = {code for c in charges for code in c.diagnosis_codes}
    missing = sorted(pointed - set(ranked))
    if missing:
        raise ValidationError(
            f"{', '.join(missing)} is pointed at by a charge but no longer a billable diagnosis "
            "of the encounter: update the charge."
        )
    return ranked


def _authorization(patient_id: int, payer_id: int, day: Any, codes: set[str]) -> Any:
    """A prior authorization of this payer in force on the day that covers one of the codes."""
    for auth in PriorAuthorization.objects.filter(
        patient_id=patient_id, payer_id=payer_id, start_date__lte=day, end_date__gte=day
    ).order_by("end_date"):
        if not auth.service_codes or codes & set(auth.service_codes):
            return auth
    return None


def _referral(encounter: Encounter) -> Referral | None:
    """The incoming referral the visit was booked for, when there is one."""
    appointment = getattr(encounter, "appointment", None)
    if appointment is None:
        return None
    return (
        Referral.objects.filter(appointment=appointment, direction="in")
        .select_related("authorization")
        .first()
    )


def _line_rows(charges: list[ChargeLine], diagnoses: list[str]) -> list[dict[str, Any]]:
    position = {code: i for i, code in enumerate(diagnoses, start=1)}
    return [
        {
            "charge_line": c,
            "line_number": n,
            "procedure_code": c.procedure_code.code,
            "modifiers": list(c.modifiers),
            "units": c.units,
            "amount": c.billed_amount,
            "diagnosis_pointers": [position[code] for code in c.diagnosis_codes],
            "date_of_service": c.date_of_service,
            "place_of_service": c.place_of_service,
        }
        for n, c in enumerate(charges, start=1)
    ]


def _post_claim_charges(claim: Claim, lines: list[ClaimLine], actor: Any) -> int:
    from medoffice.billing.ledger import Posting, post_journal

    postings = []
    for line in lines:
        dims = {
            "patient_id": claim.patient_id, "payer_id": claim.payer_id, "claim_id": claim.pk,
            "claim_line_id": line.pk, "location_id": claim.location_id,
        }  # fmt: skip
        postings.append(Posting(account="ar_payer", amount=line.amount, **dims))
        postings.append(Posting(account="revenue", amount=-line.amount, **dims))
    journal = post_journal(
        kind="charge",
        postings=postings,
        effective_date=timezone.localdate(),
        actor=actor,
        memo=f"Charges on claim {claim.patient_control_number}",
        source="claim",
        source_id=str(claim.pk),
        idempotency_key=f"claim-charges-{claim.pk}",
    )
    return journal.pk


def _post_self_pay(charge: ChargeLine, actor: Any) -> int:
    from medoffice.billing.ledger import Posting, post_journal

    dims = {"patient_id": charge.patient_id, "location_id": charge.location_id}
    journal = post_journal(
        kind="charge",
        postings=[
            Posting(account="ar_patient", amount=charge.billed_amount, **dims),
            Posting(account="revenue", amount=-charge.billed_amount, **dims),
        ],
        effective_date=timezone.localdate(),
        actor=actor,
        memo=f"Self-pay charge {charge.procedure_code.code} on {charge.date_of_service}",
        source="charge",
        source_id=str(charge.pk),
        idempotency_key=f"charge-self-pay-{charge.pk}",
    )
    return journal.pk


def _create_claim(
    *, charges: list[ChargeLine], coverage: Coverage, responsibility: int, actor: Any,
    encounter: Encounter, prior_claim: Claim | None = None,
) -> tuple[Claim, list[ClaimLine]]:  # fmt: skip
    first = charges[0]
    diagnoses = _claim_diagnoses(encounter, charges)
    day = first.date_of_service
    auth = _authorization(
        encounter.patient_id, coverage.payer_id, day, {c.procedure_code.code for c in charges}
    )
    referral = _referral(encounter)
    now = timezone.now()
    claim = Claim.objects.create(
        patient_id=encounter.patient_id,
        encounter=encounter,
        payer_id=coverage.payer_id,
        coverage=coverage,
        responsibility=responsibility,
        patient_control_number=new_patient_control_number(),
        total_billed=sum((c.billed_amount for c in charges), Decimal("0.00")),
        status=ClaimStatus.DRAFT,
        status_changed_at=now,
        prior_claim=prior_claim,
        prior_authorization=auth,
        prior_authorization_number=auth.auth_number if auth else "",
        referral=referral,
        referral_number=referral.authorization.auth_number
        if referral and referral.authorization and referral.authorization != auth
        else "",
        rendering_provider_id=first.rendering_provider_id,
        location_id=first.location_id,
        billing_npi=first.billing_npi,
        billing_tax_id=first.billing_tax_id,
        place_of_service=first.place_of_service,
        service_date_from=min(c.date_of_service for c in charges),
        service_date_to=max(c.date_of_service for c in charges),
        diagnosis_codes=diagnoses,
        created_by=actor,
    )
    lines = []
    for row in _line_rows(charges, diagnoses):
        control = f"{claim.patient_control_number}-{row['line_number']}"
        lines.append(ClaimLine.objects.create(claim=claim, line_control_number=control, **row))
    ClaimStatusChange.objects.create(
        claim=claim, from_status="", to_status=ClaimStatus.DRAFT, at=now, actor=actor,
        reason="Built from the encounter's charges" if prior_claim is None
        else f"Built after claim {prior_claim.patient_control_number} was adjudicated",
    )  # fmt: skip
    return claim, lines


def _check_billing_provider(charges: list[ChargeLine]) -> None:
    if len({(c.billing_npi, c.billing_tax_id) for c in charges}) > 1:
        raise ValidationError(
            "These charges have different billing providers (NPI or tax id): void and capture "
            "them again so one claim carries one billing provider."
        )
    if len(charges) > MAX_LINES:
        raise ValidationError(f"A claim carries at most {MAX_LINES} lines.")


def claims_build_for_encounter(*, encounter: Encounter, actor: Any) -> BuildResult:
    """Bill the encounter's open charges: a primary claim to the coverage active on the date of
    service, or (without coverage) the patient, with the ledger postings in the same
    transaction."""
    from medoffice.claims.selectors import coverages_on

    check_claims_edit(actor, encounter.patient_id, f"encounter {encounter.pk}")
    encounter = Encounter.objects.select_related("patient").get(pk=encounter.pk)
    with transaction.atomic():
        # Claiming the charges first (conditional on their being open) makes two builds at
        # once bill each charge once: the second finds none left.
        charges = list(
            ChargeLine.objects.filter(encounter=encounter, status=ChargeStatus.OPEN)
            .select_related("procedure_code")
            .order_by("pk")
        )
        if not charges:
            raise ValidationError("The encounter has no charges waiting to be billed.")
        _check_billing_provider(charges)
        coverages = coverages_on(encounter.patient_id, charges[0].date_of_service)
        new_status = ChargeStatus.BILLED if coverages else ChargeStatus.PATIENT
        taken = ChargeLine.objects.filter(
            pk__in=[c.pk for c in charges], status=ChargeStatus.OPEN
        ).update(status=new_status, updated_at=timezone.now())
        if taken != len(charges):
            raise ValidationError(
                "These charges were billed meanwhile: look at the encounter again."
            )
        if not coverages:
            for charge in charges:
                charge.status = ChargeStatus.PATIENT
                charge.journal_id = _post_self_pay(charge, actor)
                ChargeLine.objects.filter(pk=charge.pk).update(journal_id=charge.journal_id)
            audit(
                actor=actor, action="update", object_type="charge",
                object_id=",".join(str(c.pk) for c in charges), patient_id=encounter.patient_id,
                details={"self_pay": True, "encounter": encounter.pk,
                         "total": str(sum((c.billed_amount for c in charges), Decimal("0.00")))},
            )  # fmt: skip
            return BuildResult(claim=None, self_pay=charges)
        coverage = coverages[0]
        # The first plan active on the day pays first, whatever its rank on file (a secondary
        # whose primary ended is billed as primary: there is no earlier payer's answer to send).
        claim, lines = _create_claim(
            charges=charges, coverage=coverage, responsibility=Responsibility.PRIMARY,
            actor=actor, encounter=encounter,
        )  # fmt: skip
        claim.charge_journal_id = _post_claim_charges(claim, lines, actor)
        Claim.objects.filter(pk=claim.pk).update(charge_journal_id=claim.charge_journal_id)
        audit(
            actor=actor, action="create", object_type="claim", object_id=claim.pk,
            patient_id=claim.patient_id,
            details={"pcn": claim.patient_control_number, "payer": coverage.payer_id,
                     "lines": len(lines), "total": str(claim.total_billed)},
        )  # fmt: skip
    return BuildResult(claim=claim, self_pay=[])


def claim_build_secondary(*, claim: Claim, actor: Any) -> Claim:
    """After the payer adjudicated `claim`, bill the next coverage active on the date of
    service, carrying each line's adjudication (COB)."""
    from medoffice.claims.selectors import next_coverage

    check_claims_edit(actor, claim.patient_id, claim.pk)
    claim = Claim.objects.select_related("encounter").get(pk=claim.pk)
    if claim.status not in ADJUDICATED:
        raise ValidationError(
            "The payer has not adjudicated this claim yet (paid, partially paid or denied)."
        )
    if claim.responsibility >= Responsibility.TERTIARY:
        raise ValidationError("There is no payer after the tertiary.")
    coverage = next_coverage(claim)
    if coverage is None:
        raise ValidationError("The patient has no further coverage active on the date of service.")
    lines = list(claim.lines.select_related("charge_line__procedure_code").order_by("line_number"))
    missing = [
        ln.line_number
        for ln in lines
        if not ln.adjudications.filter(payer_id=claim.payer_id).exists()
    ]
    if missing:
        raise ValidationError(
            f"Lines {', '.join(map(str, missing))} have no adjudication from {claim.payer}: "
            "post the remittance first."
        )
    with transaction.atomic():
        if Claim.objects.filter(prior_claim=claim).exclude(status=ClaimStatus.CLOSED).exists():
            raise ValidationError("A claim to the next payer was already built.")
        charges = [ln.charge_line for ln in lines]
        secondary, new_lines = _create_claim(
            charges=charges, coverage=coverage, responsibility=claim.responsibility + 1,
            actor=actor, encounter=claim.encounter, prior_claim=claim,
        )  # fmt: skip
        for old, new in zip(lines, new_lines, strict=True):
            ClaimLine.objects.filter(pk=new.pk).update(prior_line=old)
        audit(
            actor=actor, action="create", object_type="claim", object_id=secondary.pk,
            patient_id=claim.patient_id,
            details={"pcn": secondary.patient_control_number, "after": claim.pk,
                     "payer": coverage.payer_id, "responsibility": secondary.responsibility},
        )  # fmt: skip
    return secondary


def claim_transition(
    *, claim: Claim, to: str, actor: Any, reason: str = "", detail: dict[str, Any] | None = None,
    payer_claim_number: str = "",
) -> Claim:  # fmt: skip
    """Move a claim one step, from the status it was read with. Illegal moves and moves
    overtaken by another change are refused and change nothing."""
    check_claims_edit(actor, claim.patient_id, claim.pk)
    if to not in ClaimStatus.values:
        raise ValidationError({"to": f"{to!r} is not a claim status."})
    seen = claim.status
    if to not in TRANSITIONS.get(seen, ()):
        allowed = ", ".join(ClaimStatus(s).label.lower() for s in TRANSITIONS.get(seen, ()))
        raise ValidationError(
            {"to": f"A {ClaimStatus(seen).label.lower()} claim cannot become "
                   f"{ClaimStatus(to).label.lower()}" + (f" (only {allowed})." if allowed else ".")}
        )  # fmt: skip
    if to == ClaimStatus.READY and claim.findings.filter(severity="error").exists():
        # Ready means the scrubber found nothing to fix: a hand move must not skip it (a rule
        # that does not apply is switched off for the payer instead).
        raise ValidationError(
            {"to": "The last scrub found errors: fix them and scrub again, or switch the rule "
                   "off in the payer's scrubbing settings."}
        )  # fmt: skip
    reason = (reason or "").strip()[:300]
    if to in (ClaimStatus.REJECTED, ClaimStatus.DENIED, ClaimStatus.CLOSED) and not reason:
        raise ValidationError({"reason": "Say why (the payer's reason, or yours)."})
    now = timezone.now()
    fields: dict[str, Any] = {"status": to, "status_changed_at": now, "updated_at": now}
    if to == ClaimStatus.SUBMITTED:
        fields["submitted_at"] = now
    if payer_claim_number.strip():
        fields["payer_claim_number"] = payer_claim_number.strip()[:50]
    with transaction.atomic():
        if not Claim.objects.filter(Q(pk=claim.pk) & Q(status=seen)).update(**fields):
            raise ValidationError("This claim changed meanwhile: look at it again.")
        ClaimStatusChange.objects.create(
            claim_id=claim.pk, from_status=seen, to_status=to, at=now, actor=actor, reason=reason,
            detail=detail or {},
        )  # fmt: skip
        audit(
            actor=actor, action="update", object_type="claim", object_id=claim.pk,
            patient_id=claim.patient_id, details={"from": seen, "to": to}, reason=reason,
        )  # fmt: skip
    return Claim.objects.get(pk=claim.pk)


def claim_correct(*, claim: Claim, frequency: str, actor: Any, reason: str) -> Claim:
    """A replacement (7) or void (8) of a claim the payer accepted or adjudicated: a new draft
    claim with the same lines that names the original and its payer claim number."""
    check_claims_edit(actor, claim.patient_id, claim.pk)
    if frequency not in (FrequencyCode.REPLACEMENT, FrequencyCode.VOID):
        raise ValidationError({"frequency": "A correction replaces (7) or voids (8) a claim."})
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ValidationError({"reason": "Say why the claim is corrected."})
    claim = Claim.objects.select_related("encounter", "coverage").get(pk=claim.pk)
    if claim.status not in ADJUDICATED | {ClaimStatus.ACCEPTED, ClaimStatus.APPEALED}:
        raise ValidationError("Only a claim the payer accepted or adjudicated is corrected.")
    if not claim.payer_claim_number:
        raise ValidationError("Record the payer's claim number first: a correction names it.")
    lines = list(claim.lines.select_related("charge_line__procedure_code").order_by("line_number"))
    with transaction.atomic():
        correction, _ = _create_claim(
            charges=[ln.charge_line for ln in lines], coverage=claim.coverage,
            responsibility=claim.responsibility, actor=actor, encounter=claim.encounter,
            prior_claim=claim.prior_claim,
        )  # fmt: skip
        Claim.objects.filter(pk=correction.pk).update(
            frequency_code=frequency, original_claim=claim,
            original_reference=claim.payer_claim_number,
        )  # fmt: skip
        audit(
            actor=actor, action="create", object_type="claim", object_id=correction.pk,
            patient_id=claim.patient_id, reason=reason[:300],
            details={"corrects": claim.pk, "frequency": frequency},
        )  # fmt: skip
    return Claim.objects.get(pk=correction.pk)
