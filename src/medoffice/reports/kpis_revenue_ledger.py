"""Revenue KPIs read from the ledger: charges, payments, adjustments, net and gross collection
rates, days in A/R and A/R over 90 days.

The money figures use billing.aging's definitions (charges: revenue credited; payments: what
billing.models.payment_postings records as received, less reversals; contractual: the contractual
account), grouped by period in one query each. A/R at many period ends is one query: the balance
at an end is the running total of the per-period sums.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, Q, Sum, When
from django.db.models.functions import Coalesce

from medoffice.billing.models import (
    MONEY_IN,
    RECEIVABLES,
    Account,
    JournalKind,
    Posting,
    account_sql,
    payment_postings,
    payment_received,
)
from medoffice.reports.kpi import Column, KpiResult, ReportFilters, Unit
from medoffice.reports.kpis_revenue_common import (
    TENTH,
    ZERO,
    ar_report_url,
    as_date,
    claim_scope,
    fetch_rows,
    money,
    percent,
    period_ends,
    period_start,
    periods,
    posting_scope,
    series_of,
    trunc,
    url,
)

ADJUSTMENT_ACCOUNTS = {
    Account.CONTRACTUAL_ADJUSTMENT: "Contractual",
    Account.OTHER_ADJUSTMENT: "Other",
    Account.WRITE_OFF: "Write-off",
}


def _in_range(flt: ReportFilters) -> Q:
    return Q(effective_date__gte=flt.start, effective_date__lte=flt.end) & posting_scope(flt)


def _money_per_period(
    rows: Any, flt: ReportFilters, *, negate: bool, amount: Any = "amount"
) -> dict[date, Decimal]:
    sign = -1 if negate else 1
    grouped = (
        rows.annotate(period=trunc("effective_date", flt.grain))
        .values("period")
        .annotate(total=Sum(amount))
        .order_by()
    )
    return {as_date(r["period"]): money(r["total"]) * sign for r in grouped}


def _money_result(
    label: str, per: dict[date, Decimal], flt: ReportFilters, drill: str | None, notes: list[str]
) -> KpiResult:
    headline = sum(per.values(), ZERO) if per else None
    return KpiResult(
        headline=headline,
        series=[series_of(label, flt, per)],
        columns=[Column("period", "Period"), Column("amount", label, Unit.MONEY)],
        rows=[{"period": p, "amount": per[p]} for p in periods(flt) if p in per],
        drilldown_url=drill,
        notes=notes,
    )


def charges(flt: ReportFilters) -> KpiResult:
    rows = Posting.objects.filter(_in_range(flt), account=Account.REVENUE)
    per = _money_per_period(rows, flt, negate=True)
    return _money_result(
        "Charges",
        per,
        flt,
        ar_report_url(flt),
        ["Net of reversed charges, by the charge's posting date."],
    )


def payments(flt: ReportFilters) -> KpiResult:
    rows = Posting.objects.filter(payment_postings(), _in_range(flt))
    per = _money_per_period(rows, flt, negate=False, amount=payment_received())
    return _money_result(
        "Payments",
        per,
        flt,
        url("remittance:file_list"),
        ["Payer and patient payments, net of reversed payments, by posting date."],
    )


def adjustments(flt: ReportFilters) -> KpiResult:
    grouped = (
        Posting.objects.filter(_in_range(flt), account__in=list(ADJUSTMENT_ACCOUNTS))
        .annotate(period=trunc("effective_date", flt.grain))
        .values("period", "account")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    table: dict[date, dict[str, Decimal]] = {}
    for r in grouped:
        table.setdefault(as_date(r["period"]), {})[r["account"]] = money(r["total"])
    per = {p: sum(v.values(), ZERO) for p, v in table.items()}
    result = _money_result(
        "Adjustments",
        per,
        flt,
        url("billing:adjustment_list"),
        ["Contractual, other adjustments and write-offs, by posting date."],
    )
    result.columns = [
        Column("period", "Period"),
        *(Column(str(a), label, Unit.MONEY) for a, label in ADJUSTMENT_ACCOUNTS.items()),
        Column("amount", "Total", Unit.MONEY),
    ]
    result.rows = [
        {
            "period": p,
            **{str(a): table[p].get(a, ZERO) for a in ADJUSTMENT_ACCOUNTS},
            "amount": per[p],
        }
        for p in periods(flt)
        if p in table
    ]
    return result


# --- Collection rates: services in the period, every payment posted since ---------------------

COLLECTION_NOTE = (
    "Measured on the claims whose date of service is in the period, with every payment and "
    "adjustment posted on them up to now: a period is final about 90 days after its end (the "
    "last three months still rise as payers pay). Self-pay charges without a claim are left out."
)


def _collections(flt: ReportFilters) -> dict[date, dict[str, Decimal]]:
    """Per period of the claims' service dates: charges, payments and contractual adjustments
    posted on those claims. One query joining the range's claims to their postings, grouped by
    service day (a few hundred rows at most), shaped into periods here. A join, not a lookup of
    the claim per posting: on SQLite the claims are read in their service date index's order,
    so the grouping streams (the postings carry the claim as a plain id, not a relation)."""
    from medoffice.claims.models import Claim

    claims = Claim.objects.filter(
        claim_scope(flt), service_date_from__gte=flt.start, service_date_from__lte=flt.end
    )
    claims_sql, claims_params = (
        claims.order_by().values("id", "service_date_from").query.sql_with_params()
    )
    sql = f"""
        SELECT c.service_date_from,
               SUM(CASE WHEN p.account = %s THEN p.amount END),
               SUM(CASE WHEN p.account IN (%s, %s) AND (j.kind = %s OR EXISTS (
                            SELECT 1 FROM billing_journal r
                            WHERE r.id = j.reverses_id AND r.kind = %s))
                        THEN p.amount
                        -- A remittance journal's payment is its money account's debit.
                        WHEN p.account IN (%s, %s) AND (j.kind = %s OR EXISTS (
                            SELECT 1 FROM billing_journal r
                            WHERE r.id = j.reverses_id AND r.kind = %s))
                        THEN -p.amount END),
               SUM(CASE WHEN p.account = %s THEN p.amount END)
        FROM ({claims_sql}) c
        JOIN billing_posting p ON p.claim_id = c.id
        LEFT JOIN (
            -- Only the journals a payment can be on: payments, remittances and reversals.
            SELECT id, kind, reverses_id FROM billing_journal
            WHERE kind IN (%s, %s) OR reverses_id IS NOT NULL
        ) j ON j.id = p.journal_id
        GROUP BY c.service_date_from
    """  # noqa: S608 (the claims' values are parameters)
    params = [
        Account.REVENUE,
        *RECEIVABLES,
        JournalKind.PAYMENT,
        JournalKind.PAYMENT,
        *MONEY_IN,
        JournalKind.REMITTANCE,
        JournalKind.REMITTANCE,
        Account.CONTRACTUAL_ADJUSTMENT,
        *claims_params,
        JournalKind.PAYMENT,
        JournalKind.REMITTANCE,
    ]
    out: dict[date, dict[str, Decimal]] = {}
    for day, charged, paid, contractual in fetch_rows(sql, params):
        slot = out.setdefault(
            period_start(as_date(day), flt.grain),
            {"charges": ZERO, "payments": ZERO, "contractual": ZERO},
        )
        slot["charges"] -= money(charged)
        slot["payments"] -= money(paid)
        slot["contractual"] += money(contractual)
    return out


def _collection_result(flt: ReportFilters, *, net: bool) -> KpiResult:
    per = _collections(flt)

    def rate(v: dict[str, Decimal]) -> Decimal | None:
        base = v["charges"] - (v["contractual"] if net else ZERO)
        return percent(v["payments"], base) if base > 0 else None

    total = {
        k: sum((v[k] for v in per.values()), ZERO) for k in ("charges", "payments", "contractual")
    }
    label = "Net collection rate" if net else "Gross collection rate"
    columns = [
        Column("period", "Period"),
        Column("charges", "Charges", Unit.MONEY),
        Column("payments", "Payments", Unit.MONEY),
    ]
    if net:
        columns.append(Column("contractual", "Contractual adjustments", Unit.MONEY))
    columns.append(Column("rate", label, Unit.PERCENT))
    return KpiResult(
        headline=rate(total) if per else None,
        series=[series_of(label, flt, {p: rate(v) for p, v in per.items()})],
        columns=columns,
        rows=[{"period": p, **per[p], "rate": rate(per[p])} for p in periods(flt) if p in per],
        drilldown_url=ar_report_url(flt),
        notes=[COLLECTION_NOTE],
    )


def net_collection_rate(flt: ReportFilters) -> KpiResult:
    return _collection_result(flt, net=True)


def gross_collection_rate(flt: ReportFilters) -> KpiResult:
    return _collection_result(flt, net=False)


# --- A/R at each period end ----------------------------------------------------------------------


def _ar_balances(flt: ReportFilters, ends: list[date]) -> list[Decimal]:
    """The receivables' balance at each end: the balance before the first period plus the
    running total of the per-period sums, per receivable account (whatever the number of
    ends)."""
    first = periods(flt)[0]
    out = [ZERO] * len(ends)
    for account in RECEIVABLES:
        # One account at a time, named in the statement (account__is): SQLite then reads it
        # from its aging index, which holds the amounts, and the dates compared through
        # COALESCE keep it from the (account, date) index, which would look up every
        # posting's row (most of the ledger for the opening balance).
        rows = Posting.objects.filter(posting_scope(flt), account__is=account).alias(
            day=Coalesce("effective_date", "effective_date")
        )
        if connection.vendor == "postgresql":
            # One pass, the balance before the first period as the period NULL: PostgreSQL
            # reads the account once (0.2 s less). SQLite sums the older rows faster apart,
            # without grouping them.
            before_first = Case(
                When(day__lt=first, then=None), default=trunc("effective_date", flt.grain)
            )
            grouped = (
                rows.filter(day__lte=flt.end)
                .annotate(period=before_first)
                .values("period")
                .annotate(total=Sum("amount"))
                .order_by()
            )
            per = {r["period"] and as_date(r["period"]): money(r["total"]) for r in grouped}
        else:
            per = _money_per_period(
                rows.filter(day__gte=first, day__lte=flt.end), flt, negate=False
            )
            per[None] = money(rows.filter(day__lt=first).aggregate(t=Sum("amount"))["t"])
        running = per.get(None, ZERO)
        for k, p in enumerate(periods(flt)):
            running += per.get(p, ZERO)
            out[k] += running
    return out


def _charges_90_days(flt: ReportFilters, ends: list[date]) -> list[Decimal]:
    """Gross charges of the 90 days up to each end, from one query of charges per day."""
    since = ends[0] - timedelta(days=89)
    daily = dict(
        Posting.objects.filter(
            posting_scope(flt),
            account=Account.REVENUE,
            effective_date__gte=since,
            effective_date__lte=flt.end,
        )
        .values("effective_date")
        .annotate(t=Sum("amount"))
        .order_by()
        .values_list("effective_date", "t")
    )
    return [
        -sum((money(t) for day, t in daily.items() if end - timedelta(days=89) <= day <= end), ZERO)
        for end in ends
    ]


def days_in_ar(flt: ReportFilters) -> KpiResult:
    ends = period_ends(flt)
    balances = _ar_balances(flt, ends)
    charged = _charges_90_days(flt, ends)
    values = {
        p: (ar * 90 / c).quantize(TENTH) if c > 0 else None
        for p, ar, c in zip(periods(flt), balances, charged, strict=True)
    }
    return KpiResult(
        headline=values[periods(flt)[-1]],
        series=[series_of("Days in A/R", flt, values)],
        columns=[
            Column("end", "Period end"),
            Column("ar", "A/R", Unit.MONEY),
            Column("charges_90", "Charges, last 90 days", Unit.MONEY),
            Column("days", "Days in A/R", Unit.DAYS),
        ],
        rows=[
            {"end": e, "ar": ar, "charges_90": c, "days": values[p]}
            for p, e, ar, c in zip(periods(flt), ends, balances, charged, strict=True)
        ],
        drilldown_url=ar_report_url(flt),
        notes=[
            "A/R (payers' and patients') at each period end ÷ the average daily charges of "
            "the 90 days up to it; the headline is at the range's end."
        ],
    )


def _scope_sql(flt: ReportFilters, *, claims: bool) -> tuple[list[str], list[Any]]:
    """posting_scope as SQL over `p` (postings) and, for claims, `c` (their claims)."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("p.location_id", flt.location_id), ("p.payer_id", flt.payer_id)):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    if flt.department_id is not None:
        where.append(
            "p.location_id IN (SELECT location_id FROM organization_department_locations "
            "WHERE department_id = %s)"
        )
        params.append(flt.department_id)
    if claims and flt.provider_id is not None:
        where.append("c.rendering_provider_id = %s")
        params.append(flt.provider_id)
    return where, params


def _within_90_days(flt: ReportFilters, ends: list[date]) -> list[Decimal]:
    """The receivables at each end that are not over 90 days old: those of claims whose date of
    service is less than 91 days before the end, and those without a claim (self-pay charges,
    patients' payments on account) dated less than 91 days before it.

    Two grouped queries over the recent claims and postings only (what is older is over 90
    days at every end, and counts through the balances): amounts by (service date, period of
    the posting) and by posting date; the ends' sums are taken from those few hundred rows."""
    oldest = ends[0] - timedelta(days=90)
    receivables = f"({account_sql(Account.AR_PAYER, 'p.account')} OR "
    receivables += f"{account_sql(Account.AR_PATIENT, 'p.account')})"
    period_case = "CASE " + " ".join(
        f"WHEN p.effective_date <= %s THEN {k}" for k in range(len(ends))
    ) + " END"  # fmt: skip
    where, params = _scope_sql(flt, claims=True)
    # Claims first (CROSS JOIN keeps that order on SQLite): the recent ones by their service
    # date, then their receivable postings from the (claim, account, date, amount) index.
    by_claim = fetch_rows(
        f"""
        SELECT c.service_date_from, {period_case}, SUM(p.amount)
        FROM claims_claim c CROSS JOIN billing_posting p
        WHERE p.claim_id = c.id AND c.service_date_from >= %s AND {receivables}
              AND p.effective_date <= %s {"".join(f" AND {w}" for w in where)}
        GROUP BY 1, 2
        """,  # noqa: S608 (values are parameters)
        [*ends, oldest, flt.end, *params],
    )
    without_claim: list[tuple[Any, ...]] = []
    if flt.provider_id is None:  # a provider's receivables are their claims'
        where, params = _scope_sql(flt, claims=False)
        without_claim = fetch_rows(
            f"""
            SELECT p.effective_date, {period_case}, SUM(p.amount)
            FROM billing_posting p
            WHERE p.claim_id IS NULL AND {receivables} AND p.effective_date >= %s
                  AND p.effective_date <= %s {"".join(f" AND {w}" for w in where)}
            GROUP BY 1, 2
            """,  # noqa: S608 (values are parameters)
            [*ends, oldest, flt.end, *params],
        )
    out = [ZERO] * len(ends)
    for day, k, amount in [*by_claim, *without_claim]:
        aged_from = as_date(day)
        for end_index in range(k, len(ends)):
            if aged_from > ends[end_index] - timedelta(days=91):
                out[end_index] += money(amount)
    return out


def ar_over_90(flt: ReportFilters) -> KpiResult:
    ends = period_ends(flt)
    totals = _ar_balances(flt, ends)
    over = [t - young for t, young in zip(totals, _within_90_days(flt, ends), strict=True)]
    values = {
        p: percent(o, t) if t > 0 else None
        for p, t, o in zip(periods(flt), totals, over, strict=True)
    }
    return KpiResult(
        headline=values[periods(flt)[-1]],
        series=[series_of("A/R over 90 days", flt, values)],
        columns=[
            Column("end", "Period end"),
            Column("ar", "A/R", Unit.MONEY),
            Column("over_90", "Over 90 days from service", Unit.MONEY),
            Column("share", "Share over 90 days", Unit.PERCENT),
        ],
        rows=[
            {"end": e, "ar": t, "over_90": o, "share": values[p]}
            for p, e, t, o in zip(periods(flt), ends, totals, over, strict=True)
        ],
        drilldown_url=ar_report_url(flt),
        notes=[
            "A/R (payers' and patients') at each period end whose date of service is more than "
            "90 days before the end, over all A/R then (kpis.md). A balance without a claim (a "
            "self-pay charge, a payment on account) ages from its own date. The A/R page's "
            "buckets age a payer's balance from its charge and a patient's first in, first out.",
        ],
    )
