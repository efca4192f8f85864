"""Productivity KPIs (kpis.md "Productivity"): visits and charges per provider, and claims
worked per biller (the claim status history's actor). SQL aggregates grouped by person."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from medoffice.accounts.models import User
from medoffice.claims.models import ChargeLine, ChargeStatus, ClaimStatusChange
from medoffice.core.permissions import Capability
from medoffice.reports.kpi import (
    Column,
    Filter,
    Kpi,
    KpiResult,
    ReportFilters,
    Section,
    Series,
    Unit,
    register,
)
from medoffice.reports.kpis_access_common import period_of
from medoffice.reports.kpis_revenue_common import (
    ZERO,
    as_date,
    claim_scope,
    fetch_rows,
    money,
    series_of,
    trunc,
    url,
)
from medoffice.scheduling.models import Provider

TOP_PROVIDERS = 5


def _name(first: str | None, last: str | None, fallback: str) -> str:
    return f"{last}, {first}" if last or first else fallback


def charges_per_provider(flt: ReportFilters) -> KpiResult:
    """Charges (and visits: encounters with a charge) per rendering provider, by service date."""
    scope = claim_scope(ReportFilters(**{**flt.__dict__, "payer_id": None}))
    # The statuses but void, not "not void": a list SQLite reads from the (status, date of
    # service) index, where a negation scanned every charge line by provider.
    rows = ChargeLine.objects.filter(
        scope,
        status__in=[s for s in ChargeStatus if s != ChargeStatus.VOID],
        date_of_service__gte=flt.start,
        date_of_service__lte=flt.end,
    )
    # Charge lines summed per (provider, encounter, period) once; the providers' totals and
    # visits and their periods are both read from that (one pass over the lines, where a
    # grouping by provider with a distinct count and another by period read them twice).
    visits_sql, params = (
        rows.annotate(period=trunc("date_of_service", flt.grain))
        .values("rendering_provider_id", "encounter_id", "period")
        .annotate(charges=Sum("billed_amount"))
        .order_by()
        .query.sql_with_params()
    )
    found = fetch_rows(
        f"WITH visits AS MATERIALIZED ({visits_sql}) "  # noqa: S608 (values are parameters)
        "SELECT rendering_provider_id, NULL, SUM(charges), COUNT(DISTINCT encounter_id) "
        "FROM visits GROUP BY rendering_provider_id "
        "UNION ALL "
        "SELECT rendering_provider_id, period, SUM(charges), NULL "
        "FROM visits GROUP BY rendering_provider_id, period",
        list(params),
    )
    people = sorted(
        ((provider, money(charges), visits) for provider, period, charges, visits in found
         if period is None),
        key=lambda r: (-r[1], r[0]),
    )  # fmt: skip
    names = {
        pk: (first, last)
        for pk, first, last in Provider.objects.filter(
            pk__in=[provider for provider, _, _ in people]
        ).values_list("pk", "user__first_name", "user__last_name")
    }
    table = [
        {
            "provider": _name(*names.get(provider, (None, None)), f"Provider {provider}"),
            "visits": visits,
            "charges": charges,
        }
        for provider, charges, visits in people
    ]
    by_provider: dict[Any, dict[date, Decimal]] = {}
    total: dict[date, Decimal] = {}
    for provider, period, charges, _ in found:
        if period is None:
            continue
        day, amount = as_date(period), money(charges)
        by_provider.setdefault(provider, {})[day] = amount
        total[day] = total.get(day, ZERO) + amount
    series = [series_of("All providers", flt, total)]
    for (provider, _, _), row in list(zip(people, table, strict=True))[:TOP_PROVIDERS]:
        series.append(series_of(row["provider"], flt, by_provider[provider]))
    return KpiResult(
        headline=sum((row["charges"] for row in table), ZERO) if table else None,
        series=series,
        columns=[
            Column("provider", "Provider"),
            Column("visits", "Visits", Unit.COUNT),
            Column("charges", "Charges", Unit.MONEY),
        ],
        rows=table,
        drilldown_url=url("claims:charge_review"),
        notes=[
            "By date of service; visits are the encounters with at least one charge; voided "
            "charges left out."
        ],
    )


def _local_bounds(flt: ReportFilters) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(flt.start, time(), tzinfo=tz),
        datetime.combine(flt.end + timedelta(days=1), time(), tzinfo=tz),
    )


def claims_worked_per_biller(flt: ReportFilters) -> KpiResult:
    """Claim status changes made by each person (ERA postings included: their importer), by
    the local day they were made."""
    since, until = _local_bounds(flt)
    rows = ClaimStatusChange.objects.filter(
        claim_scope(flt, "claim__"), actor__isnull=False, at__gte=since, at__lt=until
    )
    # Per (person, claim) first, then per person: one grouping of the changes, where counting
    # distinct claims within a grouping by person sorted the changes twice (PostgreSQL: on
    # disk). The few people's names are read after.
    pairs_sql, params = (
        rows.values("actor_id", "claim_id")
        .annotate(n=Count("pk"))
        .order_by()
        .query.sql_with_params()
    )
    people = fetch_rows(
        f"SELECT actor_id, SUM(n), COUNT(*) FROM ({pairs_sql}) pairs GROUP BY actor_id",  # noqa: S608
        list(params),
    )
    names = {
        u.pk: _name(u.first_name, u.last_name, u.username)
        for u in User.objects.filter(pk__in=[actor for actor, _, _ in people])
    }
    table = [
        {"person": names[actor], "claims": claims, "changes": int(changes)}
        for actor, changes, claims in sorted(people, key=lambda r: (-r[1], r[0]))
    ]
    # The local period from a CASE over its UTC bounds (a binary search): compared with the
    # stored instant, without computing each change's local date (SQLite: per row).
    per_period = (
        rows.annotate(period=period_of("at", flt, timezone.get_current_timezone()))
        .values("period")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {as_date(r["period"]): Decimal(r["n"]) for r in per_period}
    return KpiResult(
        headline=Decimal(sum(r["changes"] for r in table)) if table else None,
        series=[Series("Claim status changes", series_of("", flt, counts).points)],
        columns=[
            Column("person", "Biller"),
            Column("claims", "Claims worked", Unit.COUNT),
            Column("changes", "Status changes", Unit.COUNT),
        ],
        rows=table,
        drilldown_url=url("claims:worklist"),
        notes=["Every claim status change a person made (scrub, submit, ERA posting, appeal)."],
    )


for kpi in (
    Kpi("charges_per_provider", "Visits and charges per provider", Section.PRODUCTIVITY,
        Capability.REPORTS_REVENUE, Unit.MONEY,
        "Charges per rendering provider, with their visits, by date of service.",
        charges_per_provider, frozenset({Filter.LOCATION, Filter.DEPARTMENT, Filter.PROVIDER}),
        None, 10),
    Kpi("claims_worked_per_biller", "Claims worked per biller", Section.PRODUCTIVITY,
        Capability.REPORTS_REVENUE, Unit.COUNT,
        "Claim status changes made by each biller in the period.", claims_worked_per_biller,
        frozenset(Filter), None, 20),
):  # fmt: skip
    register(kpi)
from medoffice.reports import kpis_productivity_desk  # noqa: E402, F401  (registers its KPI)
