"""Every write of the remittance app: importing an ERA, resolving unmatched claims, working
denials. Each service authorizes first, then runs in one transaction with its audit entry."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.billing.ledger import Account, JournalSpec, LedgerError, Posting, post_journals
from medoffice.claims.models import Claim
from medoffice.core.access import can, deny, own_only
from medoffice.core.fastinsert import update_rows
from medoffice.core.gcpause import collector_paused
from medoffice.core.permissions import Capability, Need
from medoffice.interop.x12.remit835 import ClaimPayment, read_835
from medoffice.interop.x12.remit835 import Remittance as ParsedRemittance
from medoffice.interop.x12.segments import X12Error
from medoffice.patients.models import Payer
from medoffice.remittance import bulk, posting
from medoffice.remittance.models import (
    DenialWork,
    FileStatus,
    ItemStatus,
    Remittance,
    RemittanceClaim,
    RemittanceFile,
    RemittanceLine,
    WorkStatus,
)

B = Capability.BILLING
ZERO = Decimal("0.00")


def check_billing_office(actor: Any, need: Need = Need.VIEW) -> None:
    """ERAs are the billing office's: clinicians' own-records billing access does not reach a
    payer's remittance, which covers many patients."""
    if not can(actor, B, need) or own_only(actor, B, need):
        raise deny(actor, "ERAs and denials are for the billing office.", capability=B)


@dataclass
class ImportResult:
    file: RemittanceFile
    claims_posted: int = 0
    lines_posted: int = 0
    claims_unmatched: int = 0
    paid: Decimal = ZERO
    unapplied: Decimal = ZERO
    already_imported: int = 0
    remittances: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def error(self) -> str:
        return self.file.error

    def __str__(self) -> str:
        if self.file.status == FileStatus.REJECTED:
            return f"rejected: {self.error} (nothing posted)"
        if self.file.status == FileStatus.DUPLICATE:
            return "already imported (nothing posted)"
        text = (
            f"posted {self.claims_posted} claims / {self.lines_posted} lines, "
            f"paid ${self.paid}, unmatched {self.claims_unmatched}"
        )
        if self.unapplied:
            text += f" (${self.unapplied} unapplied)"
        if self.already_imported:
            text += f", {self.already_imported} remittance(s) already imported"
        return text


def payer_key(parsed: ParsedRemittance) -> str:
    return (parsed.payer_id or parsed.payer_name or "unknown").strip()[:80]


def find_payer(parsed: ParsedRemittance) -> Payer | None:
    for key in (parsed.payer_id, parsed.payer_trace_id):
        if key:
            found = Payer.objects.filter(payer_id=key).order_by("pk").first()
            if found is not None:
                return found
    if parsed.payer_name:
        return Payer.objects.filter(name__iexact=parsed.payer_name).order_by("pk").first()
    return None


def era_import(*, name: str, content: bytes, actor: Any) -> ImportResult:
    """Import one 835 file: every remittance in it is posted in one transaction, or nothing is.
    A file that cannot be read is kept as rejected with the reader's message; a remittance
    already imported (same payer, check/EFT number and amount) is skipped."""
    check_billing_office(actor, Need.EDIT)
    name = (name or "era.835").strip()[:255]
    digest = hashlib.sha256(content).hexdigest()
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with collector_paused():
            parsed = read_835(content.decode("utf-8-sig"))
    except (X12Error, UnicodeDecodeError) as exc:
        message = str(exc) if isinstance(exc, X12Error) else f"not a text file ({exc.reason})"
        with transaction.atomic():
            rejected = RemittanceFile.objects.create(
                name=name, sha256=digest, uploaded_by=user, status=FileStatus.REJECTED,
                error=message[:2000],
            )  # fmt: skip
            audit_record(action="create", actor=actor, object_type="remittance_file",
                         object_id=rejected.pk, outcome="failure",
                         details={"name": name, "error": message[:300]})  # fmt: skip
        return ImportResult(file=rejected)
    try:
        with collector_paused(), transaction.atomic():
            return _import(parsed, name=name, digest=digest, user=user, actor=actor)
    except (LedgerError, ValidationError) as exc:
        message = "; ".join(exc.messages)
        with transaction.atomic():
            rejected = RemittanceFile.objects.create(
                name=name, sha256=digest, uploaded_by=user, status=FileStatus.REJECTED,
                error=f"Not posted: {message}"[:2000],
            )  # fmt: skip
            audit_record(action="create", actor=actor, object_type="remittance_file",
                         object_id=rejected.pk, outcome="failure",
                         details={"name": name, "error": message[:300]})  # fmt: skip
        return ImportResult(file=rejected)


def _import(parsed: list[ParsedRemittance], *, name: str, digest: str, user: Any,
            actor: Any) -> ImportResult:  # fmt: skip
    file = RemittanceFile.objects.create(
        name=name, sha256=digest, uploaded_by=user, status=FileStatus.POSTED
    )
    result = ImportResult(file=file, remittances=len(parsed))
    for item in parsed:
        key = payer_key(item)
        amount = item.payment_amount if item.credit_debit != "D" else -item.payment_amount
        if Remittance.objects.filter(
            payer_key=key, trace_number=item.trace_number[:50], amount=amount
        ).exists():
            result.already_imported += 1
            continue
        payer = find_payer(item)
        try:
            with transaction.atomic():
                remittance = Remittance.objects.create(
                    file=file, payer=payer, payer_key=key, payer_name=item.payer_name[:200],
                    trace_number=item.trace_number[:50], amount=amount,
                    payment_date=item.payment_date, method=item.payment_method[:3],
                    control_number=item.control_number[:9],
                )  # fmt: skip
        except IntegrityError:  # imported by someone else at the same moment
            result.already_imported += 1
            continue
        _post_remittance(remittance, item, payer, actor, result)
    if result.already_imported == len(parsed):
        file.status = FileStatus.DUPLICATE
    elif result.claims_unmatched:
        file.status = FileStatus.UNMATCHED
    file.claims_posted, file.lines_posted = result.claims_posted, result.lines_posted
    file.claims_unmatched = result.claims_unmatched
    file.amount_paid, file.amount_unapplied = result.paid, result.unapplied
    file.save()
    audit_record(
        action="create", actor=actor, object_type="remittance_file", object_id=file.pk,
        details={"name": name, "status": file.status, "claims_posted": result.claims_posted,
                 "unmatched": result.claims_unmatched, "paid": str(result.paid),
                 "already_imported": result.already_imported},
    )  # fmt: skip
    return result


def _post_remittance(remittance: Remittance, item: ParsedRemittance, payer: Payer | None,
                     actor: Any, result: ImportResult) -> None:  # fmt: skip
    day = item.payment_date or item.production_date or timezone.localdate()
    payer_id = payer.pk if payer else None
    fees = bulk.Fees()
    for segment in bulk.segments(item.claims):
        for posted in bulk.post_segment(segment, remittance=remittance, payer_id=payer_id,
                                        actor=actor, day=day, fees=fees):  # fmt: skip
            if posted.unmatched:
                result.claims_unmatched += 1
                result.unapplied += posted.payment.paid
                continue
            result.claims_posted += 1
            result.lines_posted += posted.outcome.lines_posted
            result.paid += posted.payment.paid
            result.notes.extend(posted.outcome.notes)
    plbs = [p for p in item.provider_adjustments if p.amount != 0]
    # PLB: money withheld (+) or added (-) outside any claim; it waits in unapplied.
    journals = post_journals(
        [JournalSpec(
            kind="adjustment",
            postings=[Posting(account=Account.CASH, amount=-plb.amount, payer_id=payer_id),
                      Posting(account=Account.UNAPPLIED, amount=plb.amount, payer_id=payer_id)],
            effective_date=timezone.localdate(),
            memo=f"ERA {remittance.trace_number} PLB {plb.reason} {plb.reference}",
            source="era", source_id=f"remittance-{remittance.pk}",
        ) for plb in plbs],
        actor,
    )  # fmt: skip
    for plb, journal in zip(plbs, journals, strict=True):
        result.notes.append(f"Provider adjustment {plb.reason} {plb.amount} (journal {journal})")


def _post_claim(rc: RemittanceClaim, payment: ClaimPayment, rows: list[RemittanceLine],
                actor: Any, day: date, claim: Claim, money_from: str) -> posting.ClaimOutcome:  # fmt: skip
    """One claim posted as an import would post it (rows saved already); raises Unmatched."""
    if payment.is_reversal:
        outcome = posting.reverse_claim(rc=rc, claim=claim, actor=actor)
        rc.claim, rc.patient_id = claim, claim.patient_id
        rc.status = ItemStatus.POSTED if money_from == Account.CASH else ItemStatus.RESOLVED
        rc.notes, rc.journal_ids = outcome.notes, outcome.journal_ids
        rc.save(update_fields=["claim", "patient", "status", "notes", "journal_ids"])
        return outcome
    item = bulk.Item(rc=rc, payment=payment, rows=rows)
    lines = list(claim.lines.order_by("line_number"))
    for line in lines:
        line.claim = claim
    bulk.match(item, claim, lines)
    if item.unmatched:
        raise posting.Unmatched(item.unmatched)
    bulk.price([item], bulk.Fees())
    update_rows(RemittanceLine, ["claim_line", "expected", "underpaid"], rows)
    bulk.write_matched([item], actor=actor, day=day, reference=f"era-{rc.remittance_id}",
                       trace=rc.remittance.trace_number, money_from=money_from)  # fmt: skip
    return item.outcome


def _as_payment(rc: RemittanceClaim) -> ClaimPayment:
    """The stored claim back as the reader's dataclass, to post it as an import would."""
    from medoffice.interop.x12.remit835 import Adjustment, ServicePayment

    def adjustments(qs: Any) -> list[Adjustment]:
        return [Adjustment(a.group, a.reason, a.amount) for a in qs]

    payment = ClaimPayment(
        patient_control_number=rc.patient_control_number, status_code=rc.status_code,
        billed=rc.billed, paid=rc.paid, patient_responsibility=rc.patient_responsibility,
        filing_indicator="", payer_claim_number=rc.payer_claim_number,
        remark_codes=list(rc.remark_codes),
        adjustments=adjustments(rc.adjustments.filter(line__isnull=True)),
    )  # fmt: skip
    for row in rc.lines.order_by("pk"):
        payment.services.append(
            ServicePayment(
                procedure_qualifier="HC",
                procedure_code=row.procedure_code,
                modifiers=tuple(row.modifiers),
                billed=row.billed,
                paid=row.paid,
                units=None,
                service_date=row.service_date,
                line_control_number=row.line_control_number,
                adjustments=adjustments(row.adjustments.all()),
                remark_codes=row.remark_codes,
                allowed=row.allowed,
            )
        )
    return payment


def unmatched_resolve(*, remittance_claim_id: int, claim_id: int, actor: Any) -> RemittanceClaim:
    """Post an unmatched claim to the claim the biller picked: the money moves from unapplied
    to the claim exactly as an import would have posted it."""
    check_billing_office(actor, Need.EDIT)
    with transaction.atomic():
        rc = RemittanceClaim.objects.select_related("remittance").get(pk=remittance_claim_id)
        if rc.status != ItemStatus.UNMATCHED:
            raise ValidationError("This claim is no longer waiting in the unmatched queue.")
        claim = Claim.objects.filter(pk=claim_id).first()
        if claim is None:
            raise ValidationError({"claim": "No such claim."})
        if not RemittanceClaim.objects.filter(pk=rc.pk, status=ItemStatus.UNMATCHED).update(
            resolved_by=actor, resolved_at=timezone.now()
        ):
            raise ValidationError("This claim changed meanwhile: look at it again.")
        rows = list(rc.lines.order_by("pk"))
        day = rc.remittance.payment_date or timezone.localdate()
        try:
            _post_claim(rc, _as_payment(rc), rows, actor, day, claim=claim,
                        money_from=Account.UNAPPLIED)  # fmt: skip
        except posting.Unmatched as exc:
            raise ValidationError({"claim": str(exc)}) from None
        audit_record(
            action="update", actor=actor, object_type="remittance_claim", object_id=rc.pk,
            patient_id=claim.patient_id, details={"resolved_to_claim": claim.pk},
        )  # fmt: skip
    return RemittanceClaim.objects.get(pk=rc.pk)


def unmatched_not_ours(*, remittance_claim_id: int, actor: Any, reason: str) -> RemittanceClaim:
    """Mark an unmatched claim as not this practice's: its money stays in unapplied (to be
    returned to the payer), and it leaves the queue."""
    check_billing_office(actor, Need.EDIT)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ValidationError({"reason": "Say why the claim is not ours."})
    with transaction.atomic():
        now = timezone.now()
        if not RemittanceClaim.objects.filter(
            pk=remittance_claim_id, status=ItemStatus.UNMATCHED
        ).update(status=ItemStatus.NOT_OURS, resolved_by=actor, resolved_at=now,
                 unmatched_reason=reason[:300]):  # fmt: skip
            raise ValidationError("This claim is no longer waiting in the unmatched queue.")
        audit_record(action="update", actor=actor, object_type="remittance_claim",
                     object_id=remittance_claim_id, details={"not_ours": reason[:300]})  # fmt: skip
    return RemittanceClaim.objects.get(pk=remittance_claim_id)


def denial_work_update(
    *, work_id: int, actor: Any, owner_id: int | None, due_date: date, status: str, note: str = ""
) -> DenialWork:
    """Assign a denied line, set its due date, or mark it done."""
    check_billing_office(actor, Need.EDIT)
    if status not in WorkStatus.values:
        raise ValidationError({"status": "Open or done."})
    with transaction.atomic():
        work = DenialWork.objects.select_related("line__remittance_claim").get(pk=work_id)
        DenialWork.objects.filter(pk=work.pk).update(
            owner_id=owner_id, due_date=due_date, status=status, note=(note or "").strip()[:300]
        )
        audit_record(
            action="update", actor=actor, object_type="denial_work", object_id=work.pk,
            patient_id=work.line.remittance_claim.patient_id,
            details={"owner": owner_id, "due": due_date.isoformat(), "status": status},
        )  # fmt: skip
    return DenialWork.objects.get(pk=work.pk)
