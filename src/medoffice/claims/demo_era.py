"""Demo claims sent and paid: claims older than two weeks go out in a weekly 837P batch per payer
(written by submission.mapping, recorded as SubmissionBatch; draft -> scrubbed -> ready ->
submitted, accepted the next day), and the payers answer with real 835 files (interop/x12/
remit835_writer.py), one per payer per week, posted through `era_import` at the payment date:
payment with CO-45 down to the contracted (expected) amount, PR deductible / coinsurance / copay
for the patient's share, about 6 % of lines denied (CARC 16, 18, 27, 50, 97, 197), and about
2 % of claims never answered (open A/R).

Every ERA of the history goes through `era_import` (about 2,000 lines a second), so the large
practice's three years of payments are posted exactly as a real file would be.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from medoffice.claims.models import Claim, ClaimLine, ClaimStatus, ClaimStatusChange
from medoffice.core.demo import DemoContext, clock_at
from medoffice.interop.x12 import remit835 as r
from medoffice.interop.x12.envelope import ControlNumbers, Envelope, Party, reserve_control_numbers
from medoffice.interop.x12.remit835_writer import Payee, PayerContact, write_835
from medoffice.scheduling.demo_insert import insert_objects

ZERO, CENT = Decimal("0.00"), Decimal("0.01")
DENIALS = [("16", "M51"), ("18", ""), ("27", ""), ("50", "N115"), ("97", "M15"), ("197", "")]
PAYS_AFTER = {"MB": 14, "MC": 24, "CH": 18}  # days from submission; others 20
PATH = [ClaimStatus.SCRUBBED, ClaimStatus.READY, ClaimStatus.SUBMITTED]
CLAIMS_PER_READ = 20_000  # SQLite refuses a statement with more than 250,000 (or 32,766) values


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _tuesday_after(day: date) -> date:
    return day + timedelta(days=(1 - day.weekday()) % 7 or 7)


def _submit(claims: list[Claim], payer: Any, day: date, biller: Any) -> None:
    """One batch: the 837P as the submission service writes it, the claims' moves recorded."""
    from medoffice.submission import mapping
    from medoffice.submission.models import SubmissionBatch, SubmissionBatchClaim
    from medoffice.submission.services import sha256_of

    sent, accepted = _at(day, 17), _at(day + timedelta(days=1), 8)
    with clock_at(sent):
        control = reserve_control_numbers()
        content = mapping.batch_837p(payer, claims, control, created=sent)
    file_name = f"837P_{payer.payer_id}_{sent:%Y%m%d}_{control.interchange:09d}.x12"
    batch = SubmissionBatch.objects.create(
        payer=payer, receiver_id=payer.payer_id, receiver_name=payer.name, file_name=file_name,
        interchange_control=control.interchange, group_control=control.group,
        transaction_control=control.transaction, claim_count=len(claims),
        total_billed=sum((c.total_billed for c in claims), ZERO), content=content,
        sha256=sha256_of(content), created_at=sent, created_by=biller, status="acknowledged",
        sent_at=sent, acknowledged_at=accepted,
    )  # fmt: skip
    SubmissionBatchClaim.objects.bulk_create(
        SubmissionBatchClaim(batch=batch, claim=c, patient_control_number=c.patient_control_number,
                             total_billed=c.total_billed)
        for c in claims
    )  # fmt: skip
    changes = []
    for claim in claims:
        seen = ClaimStatus.DRAFT
        for step in PATH:
            changes.append(dict(claim_id=claim.pk, from_status=seen, to_status=step, at=sent,
                                actor_id=biller.pk, reason=f"Sent in batch {file_name}"
                                if step == ClaimStatus.SUBMITTED else "Scrubbed clean"))  # fmt: skip
            seen = step
        changes.append(dict(claim_id=claim.pk, from_status=seen, to_status=ClaimStatus.ACCEPTED,
                            at=accepted, actor_id=biller.pk, reason="277CA accepted",
                            detail={"payer_claim_number": f"{payer.payer_id[:3]}{claim.pk:010d}"}))  # fmt: skip
    insert_objects(ClaimStatusChange, changes)
    for claim in claims:
        claim.status = ClaimStatus.ACCEPTED
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(
        status=ClaimStatus.ACCEPTED, status_changed_at=accepted, submitted_at=sent,
        first_scrub_clean=True, updated_at=accepted,
    )  # fmt: skip


def _line(
    rng: Any, claim: Claim, line: ClaimLine, deductible_left: Decimal
) -> tuple[r.ServicePayment, Decimal]:
    """What the payer decides on a line; returns it and the deductible it used."""
    kind = claim.payer.filing_indicator
    amount = line.amount
    if rng.random() < 0.06:
        reason, remark = rng.choice(DENIALS)
        adjustments = [r.Adjustment("CO", reason, amount)]
        return r.ServicePayment(
            procedure_qualifier="HC", procedure_code=line.procedure_code,
            modifiers=tuple(line.modifiers or ()), billed=amount, paid=ZERO,
            units=Decimal(line.units), service_date=line.date_of_service,
            line_control_number=line.line_control_number, adjustments=adjustments,
            remark_codes=[remark] if remark else [],
        ), ZERO  # fmt: skip
    expected = line.charge_line.expected_amount or _money(amount * Decimal("0.6"))
    allowed = min(amount, expected)
    adjustments = [r.Adjustment("CO", "45", amount - allowed)] if amount > allowed else []
    left, used = allowed, ZERO
    if kind != "MC":  # Medicaid leaves nothing to the patient
        if deductible_left > 0:
            used = min(deductible_left, left)
            adjustments.append(r.Adjustment("PR", "1", used))
            left -= used
        if kind in {"HM", "BL"} and line.procedure_code.startswith("99") and left > 0:
            copay = min(left, Decimal(rng.choice([20, 25, 30, 40])))
            adjustments.append(r.Adjustment("PR", "3", copay))
            left -= copay
        elif left > 0:
            share = Decimal("0.20") if kind in {"MB", "CI"} else Decimal("0.10")
            coinsurance = _money(left * share)
            if coinsurance:
                adjustments.append(r.Adjustment("PR", "2", coinsurance))
                left -= coinsurance
    return r.ServicePayment(
        procedure_qualifier="HC", procedure_code=line.procedure_code,
        modifiers=tuple(line.modifiers or ()), billed=amount, paid=left,
        units=Decimal(line.units), service_date=line.date_of_service,
        line_control_number=line.line_control_number, adjustments=adjustments, allowed=allowed,
    ), used  # fmt: skip


def _payment(rng: Any, claim: Claim, deductible: dict[tuple[int, int], Decimal]) -> r.ClaimPayment:
    key = (claim.coverage_id, claim.service_date_from.year)
    payment = r.ClaimPayment(
        patient_control_number=claim.patient_control_number, status_code="1",
        billed=claim.total_billed, paid=ZERO, patient_responsibility=ZERO,
        filing_indicator=claim.payer.filing_indicator or "CI",
        payer_claim_number=f"{claim.payer.payer_id[:3]}{claim.pk:010d}",
        patient_name=f"{claim.patient.family_name} {claim.patient.given_name}",
        patient_member_id=claim.coverage.member_id, statement_start=claim.service_date_from,
        statement_end=claim.service_date_to,
    )  # fmt: skip
    for line in claim.lines.all():
        service, used = _line(rng, claim, line, deductible[key])
        deductible[key] -= used
        payment.services.append(service)
        payment.paid += service.paid
        payment.patient_responsibility += sum(
            (a.amount for a in service.adjustments if a.group == "PR"), ZERO
        )
    if payment.paid == 0 and payment.patient_responsibility == 0:
        payment.status_code = "4"  # denied
    return payment


def _era(payer: Any, day: date, payments: list[r.ClaimPayment], payee: Payee) -> str:
    remittance = r.Remittance(
        control_number="0001", payment_amount=sum((p.paid for p in payments), ZERO),
        credit_debit="C", payment_method="ACH", payment_date=day,
        trace_number=f"{payer.payer_id[:5]}{day:%Y%m%d}", payer_trace_id="1" + payer.payer_id[:9].rjust(9, "0"),
        production_date=day - timedelta(days=1), payer_name=payer.name, payer_id=payer.payer_id,
        claims=payments,
    )  # fmt: skip
    contact = PayerContact(payer.address_line1 or "1 PAYER WAY", payer.city or "ALBANY",
                           payer.state or "NY", payer.postal_code or "12207", "8005551212")  # fmt: skip
    envelope = Envelope(sender=Party(payer.payer_id[:15]), receiver=Party("MEDOFFICE"),
                        created=_at(day, 6))  # fmt: skip
    number = int(day.strftime("%y%j")) * 100 + payer.pk % 100
    return write_835([(remittance, contact)], payee, envelope, ControlNumbers(number, number, 1))


def submit_and_pay(ctx: DemoContext) -> str:
    from medoffice.organization.models import Practice
    from medoffice.remittance.services import era_import

    rng, biller = ctx.rng, ctx.shared["users"]["biller"]
    today = timezone.localdate()
    ids = list(
        Claim.objects.filter(status=ClaimStatus.DRAFT, service_date_from__lt=today - timedelta(days=14))
        .order_by("pk").values_list("pk", flat=True)
    )  # fmt: skip
    claims: list[Claim] = []
    for start in range(0, len(ids), CLAIMS_PER_READ):  # a prefetch's IN list has a size limit
        claims.extend(
            Claim.objects.filter(pk__in=ids[start : start + CLAIMS_PER_READ])
            .select_related("payer", "patient", "coverage")
            .prefetch_related(Prefetch("lines", ClaimLine.objects.select_related("charge_line").order_by("line_number")))
            .order_by("pk")
        )  # fmt: skip
    batches: dict[tuple[date, int], list[Claim]] = defaultdict(list)
    for claim in claims:
        day = _tuesday_after(claim.service_date_from + timedelta(days=2))
        if day < today:
            batches[(day, claim.payer_id)].append(claim)
    for (day, _), group in ctx.progress(sorted(batches.items(), key=lambda kv: kv[0]), desc="837P"):
        _submit(group, group[0].payer, day, biller)
    practice = Practice.objects.order_by("pk").first()
    payee = Payee(practice.legal_name or practice.name, practice.group_npi, practice.tax_id)
    deductible: dict[tuple[int, int], Decimal] = defaultdict(
        lambda: Decimal(rng.choice([0, 0, 250, 500, 1000]))
    )
    eras: dict[tuple[date, int], list[tuple[Claim, r.ClaimPayment]]] = defaultdict(list)
    unanswered = 0
    for (sent, _), group in sorted(batches.items(), key=lambda kv: kv[0]):
        for claim in group:
            if rng.random() < 0.02:
                unanswered += 1
                continue
            wait = PAYS_AFTER.get(claim.payer.filing_indicator, 20) + rng.randrange(0, 5)
            paid_on = sent + timedelta(days=wait)
            paid_on += timedelta(days=(4 - paid_on.weekday()) % 7)  # payers pay on Fridays
            if paid_on < today:
                eras[(paid_on, claim.payer_id)].append((claim, _payment(rng, claim, deductible)))
    folder = Path(settings.VAR_DIR) / "demo-eras"
    posted = lines = 0
    paid = ZERO
    for (day, _), items in ctx.progress(sorted(eras.items(), key=lambda kv: kv[0]), desc="ERAs"):
        payer = items[0][0].payer
        text = _era(payer, day, [p for _, p in items], payee)
        name = f"era-{payer.payer_id}-{day:%Y%m%d}.835"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)  # kept for trying the ERA upload page
        with clock_at(_at(day, 10)):
            result = era_import(name=name, content=text.encode(), actor=biller)
        if result.error:
            raise RuntimeError(f"Demo ERA {day} {payer.name} not posted: {result.error}")
        posted, lines, paid = (
            posted + result.claims_posted,
            lines + result.lines_posted,
            paid + result.paid,
        )
    summary = (
        f"{len(batches)} weekly 837P batches ({sum(len(g) for g in batches.values())} claims "
        f"submitted and accepted), {posted} claims / {lines} lines paid through era_import "
        f"(${paid}; the 835 files in {folder}), {unanswered} claims never answered"
    )
    return summary
