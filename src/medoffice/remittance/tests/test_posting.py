"""ERA posting on claims built with the claims services: payment, CO, PR, other adjustments,
underpayments, denials, reversals, the unmatched queue, re-import and rejected files."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.billing.models import Journal, Posting
from medoffice.billing.selectors import balance, claim_balance, ledger_reconcile, patient_balance
from medoffice.claims.models import ClaimLineAdjudication, ClaimStatus
from medoffice.remittance.models import (
    DenialWork,
    FileStatus,
    ItemStatus,
    RemittanceClaim,
    RemittanceFile,
)
from medoffice.remittance.services import era_import
from medoffice.remittance.tests.conftest import clp, era, svc

D = Decimal


def paid_era(claim, *, paid1="76", co1="55", trace="EFT1001") -> bytes:
    pcn = claim.patient_control_number
    pay = D(paid1) + D("10")
    return era(
        clp(pcn, "1", "168", str(pay), "19",
            svc("99213", "150", paid1, f"CO*45*{co1}", "PR*2*19", control=f"{pcn}-1",
                modifiers="25"),
            svc("36415", "18", "10", "CO*45*8", control=f"{pcn}-2")),
        total=str(pay), trace=trace,
    )  # fmt: skip


def test_payment_co_and_pr_post_and_the_ledger_balances(claim, biller, patient):
    result = era_import(name="empire.835", content=paid_era(claim), actor=biller)
    assert (result.claims_posted, result.lines_posted, result.claims_unmatched) == (1, 2, 0)
    assert result.paid == D("86.00") and result.file.status == FileStatus.POSTED
    assert claim_balance(claim.pk) == D("0.00")  # 168 - 86 paid - 63 CO - 19 PR
    assert patient_balance(patient.pk) == D("19.00")
    assert balance(account="cash", claim_id=claim.pk) == D("86.00")
    assert balance(account="contractual_adjustment", claim_id=claim.pk) == D("63.00")
    line1 = claim.lines.get(line_number=1)
    assert balance(account="ar_payer", claim_line_id=line1.pk) == D("0.00")
    assert ledger_reconcile().ok
    (journal,) = Journal.objects.filter(source="era")  # payment, CO and PR in one
    assert journal.kind == "remittance"
    assert journal.effective_date == timezone.localdate()  # the batch's day
    rc = RemittanceClaim.objects.get()
    assert journal.source_id == f"remclaim-{rc.pk}" and rc.journal_ids == [journal.pk]
    line2 = claim.lines.get(line_number=2)
    assert sorted((p.account, p.amount, p.claim_line_id) for p in journal.postings.all()) == [
        ("ar_patient", D("19.00"), line1.pk),
        ("ar_payer", D("-150.00"), line1.pk), ("ar_payer", D("-18.00"), line2.pk),
        ("cash", D("10.00"), line2.pk), ("cash", D("76.00"), line1.pk),
        ("contractual_adjustment", D("8.00"), line2.pk),
        ("contractual_adjustment", D("55.00"), line1.pk),
    ]  # fmt: skip
    assert rc.status == ItemStatus.POSTED and rc.claim == claim and rc.patient == patient
    claim.refresh_from_db()
    assert (
        claim.status == ClaimStatus.PAID
        and claim.payer_claim_number == f"PAYER{claim.patient_control_number}"
    )
    adjudication = ClaimLineAdjudication.objects.get(claim_line=line1)
    assert adjudication.paid_amount == D("76.00")
    assert adjudication.adjustments == [
        {"group": "CO", "reason": "45", "amount": "55.00"},
        {"group": "PR", "reason": "2", "amount": "19.00"},
    ]
    assert not rc.lines.filter(underpaid=True).exists()


def test_one_audit_entry_per_patient_says_what_the_era_did(claim, biller, patient):
    claim.refresh_from_db()
    seen = claim.status
    before = AuditEvent.objects.count()
    result = era_import(name="empire.835", content=paid_era(claim), actor=biller)
    entries = AuditEvent.objects.filter(seq__gt=before).order_by("seq")
    for_patient = [e for e in entries if e.patient_id == patient.pk]
    assert len(for_patient) == 1  # not one per status move, journal and adjudication
    (entry,) = for_patient
    assert (entry.object_type, entry.action, entry.reason) == ("claim", "update", "ERA posting")
    (done,) = entry.details["claims"]
    assert done["claim"] == claim.pk and (done["from"], done["to"]) == (seen, "paid")
    assert done["lines"] == 2 and done["paid"] == "86.00"
    assert sorted(done["journals"]) == sorted(
        Journal.objects.filter(source="era").values_list("pk", flat=True)
    )
    assert entries.filter(object_type="remittance_file", object_id=str(result.file.pk)).exists()
    history = list(
        claim.status_changes.filter(reason__startswith="ERA").values_list(
            "from_status", "to_status"
        )
    )
    assert seen == "submitted" and history == [("submitted", "accepted"), ("accepted", "paid")]


def test_a_lines_deductible_and_coinsurance_move_to_the_patient_as_one_posting(claim, biller):
    pcn = claim.patient_control_number
    content = era(
        clp(pcn, "1", "168", "51", "44",
            svc("99213", "150", "51", "CO*45*55", "PR*1*25", "PR*2*19", control=f"{pcn}-1",
                modifiers="25"),
            svc("36415", "18", "0", "CO*45*18", control=f"{pcn}-2")),
        total="51",
    )  # fmt: skip
    era_import(name="ded.835", content=content, actor=biller)
    journal = Journal.objects.get(source="era", kind="remittance")
    line1 = claim.lines.get(line_number=1)
    assert sorted(
        (p.account, p.amount) for p in journal.postings.all() if p.claim_line_id == line1.pk
    ) == [
        ("ar_patient", D("44.00")), ("ar_payer", D("-150.00")), ("cash", D("51.00")),
        ("contractual_adjustment", D("55.00")),
    ]  # fmt: skip
    assert claim_balance(claim.pk) == D("0.00") and ledger_reconcile().ok


def test_reimport_posts_nothing(claim, biller):
    era_import(name="a.835", content=paid_era(claim), actor=biller)
    postings = Posting.objects.count()
    again = era_import(name="a-again.835", content=paid_era(claim), actor=biller)
    assert again.file.status == FileStatus.DUPLICATE and again.already_imported == 1
    assert str(again) == "already imported (nothing posted)"
    assert Posting.objects.count() == postings
    assert RemittanceClaim.objects.count() == 1


def test_underpayment_is_flagged(claim, biller):
    era_import(name="u.835", content=paid_era(claim, paid1="70", co1="61"), actor=biller)
    line = RemittanceClaim.objects.get().lines.get(procedure_code="99213")
    assert line.expected == D("95.00") and line.underpaid
    assert claim_balance(claim.pk) == D("0.00")
    assert ledger_reconcile().ok


def test_denial_lands_on_the_worklist_and_the_claim_is_denied(claim, biller):
    pcn = claim.patient_control_number
    content = era(
        clp(pcn, "4", "168", "0", "0",
            svc("99213", "150", "0", "CO*197*150", control=f"{pcn}-1", modifiers="25"),
            svc("36415", "18", "0", "CO*16*18", control=f"{pcn}-2"), moa="N130"),
        total="0", trace="CHK0",
    )  # fmt: skip
    result = era_import(name="denied.835", content=content, actor=biller)
    assert result.claims_posted == 1
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DENIED
    works = {w.line.procedure_code: w.action for w in DenialWork.objects.select_related("line")}
    assert works == {"99213": "appeal", "36415": "correct"}
    assert claim_balance(claim.pk) == D("0.00")  # all written to other accounts for now
    assert balance(account="contractual_adjustment", claim_id=claim.pk) == D("168.00")
    assert ledger_reconcile().ok


def test_partial_denial_makes_the_claim_partially_paid(claim, biller):
    pcn = claim.patient_control_number
    content = era(
        clp(pcn, "1", "168", "76", "19",
            svc("99213", "150", "76", "CO*45*55", "PR*2*19", control=f"{pcn}-1", modifiers="25"),
            svc("36415", "18", "0", "CO*97*18", control=f"{pcn}-2")),
        total="76",
    )  # fmt: skip
    era_import(name="p.835", content=content, actor=biller)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PARTIALLY_PAID
    assert DenialWork.objects.get().action == "write_off"


def test_lines_match_by_code_and_date_without_control_numbers(claim, biller):
    pcn = claim.patient_control_number
    content = era(
        clp(pcn, "1", "168", "86", "19",
            svc("36415", "18", "10", "CO*45*8"),
            svc("99213", "150", "76", "CO*45*55", "PR*2*19", modifiers="25")),
        total="86",
    )  # fmt: skip
    result = era_import(name="m.835", content=content, actor=biller)
    assert result.lines_posted == 2
    line2 = claim.lines.get(line_number=2)
    assert balance(account="cash", claim_line_id=line2.pk) == D("10.00")


def test_unknown_claim_goes_to_the_unmatched_queue_with_the_money_unapplied(claim, biller):
    content = era(
        clp("NOSUCHPCN", "1", "100", "40", "0", svc("99213", "100", "40", "CO*45*60")),
        total="40",
    )  # fmt: skip
    before = claim_balance(claim.pk)
    result = era_import(name="x.835", content=content, actor=biller)
    assert result.claims_unmatched == 1 and result.file.status == FileStatus.UNMATCHED
    assert result.unapplied == D("40.00")
    rc = RemittanceClaim.objects.get()
    assert rc.status == ItemStatus.UNMATCHED and "NOSUCHPCN" in rc.unmatched_reason
    assert Posting.objects.filter(journal__source="era", claim_id__isnull=False).count() == 0
    assert balance(account="unapplied", payer_id=claim.payer_id) == D("-40.00")
    assert claim_balance(claim.pk) == before


def test_a_line_that_matches_nothing_leaves_the_whole_claim_unmatched(claim, biller):
    pcn = claim.patient_control_number
    content = era(
        clp(pcn, "1", "168", "86", "0", svc("99214", "168", "86", "CO*45*82")), total="86"
    )
    era_import(name="y.835", content=content, actor=biller)
    assert RemittanceClaim.objects.get().status == ItemStatus.UNMATCHED
    assert claim_balance(claim.pk) == D("168.00")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_reversal_reverses_the_earlier_posting(claim, biller):
    era_import(name="a.835", content=paid_era(claim), actor=biller)
    pcn = claim.patient_control_number
    reversal = era(
        clp(pcn, "22", "-168", "-86", "-19",
            svc("99213", "-150", "-76", "CO*45*-55", "PR*2*-19", control=f"{pcn}-1",
                modifiers="25"),
            svc("36415", "-18", "-10", "CO*45*-8", control=f"{pcn}-2")),
        total="0", trace="REV1",
    )  # fmt: skip
    result = era_import(name="rev.835", content=reversal, actor=biller)
    assert result.claims_posted == 1
    assert claim_balance(claim.pk) == D("168.00")
    assert balance(account="cash", claim_id=claim.pk) == D("0.00")
    assert Journal.objects.filter(kind="reversal").count() == 1
    assert ledger_reconcile().ok


def test_provider_adjustment_keeps_the_file_balanced(claim, biller):
    content = paid_era(claim)
    content = content.replace(b"BPR*I*86*", b"BPR*I*83.5*").replace(
        b"SE*", b"PLB*1234567893*20261231*L6:INT*-2.50*WO:X*5~SE*"
    )
    era_import(name="plb.835", content=content, actor=biller)
    cash = Posting.objects.filter(account="cash", journal__source="era")
    assert sum(p.amount for p in cash) == D("83.50")


def test_broken_file_is_rejected_naming_the_segment(claim, biller):
    content = paid_era(claim).replace(b"CLP*", b"CLP**", 1)
    result = era_import(name="bad.835", content=content, actor=biller)
    assert result.file.status == FileStatus.REJECTED
    assert "CLP" in result.error and "line" in result.error
    assert not Journal.objects.filter(source="era").exists()
    assert RemittanceFile.objects.get().error == result.error
