"""Revenue KPIs read from the claims: clean-claim rate, denial rate, charge lag and claim lag.

Every KPI here measures the claims (or charges) whose date of service is in the period, so a
period's figure is about the work done for that period's visits, whenever it was done.
"""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from medoffice.claims.models import ChargeLine, ChargeStatus, Claim, ClaimStatus, ClaimStatusChange
from medoffice.reports.kpi import Column, KpiResult, ReportFilters, Unit
from medoffice.reports.kpis_revenue_common import (
    ZERO,
    as_date,
    claim_scope,
    claims_worklist_url,
    days_between,
    fetch_rows,
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


def _first_remittances_sql(flt: ReportFilters) -> tuple[str, list[Any]]:
    """A CTE `adjudicated` of the range's claims that a remittance was posted for: period,
    payer, provider, billed, and what their first remittance denied (`denied_amount`, NULL
    when nothing). Materialized, so each claim's first remittance is looked up once for all
    the groupings read from it."""
    from medoffice.remittance.models import ItemStatus

    claims = (
        _claims(flt)
        .annotate(period=trunc("service_date_from", flt.grain))
        .order_by()
        .values("id", "period", "payer_id", "rendering_provider_id", "total_billed")
    )
    sql, params = claims.query.sql_with_params()
    # The first remittance of every claim at once (grouped over the range's claims' remittance
    # claims), not a lookup per claim: PostgreSQL ran that correlated subquery per claim.
    cte = f"""
        WITH claims_in_range AS MATERIALIZED ({sql}),
        first_remittances AS MATERIALIZED (
            SELECT c.id, c.period, c.payer_id, c.rendering_provider_id, c.total_billed,
                   MIN(rc.id) AS first_rc
            FROM claims_in_range c
            JOIN remittance_remittanceclaim rc ON rc.claim_id = c.id
            WHERE rc.status IN (%s, %s)
            GROUP BY c.id, c.period, c.payer_id, c.rendering_provider_id, c.total_billed
        ),
        adjudicated AS MATERIALIZED (
            SELECT f.*, denied.amount AS denied_amount
            FROM first_remittances f
            LEFT JOIN (
                -- Denied lines are few: summed per remittance claim once, not probed per claim.
                SELECT remittance_claim_id, SUM(billed) AS amount
                FROM remittance_remittanceline WHERE denial <> ''
                GROUP BY remittance_claim_id
            ) denied ON denied.remittance_claim_id = f.first_rc
        )
    """  # noqa: S608 (the inner query's values are parameters)
    params = [*params, ItemStatus.POSTED, ItemStatus.RESOLVED]
    return cte, list(params)


def _denials(flt: ReportFilters) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """From one pass over the claims' first remittances (the CTE computed once):

    - claims adjudicated and denied, billed and denied dollars, per (period, payer, provider):
      a few thousand rows at most, which the periods, payers and providers are summed from;
    - a denied line's reasons (its CARC; the patient's share left out: that is not a denial):
      claims and dollars per group and reason, most claims first."""
    cte, params = _first_remittances_sql(flt)
    sql = (
        f"{cte} SELECT 'g', period, payer_id, rendering_provider_id, NULL, NULL, "  # noqa: S608
        "COUNT(*), COUNT(denied_amount), SUM(total_billed), SUM(COALESCE(denied_amount, 0)) "
        "FROM adjudicated GROUP BY period, payer_id, rendering_provider_id "
        "UNION ALL "
        "SELECT 'r', NULL, NULL, NULL, adj.\"group\", adj.reason, "
        "COUNT(DISTINCT line.remittance_claim_id), NULL, NULL, SUM(adj.amount) "
        "FROM adjudicated a "
        "JOIN remittance_remittanceline line ON line.remittance_claim_id = a.first_rc "
        "JOIN remittance_remittanceadjustment adj ON adj.line_id = line.id "
        "WHERE a.denied_amount IS NOT NULL AND line.denial <> '' AND adj.amount > 0 "
        "AND adj.\"group\" <> 'PR' "
        'GROUP BY adj."group", adj.reason '
        "ORDER BY 1, 7 DESC, 5, 6"
    )
    groups, reasons = [], []
    for (
        kind,
        period,
        payer,
        provider,
        group,
        reason,
        claims,
        denied,
        billed,
        amount,
    ) in fetch_rows(sql, params):
        if kind == "g":
            groups.append({"period": period, "payer_id": payer, "provider_id": provider,
                           "claims": claims, "denied": denied, "billed": billed,
                           "denied_amount": amount})  # fmt: skip
        else:
            reasons.append((group, reason, claims, amount))
    return groups, reasons


def _summed(groups: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    out: dict[Any, dict[str, Any]] = {}
    for g in groups:
        total = out.setdefault(g[key], {"claims": 0, "denied": 0, "billed": ZERO,
                                        "denied_amount": ZERO})  # fmt: skip
        total["claims"] += g["claims"]
        total["denied"] += g["denied"]
        total["billed"] += money(g["billed"])
        total["denied_amount"] += money(g["denied_amount"])
    return out


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
    from medoffice.patients.models import Payer
    from medoffice.scheduling.models import Provider

    groups, reasons = _denials(flt)
    per = {as_date(p): _denial_row(v) for p, v in _summed(groups, "period").items()}
    table: list[dict[str, Any]] = []
    by_payer = _summed(groups, "payer_id")
    names = dict(Payer.objects.filter(pk__in=list(by_payer)).values_list("pk", "name"))
    table += sorted(
        ({"by": "Payer", "name": names.get(k, "No payer"), **_denial_row(v)}
         for k, v in by_payer.items()),
        key=lambda r: r["name"],
    )  # fmt: skip
    by_provider = _summed(groups, "provider_id")
    people = {
        pk: f"{last}, {first}"
        for pk, last, first in Provider.objects.filter(pk__in=list(by_provider)).values_list(
            "pk", "user__last_name", "user__first_name"
        )
    }
    # Ordered by the name, grouped by the provider: two clinicians may share one.
    table += sorted(
        ({"by": "Provider", "name": people.get(k, "No provider"), **_denial_row(v)}
         for k, v in by_provider.items()),
        key=lambda r: r["name"],
    )  # fmt: skip
    table += [
        {"by": "Reason", "name": f"{group}-{reason}", "denied": denied,
         "denied_amount": money(amount)}
        for group, reason, denied, amount in reasons
    ]  # fmt: skip
    claims_n = sum(g["claims"] for g in groups)
    denied_n = sum(g["denied"] for g in groups)
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
