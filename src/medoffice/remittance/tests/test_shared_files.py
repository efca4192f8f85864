"""The shared 835 samples (interop/tests/data/x12/835): readable ones import with every claim
unmatched (they are not our claims) and nothing posted to a claim; broken ones are rejected
naming the segment, with nothing posted. And the command line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from medoffice.billing.models import Journal, Posting
from medoffice.billing.selectors import ledger_reconcile
from medoffice.interop.tests.x12_builders import X12_DATA
from medoffice.interop.x12.remit835 import read_835
from medoffice.remittance.models import FileStatus, ItemStatus, RemittanceClaim, RemittanceFile
from medoffice.remittance.services import era_import
from medoffice.remittance.tests.conftest import cast

SHARED = X12_DATA / "835"
BROKEN = {
    "managed-care.835": "segment 4 (BPR, line 4): BPR16 '20002316' is not a date",
    "tertiary-payment.835": "segment 20 (SVC, line 20): SVC01 'HC' has no procedure code",
}


@pytest.mark.parametrize("name", sorted(p.name for p in SHARED.glob("*.835")))
def test_shared_file_is_posted_unmatched_or_rejected(db, name):
    biller = cast("biller")
    content = (SHARED / name).read_bytes()
    result = era_import(name=name, content=content, actor=biller)
    if name in BROKEN:
        assert result.file.status == FileStatus.REJECTED
        assert BROKEN[name] in result.error
        assert not Journal.objects.exists() and not RemittanceClaim.objects.exists()
        return
    (parsed,) = read_835(content.decode())
    assert result.file.status == FileStatus.UNMATCHED
    assert result.claims_unmatched == len(parsed.claims) and result.claims_posted == 0
    assert set(RemittanceClaim.objects.values_list("status", flat=True)) == {ItemStatus.UNMATCHED}
    assert not Posting.objects.filter(claim_id__isnull=False).exists()
    assert not Posting.objects.filter(account__in=["ar_payer", "ar_patient"]).exists()
    cash = sum(Posting.objects.filter(account="cash").values_list("amount", flat=True), Decimal())
    plb = sum((p.amount for p in parsed.provider_adjustments), Decimal())
    assert cash == sum((c.paid for c in parsed.claims), Decimal()) - plb
    assert ledger_reconcile().ok
    again = era_import(name=name, content=content, actor=biller)
    assert again.file.status == FileStatus.DUPLICATE
    assert Posting.objects.filter(account="cash").count() == len(
        [c for c in parsed.claims if c.paid] + [p for p in parsed.provider_adjustments if p.amount]
    )


def test_command_prints_each_file_and_fails_on_a_rejected_one(db, capsys):
    cast("biller")
    good, bad = SHARED / "secondary-payment.835", SHARED / "managed-care.835"
    with pytest.raises(CommandError, match="1 of 2 file"):
        call_command("era", "import", "--as-user", "biller", "--quiet", str(good), str(bad))
    out = capsys.readouterr().out
    assert "secondary-payment.835: posted 0 claims / 0 lines" in out and "unmatched 2" in out
    assert "managed-care.835: rejected: segment 4 (BPR, line 4)" in out
    call_command("era", "import", "--as-user", "biller", "--quiet", str(good))
    assert "already imported" in capsys.readouterr().out
    assert RemittanceFile.objects.count() == 3


def test_command_refuses_a_user_without_billing_edit(db):
    cast("frontdesk")
    with pytest.raises(CommandError, match="billing office"):
        call_command("era", "import", "--as-user", "frontdesk", "--quiet",
                     str(SHARED / "secondary-payment.835"))  # fmt: skip
    assert not RemittanceFile.objects.exists()
