"""ERA pages per role: the biller uploads and works the queues; manager and compliance read;
front desk, clinician, nurse, HR and purchasing are refused and a refusal changes nothing.
Lists audit the patients they show; the unmatched queue and the denials worklist work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from medoffice.audit.models import AuditAction, AuditEvent
from medoffice.billing.models import Journal, Posting
from medoffice.billing.selectors import balance, claim_balance, ledger_reconcile
from medoffice.claims.models import ClaimStatus
from medoffice.coding.models import AdjustmentReason, RemarkCode
from medoffice.core.access import AccessDenied
from medoffice.remittance.models import (
    DenialWork,
    FileStatus,
    ItemStatus,
    RemittanceClaim,
    RemittanceFile,
)
from medoffice.remittance.selectors import denial_rates
from medoffice.remittance.services import era_import, unmatched_not_ours, unmatched_resolve
from medoffice.remittance.tests.conftest import clp, era, svc

D = Decimal
READERS = ["manager", "compliance", "biller"]
REFUSED = ["frontdesk", "clinician", "nurse", "hr", "purchasing"]


def denial_era(claim) -> bytes:
    pcn = claim.patient_control_number
    return era(
        clp(pcn, "1", "168", "76", "19",
            svc("99213", "150", "76", "CO*45*55", "PR*2*19", control=f"{pcn}-1", modifiers="25"),
            svc("36415", "18", "0", "CO*197*18", control=f"{pcn}-2"), moa="N130"),
        total="76", trace="CHK77",
    )  # fmt: skip


def lost_era(pcn: str = "LOST0001", paid: str = "86") -> bytes:
    return era(
        clp(pcn, "1", "168", paid, "19",
            svc("99213", "150", "76", "CO*45*55", "PR*2*19", modifiers="25"),
            svc("36415", "18", "10", "CO*45*8")),
        total=paid, trace="EFT404",
    )  # fmt: skip


@pytest.mark.parametrize("role", READERS)
def test_readers_see_files_detail_unmatched_and_denials(claim, biller, as_role, role, patient):
    result = era_import(name="d.835", content=denial_era(claim), actor=biller)
    _, client = as_role(role)
    assert b"d.835" in client.get("/remittance/").content
    detail = client.get(f"/remittance/files/{result.file.pk}/")
    assert detail.status_code == 200 and claim.patient_control_number.encode() in detail.content
    assert client.get("/remittance/unmatched/").status_code == 200
    page = client.get("/remittance/denials/")
    assert page.status_code == 200 and b"CARC 197" in page.content
    work = DenialWork.objects.get()
    assert (f"/remittance/denials/{work.pk}/".encode() in page.content) == (role == "biller")
    shown = AuditEvent.objects.filter(action=AuditAction.VIEW_LIST, patient_id=patient.pk,
                                      details__view="remittance:denials")  # fmt: skip
    assert shown.exists()
    assert AuditEvent.objects.filter(action="view", object_type="remittance_file").exists()


@pytest.mark.parametrize("role", ["manager", "compliance"])
def test_readers_cannot_upload_or_resolve(claim, biller, as_role, role):
    era_import(name="x.835", content=lost_era(), actor=biller)
    rc = RemittanceClaim.objects.get()
    _, client = as_role(role)
    assert b'name="file"' not in client.get("/remittance/").content
    upload = SimpleUploadedFile("e.835", denial_era(claim))
    assert client.post("/remittance/upload/", {"file": upload}).status_code == 403
    response = client.post(f"/remittance/unmatched/{rc.pk}/resolve/",
                           {"patient_control_number": claim.patient_control_number})  # fmt: skip
    assert response.status_code == 403
    assert RemittanceFile.objects.count() == 1
    assert RemittanceClaim.objects.get().status == ItemStatus.UNMATCHED


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_are_refused_and_nothing_changes(claim, biller, as_role, role):
    era_import(name="x.835", content=lost_era(), actor=biller)
    rc = RemittanceClaim.objects.get()
    work_count, postings = DenialWork.objects.count(), Posting.objects.count()
    _, client = as_role(role)
    for path in ("/remittance/", "/remittance/unmatched/", "/remittance/denials/",
                 f"/remittance/files/{rc.remittance.file_id}/"):  # fmt: skip
        assert client.get(path).status_code == 403
    upload = SimpleUploadedFile("e.835", denial_era(claim))
    assert client.post("/remittance/upload/", {"file": upload}).status_code == 403
    assert client.post(f"/remittance/unmatched/{rc.pk}/not-ours/",
                       {"reason": "not ours"}).status_code == 403  # fmt: skip
    assert RemittanceFile.objects.count() == 1 and Posting.objects.count() == postings
    assert DenialWork.objects.count() == work_count
    assert RemittanceClaim.objects.get().status == ItemStatus.UNMATCHED
    with pytest.raises(AccessDenied):
        era_import(name="e.835", content=denial_era(claim), actor=_user(role))
    assert RemittanceFile.objects.count() == 1


def _user(role):
    from medoffice.accounts.models import User

    return User.objects.get(username=role)


def test_biller_uploads_a_file_through_the_page(claim, as_role):
    _, client = as_role("biller")
    upload = SimpleUploadedFile("page.835", denial_era(claim))
    response = client.post("/remittance/upload/", {"file": upload})
    file = RemittanceFile.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/files/{file.pk}/")
    assert file.status == FileStatus.POSTED and file.claims_posted == 1
    bad = SimpleUploadedFile("bad.835", b"ISA*garbage~")
    client.post("/remittance/upload/", {"file": bad})
    rejected = RemittanceFile.objects.get(name="bad.835")
    assert rejected.status == FileStatus.REJECTED and rejected.error
    assert b"bad.835" in client.get("/remittance/").content


def test_unmatched_claim_resolved_by_picking_our_claim(claim, biller, as_role):
    era_import(name="x.835", content=lost_era(), actor=biller)
    rc = RemittanceClaim.objects.get()
    assert balance(account="unapplied", payer_id=claim.payer_id) == D("-86.00")
    _, client = as_role("biller")
    page = client.get("/remittance/unmatched/")
    assert b"LOST0001" in page.content
    client.post(f"/remittance/unmatched/{rc.pk}/resolve/",
                {"patient_control_number": claim.patient_control_number})  # fmt: skip
    rc.refresh_from_db()
    assert rc.status == ItemStatus.RESOLVED and rc.claim == claim and rc.resolved_by is not None
    assert balance(account="unapplied", payer_id=claim.payer_id) == D("0.00")
    assert claim_balance(claim.pk) == D("0.00")
    assert balance(account="cash", claim_id=claim.pk) == D("0.00")  # the cash came in before
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert ledger_reconcile().ok
    after = client.get("/remittance/unmatched/").content  # (the flash message names it once)
    assert f"/remittance/unmatched/{rc.pk}/resolve/".encode() not in after


def test_resolving_to_a_claim_whose_lines_do_not_match_posts_nothing(claim, biller):
    content = era(clp("LOST0002", "1", "100", "40", "0", svc("99999", "100", "40", "CO*45*60")),
                  total="40")  # fmt: skip
    era_import(name="x.835", content=content, actor=biller)
    rc = RemittanceClaim.objects.get()
    journals = Journal.objects.count()
    with pytest.raises(Exception, match="matches no line"):
        unmatched_resolve(remittance_claim_id=rc.pk, claim_id=claim.pk, actor=biller)
    rc.refresh_from_db()
    assert rc.status == ItemStatus.UNMATCHED and rc.resolved_by is None
    assert Journal.objects.count() == journals


def test_not_ours_leaves_the_money_unapplied(claim, biller):
    era_import(name="x.835", content=lost_era(), actor=biller)
    rc = RemittanceClaim.objects.get()
    unmatched_not_ours(remittance_claim_id=rc.pk, actor=biller, reason="Another practice's")
    rc.refresh_from_db()
    assert rc.status == ItemStatus.NOT_OURS
    assert balance(account="unapplied", payer_id=claim.payer_id) == D("-86.00")
    with pytest.raises(Exception, match="no longer waiting"):
        unmatched_resolve(remittance_claim_id=rc.pk, claim_id=claim.pk, actor=biller)


def test_denials_worklist_descriptions_action_and_rates(claim, biller, as_role):
    AdjustmentReason.objects.update_or_create(
        code="197", defaults={"description": "Precertification/authorization absent."}
    )
    AdjustmentReason.objects.update_or_create(
        code="45", defaults={"description": "Charge exceeds fee schedule."}
    )
    AdjustmentReason.objects.update_or_create(
        code="2", defaults={"description": "Coinsurance Amount."}
    )
    RemarkCode.objects.update_or_create(
        code="N130", defaults={"description": "Consult plan benefit documents."}
    )
    era_import(name="d.835", content=denial_era(claim), actor=biller)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PARTIALLY_PAID
    work = DenialWork.objects.get()
    assert work.line.procedure_code == "36415" and work.action == "appeal"
    _, client = as_role("biller")
    page = client.get("/remittance/denials/").content.decode()
    assert "Precertification/authorization absent." in page and "Appeal" in page
    assert "Empire Plan" in page
    rates = denial_rates()
    assert [(r.label, r.lines, r.denied, r.percent) for r in rates["payer"]] == [
        ("Empire Plan", 2, 1, D("50.0"))
    ]
    assert [(r.label, r.denied) for r in rates["reason"]] == [("CARC 197", 1)]
    assert rates["provider"][0].denied == 1
    client.post(f"/remittance/denials/{work.pk}/",
                {"owner": biller.pk, "due_date": "2026-04-01", "status": "done", "note": "appealed"})  # fmt: skip
    work.refresh_from_db()
    assert (work.owner, work.due_date, work.status) == (biller, date(2026, 4, 1), "done")
    assert "Precertification" not in client.get("/remittance/denials/").content.decode()
