"""Printing the superbill and the CMS-1500 paper claim: reads of the patient's billing data,
audited as prints."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from medoffice.audit.models import AuditAction
from medoffice.chart.models import Encounter
from medoffice.claims.models import Claim
from medoffice.claims.services.common import audit


def superbill_print(*, encounter: Encounter, actor: Any) -> bytes:
    """The superbill PDF of an encounter the caller may see (the view checked), and its
    audit entry."""
    from medoffice.claims import selectors
    from medoffice.claims.superbill import superbill_pdf

    bill = selectors.superbill(encounter)
    pdf = superbill_pdf(bill)
    with transaction.atomic():
        audit(
            actor=actor, action=AuditAction.PRINT, object_type="superbill",
            object_id=encounter.pk, patient_id=encounter.patient_id,
            details={"charges": len(bill.charges)},
        )  # fmt: skip
    return pdf


def claim_cms1500_print(*, claim: Claim, actor: Any, background: bool = True) -> bytes:
    """The CMS-1500 paper claim of a claim the caller may see (the view checked), and its
    audit entry."""
    from medoffice.claims.cms1500 import cms1500_render, page_lines, paper_claim

    paper = paper_claim(claim)
    pdf, _placed = cms1500_render(paper, background=background)
    with transaction.atomic():
        audit(
            actor=actor, action=AuditAction.PRINT, object_type="claim", object_id=claim.pk,
            patient_id=claim.patient_id,
            details={"form": "cms1500", "pages": len(page_lines(paper)), "lines": len(paper.lines),
                     "background": background},
        )  # fmt: skip
    return pdf
