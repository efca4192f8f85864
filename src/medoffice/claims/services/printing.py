"""Printing the superbill: a read of the patient's billing data, audited as a print."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from medoffice.audit.models import AuditAction
from medoffice.chart.models import Encounter
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
