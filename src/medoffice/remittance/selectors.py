"""Reads of the remittance app: files, their claims, the unmatched queue, the denials worklist
(grouped by reason and payer, with CARC/RARC descriptions) and denial rates (SQL aggregates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from medoffice.coding.models import AdjustmentReason, RemarkCode
from medoffice.remittance.models import (
    AppealLetter,
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


def unmatched_queue() -> QuerySet[RemittanceClaim]:
    return (
        RemittanceClaim.objects.filter(status=ItemStatus.UNMATCHED)
        .select_related("remittance__file", "remittance__payer")
        .prefetch_related("lines__adjustments", "adjustments")
        .order_by("remittance__payment_date", "pk")
    )


def unmatched_claims() -> list[RemittanceClaim]:
    return list(unmatched_queue())


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


LETTERS = Prefetch(
    "appeal_letters", queryset=AppealLetter.objects.select_related("created_by").order_by("pk")
)


def _denied_for(reason: str) -> Exists:
    """Lines whose denial reason (suggest.denial_reason: the largest adjustment that is not the
    patient's, the first of equals) is `reason` ("50", or with its group "CO-50"), in SQL."""
    group, _, code = reason.strip().upper().rpartition("-")
    others = RemittanceAdjustment.objects.filter(line=OuterRef("line"), amount__gt=0).exclude(
        group="PR"
    )
    larger = others.filter(
        Q(amount__gt=OuterRef("amount")) | Q(amount=OuterRef("amount"), pk__lt=OuterRef("pk"))
    )
    main = (
        RemittanceAdjustment.objects.filter(line=OuterRef("line"), reason=code, amount__gt=0)
        .exclude(group="PR")
        .filter(~Exists(larger))
    )
    return Exists(main.filter(group=group) if group else main)


def denial_works(
    *, status: str = "", payer_id: int | None = None, reason: str = "", action: str = ""
) -> QuerySet[DenialWork]:
    """The denials worklist as rows, due first; filters: work status, payer (the claim's or the
    remittance's), denial reason (CARC), suggested action."""
    rows = DenialWork.objects.all()
    if status:
        rows = rows.filter(status=status)
    if action:
        rows = rows.filter(action=action)
    if payer_id is not None:
        rows = rows.filter(
            Q(line__remittance_claim__claim__payer_id=payer_id)
            | Q(line__remittance_claim__remittance__payer_id=payer_id)
        )
    if reason.strip():
        rows = rows.filter(_denied_for(reason))
    return (
        rows.select_related(
            "owner", "line__remittance_claim__remittance__payer",
            "line__remittance_claim__claim__payer",
        )
        .prefetch_related("line__adjustments", LETTERS)
        .order_by("due_date", "pk")
    )  # fmt: skip


def denial_groups(*, status: str = WorkStatus.OPEN) -> list[DenialGroup]:
    """Denied and partially denied lines, grouped by reason (CARC) and payer."""
    works = list(
        DenialWork.objects.filter(status=status)
        .select_related(
            "owner", "line__remittance_claim__remittance__payer", "line__remittance_claim__claim"
        )
        .prefetch_related("line__adjustments", LETTERS)
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


def denial_work(work_id: int) -> DenialWork:
    """One denied line with what its page and its appeal letter need (DoesNotExist if none)."""
    return (
        DenialWork.objects.select_related(
            "owner", "line__remittance_claim__remittance__payer",
            "line__remittance_claim__claim__payer", "line__remittance_claim__claim__coverage",
            "line__remittance_claim__claim__location__practice", "line__remittance_claim__patient",
        )
        .prefetch_related("line__adjustments", LETTERS)
        .get(pk=work_id)
    )  # fmt: skip


def _address(*parts: str) -> list[str]:
    street, city, state, postal = parts
    last = " ".join(p for p in (f"{city}," if city else "", state, postal) if p).strip(",")
    return [line for line in (street, last) if line.strip()]


def _letterhead(claim: Any) -> dict[str, Any]:
    from medoffice.organization.models import Location, Practice

    location = claim.location if claim is not None else None
    location = location or Location.objects.filter(is_active=True).order_by("pk").first()
    practice = location.practice if location else Practice.objects.order_by("pk").first()
    lines = []
    if location:
        lines = _address(
            " ".join(p for p in (location.address_line1, location.address_line2) if p),
            location.city, location.state, location.postal_code,
        )  # fmt: skip
    return {
        "name": practice.name if practice else "",
        "lines": lines,
        "phone": (practice.phone if practice else "") or (location.phone if location else ""),
        "npi": (location.npi if location else "") or (practice.group_npi if practice else ""),
        "tax_id": practice.tax_id if practice else "",
    }


def _first_submitted(claim: Any) -> str:
    from medoffice.claims.models import ClaimStatus, ClaimStatusChange

    first = (
        ClaimStatusChange.objects.filter(claim=claim, to_status=ClaimStatus.SUBMITTED)
        .order_by("at", "pk")
        .values_list("at", flat=True)
        .first()
    ) or claim.submitted_at
    return first.date().isoformat() if first else ""


def appeal_facts(work: DenialWork) -> dict[str, Any]:
    """What an appeal letter about this denial quotes, as JSON-ready values: the practice's
    letterhead, the payer's address, the patient, both claim numbers, and the claim's denied
    lines with the same reason as this one (this one first) with their CARC/RARC and our
    descriptions of them."""
    rc = work.line.remittance_claim
    claim, patient, remittance = rc.claim, rc.patient, rc.remittance
    reason = denial_reason(list(work.line.adjustments.all()))
    siblings = [
        w for w in DenialWork.objects.filter(line__remittance_claim=rc)
        .select_related("line").prefetch_related("line__adjustments").order_by("line_id")
        if w.pk != work.pk and denial_reason(list(w.line.adjustments.all())) == reason
    ]  # fmt: skip
    works = [work, *siblings]
    adjustments = [a for w in works for a in w.line.adjustments.all()]
    remark_codes = list(dict.fromkeys(
        [code for w in works for code in w.line.remark_codes] + list(rc.remark_codes)
    ))  # fmt: skip
    denied = [a for a in adjustments if a.group != "PR" and a.amount > 0]
    codes = list(dict.fromkeys(f"{a.group}-{a.reason}" for a in denied))
    texts = descriptions({a.reason for a in denied}, set(remark_codes))
    main = next((a for a in work.line.adjustments.all() if a.reason == reason and a.group != "PR"),
                None)  # fmt: skip
    payer = (claim.payer if claim else None) or remittance.payer
    dates = sorted({w.line.service_date for w in works if w.line.service_date})
    if not dates and claim is not None:
        dates = sorted({claim.service_date_from, claim.service_date_to})
    member_id = (claim.coverage.member_id if claim else "") or rc.member_id
    zero = Decimal("0.00")
    return {
        "work_ids": [w.pk for w in works],
        "letterhead": _letterhead(claim),
        "payer": {
            "id": payer.pk if payer else None,
            "name": payer.name if payer else remittance.payer_name,
            "lines": _address(payer.address_line1, payer.city, payer.state, payer.postal_code)
            if payer
            else [],
        },
        "patient": {
            "name": f"{patient.given_name} {patient.family_name}" if patient else rc.patient_name,
            "birth_date": patient.birth_date.isoformat() if patient else "",
            "member_id": member_id,
        },
        "claim": {
            "id": claim.pk if claim else None,
            "patient_control_number": rc.patient_control_number,
            "payer_claim_number": rc.payer_claim_number
            or (claim.payer_claim_number if claim else ""),
            "service_dates": [d.isoformat() for d in dates],
            "service_date_from": dates[0].isoformat() if dates else "",
            "remit_date": remittance.payment_date.isoformat() if remittance.payment_date else "",
            "trace_number": remittance.trace_number,
            "prior_authorization_number": claim.prior_authorization_number if claim else "",
            "first_submitted": _first_submitted(claim) if claim else "",
            "filing_limit_days": payer.timely_filing_days if payer else None,
        },
        "lines": [
            {
                "code": w.line.procedure_code,
                "modifiers": list(w.line.modifiers),
                "service_date": w.line.service_date.isoformat() if w.line.service_date else "",
                "billed": str(w.line.billed),
                "paid": str(w.line.paid),
                "adjustments": [
                    f"{a.group}-{a.reason} ${a.amount}" for a in w.line.adjustments.all()
                ],
            }
            for w in works
        ],
        "totals": {
            "billed": str(sum((w.line.billed for w in works), zero)),
            "paid": str(sum((w.line.paid for w in works), zero)),
        },
        "reason": {
            "code": reason,
            "label": f"{main.group}-{reason}" if main else reason,
            "text": texts.get(f"CARC {reason}", ""),
        },
        "reasons": [
            {"label": c, "text": texts.get(f"CARC {c.split('-', 1)[1]}", "")} for c in codes
        ],
        "remarks": [{"code": c, "text": texts.get(f"RARC {c}", "")} for c in remark_codes],
    }


def appeal_letter(letter_id: int) -> AppealLetter:
    return AppealLetter.objects.select_related("created_by", "claim", "work").get(pk=letter_id)
