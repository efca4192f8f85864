"""Reads for the submission page: what is ready per payer, and the batches written."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404

from medoffice.claims.models import Claim, ClaimStatus
from medoffice.submission.models import AcknowledgementFile, SubmissionBatch

CENT = Decimal("0.01")  # SQLite sums decimals as floats: back to cents


@dataclass(frozen=True)
class ReadyForPayer:
    payer_id: int
    payer_name: str
    edi_id: str
    claims: int
    total: Decimal


def ready_by_payer() -> list[ReadyForPayer]:
    rows = (
        Claim.objects.filter(status=ClaimStatus.READY)
        .values("payer_id", "payer__name", "payer__payer_id")
        .annotate(claims=Count("pk"), total=Sum("total_billed"))
        .order_by("payer__name")
    )
    return [
        ReadyForPayer(r["payer_id"], r["payer__name"], r["payer__payer_id"], r["claims"],
                      Decimal(r["total"] or 0).quantize(CENT))
        for r in rows
    ]  # fmt: skip


def batches_recent(limit: int = 100) -> list[SubmissionBatch]:
    return list(SubmissionBatch.objects.select_related("created_by").defer("content")[:limit])


def acks_recent(limit: int = 20) -> list[AcknowledgementFile]:
    return list(AcknowledgementFile.objects.defer("content")[:limit])


def batch_get(batch_id: int) -> SubmissionBatch:
    return get_object_or_404(SubmissionBatch, pk=batch_id)
