"""Reads of the remittance app: files, their claims, the unmatched queue, the denials worklist
(grouped by reason and payer, with CARC/RARC descriptions) and denial rates (SQL aggregates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from medoffice.coding.models import AdjustmentReason, RemarkCode
from medoffice.remittance.models import (
    DenialKind,
    DenialWork,
    ItemStatus,
    RemittanceAdjustment,
    RemittanceClaim,
    RemittanceFile,
    RemittanceLine,
    WorkStatus,
)
from medoffice.remittance.suggest import denial_reason


def files() -> QuerySet[RemittanceFile]:
    return RemittanceFile.objects.select_related("uploaded_by")


def file_claims(file: RemittanceFile) -> list[RemittanceClaim]:
    return list(
        RemittanceClaim.objects.filter(remittance__file=file)
        .select_related("remittance", "claim", "patient")
        .prefetch_related("lines__adjustments", "adjustments")
        .order_by("remittance_id", "sequence")
    )


def unmatched_claims() -> list[RemittanceClaim]:
    return list(
        RemittanceClaim.objects.filter(status=ItemStatus.UNMATCHED)
        .select_related("remittance__file", "remittance__payer")
        .prefetch_related("lines")
        .order_by("remittance__payment_date", "pk")
    )


def descriptions(reasons: set[str], remarks: set[str]) -> dict[str, str]:
    """CARC and RARC descriptions from the code tables, keyed "CARC 45" / "RARC N130"."""
    found = {
        f"CARC {code}": text
        for code, text in AdjustmentReason.objects.filter(code__in=reasons).values_list(
            "code", "description"
        )
    }
    found.update(
        (f"RARC {code}", text)
        for code, text in RemarkCode.objects.filter(code__in=remarks).values_list(
            "code", "description"
        )
    )
    return found


@dataclass
class DenialGroup:
    reason: str
    reason_text: str
    payer: str
    action: str
    works: list[DenialWork] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((w.line.billed - w.line.paid for w in self.works), Decimal("0.00"))


def denial_groups(*, status: str = WorkStatus.OPEN) -> list[DenialGroup]:
    """Denied and partially denied lines, grouped by reason (CARC) and payer."""
    works = list(
        DenialWork.objects.filter(status=status)
        .select_related(
            "owner", "line__remittance_claim__remittance__payer", "line__remittance_claim__claim"
        )
        .prefetch_related("line__adjustments")
        .order_by("due_date", "pk")
    )
    reasons = {a.reason for w in works for a in w.line.adjustments.all()}
    remarks = {code for w in works for code in w.line.remark_codes}
    remarks |= {code for w in works for code in w.line.remittance_claim.remark_codes}
    texts = descriptions(reasons, remarks)
    groups: dict[tuple[str, str], DenialGroup] = {}
    for work in works:
        work.texts = texts  # type: ignore[attr-defined]
        reason = denial_reason(list(work.line.adjustments.all()))
        remittance = work.line.remittance_claim.remittance
        payer = remittance.payer.name if remittance.payer else remittance.payer_name
        key = (reason, payer)
        if key not in groups:
            groups[key] = DenialGroup(
                reason, texts.get(f"CARC {reason}", ""), payer, work.get_action_display()
            )
        groups[key].works.append(work)
    return sorted(groups.values(), key=lambda g: (-len(g.works), g.reason, g.payer))


@dataclass(frozen=True)
class Rate:
    label: str
    lines: int
    denied: int

    @property
    def percent(self) -> Decimal:
        if not self.lines:
            return Decimal("0.0")
        return (Decimal(self.denied * 100) / self.lines).quantize(Decimal("0.1"))


DENIED = ~Q(denial=DenialKind.NONE)


def denial_rates() -> dict[str, list[Rate]]:
    """Denied lines over posted lines, by payer, by rendering provider and by reason; every
    count is one GROUP BY in the database."""
    posted = RemittanceLine.objects.filter(claim_line__isnull=False)
    total = posted.count()
    by_payer = (
        posted.values("remittance_claim__claim__payer__name")
        .annotate(lines=Count("pk"), denied=Count("pk", filter=DENIED))
        .order_by("-denied", "remittance_claim__claim__payer__name")
    )
    by_provider = (
        posted.values(
            "remittance_claim__claim__rendering_provider__user__first_name",
            "remittance_claim__claim__rendering_provider__user__last_name",
        )
        .annotate(lines=Count("pk"), denied=Count("pk", filter=DENIED))
        .order_by("-denied")
    )
    by_reason = (
        RemittanceAdjustment.objects.filter(line__claim_line__isnull=False, amount__gt=0)
        .exclude(line__denial=DenialKind.NONE)
        .exclude(group="PR")
        .values("reason")
        .annotate(denied=Count("line", distinct=True))
        .order_by("-denied", "reason")
    )
    provider_key = "remittance_claim__claim__rendering_provider__user__"
    return {
        "payer": [
            Rate(r["remittance_claim__claim__payer__name"] or "?", r["lines"], r["denied"])
            for r in by_payer
        ],
        "provider": [
            Rate(
                f"{r[provider_key + 'first_name']} {r[provider_key + 'last_name']}".strip() or "?",
                r["lines"],
                r["denied"],
            )
            for r in by_provider
        ],
        "reason": [Rate(f"CARC {r['reason']}", total, r["denied"]) for r in by_reason],
    }
