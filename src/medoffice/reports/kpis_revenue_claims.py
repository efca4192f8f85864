"""Revenue KPIs read from the claims: clean-claim rate, denial rate, charge lag and claim lag.

Every KPI here measures the claims (or charges) whose date of service is in the period, so a
period's figure is about the work done for that period's visits, whenever it was done.
"""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from medoffice.claims.models import ChargeLine, ChargeStatus, Claim, ClaimStatus, ClaimStatusChange
from medoffice.reports.kpi import Column, KpiResult, ReportFilters, Unit
from medoffice.reports.kpis_revenue_common import (
    ZERO,
    as_date,
    claim_scope,
    claims_worklist_url,
    days_between,
    local_date,
    medians_by_period,
    money,
    percent,
    periods,
    series_of,
    trunc,
    url,
)


def _claims(flt: ReportFilters) -> QuerySet:
    return Claim.objects.filter(
        claim_scope(flt), service_date_from__gte=flt.start, service_date_from__lte=flt.end
    )


def _was_rejected() -> Exists:
    return Exists(
        ClaimStatusChange.objects.filter(claim_id=OuterRef("pk"), to_status=ClaimStatus.REJECTED)
    )


def clean_claim_rate(flt: ReportFilters) -> KpiResult:
    """Claims submitted at least once; clean when the first scrub found no error (the scrubber
    lets no error through: a rule is switched off per payer instead) and the claim was never
    rejected (by the clearinghouse's 999/277CA or the payer)."""
    grouped = (
        _claims(flt)
        .filter(submitted_at__isnull=False)
        .annotate(period=trunc("service_date_from", flt.grain))
        .values("period")
        .annotate(
            submitted=Count("pk"),
            clean=Count("pk", filter=Q(first_scrub_clean=True) & ~_was_rejected()),
        )
        .order_by()
    )
    per = {as_date(r["period"]): (r["submitted"], r["clean"]) for r in grouped}
    submitted = sum(n for n, _ in per.values())
    clean = sum(c for _, c in per.values())
    return KpiResult(
        headline=percent(clean, submitted),
        series=[
            series_of("Clean-claim rate", flt, {p: percent(c, n) for p, (n, c) in per.items()})
        ],
        columns=[
            Column("period", "Period"),
            Column("submitted", "Claims submitted", Unit.COUNT),
            Column("clean", "Clean", Unit.COUNT),
            Column("rate", "Clean-claim rate", Unit.PERCENT),
        ],
        rows=[
            {
                "period": p,
                "submitted": per[p][0],
                "clean": per[p][1],
                "rate": percent(per[p][1], per[p][0]),
            }
            for p in periods(flt)
            if p in per
        ],
        drilldown_url=claims_worklist_url(flt),
        notes=["Claims with a date of service in the period that were submitted."],
    )


# --- Denials: the first adjudication of each claim (its first posted remittance) ---------------


def _adjudicated(flt: ReportFilters) -> QuerySet:
    from medoffice.remittance.models import ItemStatus, RemittanceClaim, RemittanceLine

    first = (
        RemittanceClaim.objects.filter(
            claim_id=OuterRef("pk"), status__in=[ItemStatus.POSTED, ItemStatus.RESOLVED]
        )
        .order_by("pk")
        .values("pk")[:1]
    )
    denied_lines = RemittanceLine.objects.filter(remittance_claim_id=OuterRef("first_rc")).exclude(
        denial=""
    )
    denied_amount = (
        denied_lines.order_by().values("remittance_claim_id").annotate(t=Sum("billed")).values("t")
    )
    return (
        _claims(flt)
        .annotate(first_rc=Subquery(first))
        .filter(first_rc__isnull=False)
        .annotate(
            denied=Exists(denied_lines),
            denied_amount=Coalesce(
                Subquery(denied_amount, output_field=DecimalField()),
                ZERO,
                output_field=DecimalField(),
            ),
        )
    )


DENIAL_FIGURES = {
    "claims": Count("pk"),
    "denied": Count("pk", filter=Q(denied=True)),
    "billed": Sum("total_billed"),
    "denied_amount": Sum("denied_amount"),
}


def _denial_row(r: dict[str, Any]) -> dict[str, Any]:
    billed, denied_amount = money(r["billed"]), money(r["denied_amount"])
    return {
        "claims": r["claims"],
        "denied": r["denied"],
        "rate": percent(r["denied"], r["claims"]),
        "billed": billed,
        "denied_amount": denied_amount,
        "dollar_rate": percent(denied_amount, billed) if billed else None,
    }


def denial_rate(flt: ReportFilters) -> KpiResult:
    from medoffice.remittance.models import RemittanceAdjustment

    rows = _adjudicated(flt)
    grouped = (
        rows.annotate(period=trunc("service_date_from", flt.grain))
        .values("period")
        .annotate(**DENIAL_FIGURES)
        .order_by()
    )
    grouped = list(grouped)
    per = {as_date(r["period"]): _denial_row(r) for r in grouped}
    table: list[dict[str, Any]] = []
    by_payer = rows.values("payer__name").annotate(**DENIAL_FIGURES).order_by("payer__name")
    table += [{"by": "Payer", "name": r["payer__name"], **_denial_row(r)} for r in by_payer]
    provider = ("rendering_provider__user__last_name", "rendering_provider__user__first_name")
    # Grouped by the provider, not the name: two clinicians may share one.
    by_provider = (
        rows.values("rendering_provider_id", *provider)
        .annotate(**DENIAL_FIGURES)
        .order_by(*provider, "rendering_provider_id")
    )
    table += [
        {"by": "Provider", "name": f"{r[provider[0]]}, {r[provider[1]]}", **_denial_row(r)}
        for r in by_provider
    ]
    # A denied line's reasons (its CARC, the patient's share left out: that is not a denial).
    reasons = (
        RemittanceAdjustment.objects.filter(
            line__remittance_claim_id__in=rows.filter(denied=True).values("first_rc"),
            amount__gt=0,
        )
        .exclude(line__denial="")
        .exclude(group="PR")
        .values("group", "reason")
        .annotate(denied=Count("line__remittance_claim", distinct=True), amount=Sum("amount"))
        .order_by("-denied", "group", "reason")
    )
    table += [
        {
            "by": "Reason",
            "name": f"{r['group']}-{r['reason']}",
            "denied": r["denied"],
            "denied_amount": money(r["amount"]),
        }
        for r in reasons
    ]
    # The range's totals from the periods' rows (an aggregate() over these annotations would
    # wrap them in a subquery that loses the per-claim Exists).
    claims_n, denied_n = sum(r["claims"] for r in grouped), sum(r["denied"] for r in grouped)
    return KpiResult(
        headline=percent(denied_n, claims_n),
        series=[
            series_of("Denial rate (claims)", flt, {p: v["rate"] for p, v in per.items()}),
            series_of("Denial rate (dollars)", flt, {p: v["dollar_rate"] for p, v in per.items()}),
        ],
        columns=[
            Column("by", "By"),
            Column("name", "Payer, provider or reason"),
            Column("claims", "Claims adjudicated", Unit.COUNT),
            Column("denied", "Denied in whole or part", Unit.COUNT),
            Column("rate", "Denial rate", Unit.PERCENT),
            Column("billed", "Billed", Unit.MONEY),
            Column("denied_amount", "Denied dollars", Unit.MONEY),
            Column("dollar_rate", "Denial rate (dollars)", Unit.PERCENT),
        ],
        rows=table,
        drilldown_url=url("remittance:denials"),
        notes=[
            "Claims with a date of service in the period, on their first remittance: denied "
            "when any line was denied; dollars are the denied lines' billed amounts."
        ],
    )


# --- Lags: medians of whole days, counted per day by the database -----------------------------


def _lag_result(
    label: str, grouped: QuerySet, flt: ReportFilters, drill: str | None, note: str
) -> KpiResult:
    per, overall = medians_by_period(grouped)
    return KpiResult(
        headline=overall,
        series=[series_of(label, flt, per)],
        columns=[Column("period", "Period"), Column("median", label, Unit.DAYS)],
        rows=[{"period": p, "median": per[p]} for p in periods(flt) if p in per],
        drilldown_url=drill,
        notes=[note],
    )


def charge_lag(flt: ReportFilters) -> KpiResult:
    scope = claim_scope(ReportFilters(**{**flt.__dict__, "payer_id": None}))
    grouped = (
        ChargeLine.objects.filter(
            scope, date_of_service__gte=flt.start, date_of_service__lte=flt.end
        )
        .exclude(status=ChargeStatus.VOID)
        .annotate(
            period=trunc("date_of_service", flt.grain),
            lag=days_between(local_date("created_at", flt), "date_of_service"),
        )
        .values("period", "lag")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _lag_result(
        "Charge lag",
        grouped,
        flt,
        url("claims:charge_review"),
        "Median days from the date of service to the charge's entry, voided charges left out.",
    )


def claim_lag(flt: ReportFilters) -> KpiResult:
    earlier = ClaimStatusChange.objects.filter(
        claim_id=OuterRef("claim_id"), to_status=ClaimStatus.SUBMITTED, at__lt=OuterRef("at")
    )
    grouped = (
        ClaimStatusChange.objects.filter(
            claim_scope(flt, "claim__"),
            to_status=ClaimStatus.SUBMITTED,
            claim__service_date_from__gte=flt.start,
            claim__service_date_from__lte=flt.end,
        )
        .exclude(Exists(earlier))
        .annotate(
            period=trunc("claim__service_date_from", flt.grain),
            lag=days_between(local_date("at", flt), "claim__service_date_from"),
        )
        .values("period", "lag")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _lag_result(
        "Claim lag",
        grouped,
        flt,
        claims_worklist_url(flt, ClaimStatus.SUBMITTED),
        "Median days from the date of service to the claim's first submission.",
    )
