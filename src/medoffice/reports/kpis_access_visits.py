"""Access KPIs counted over appointments dated in the period: visits, new patients, no-shows
(overall, by provider, by type) and cancellations (late, and by lead time).

Each is one grouped SQL aggregate (conditional counts per period, or per period and provider or
type); Python only turns the few grouped rows into the result."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q

from medoffice.reports.kpi import Column, KpiResult, ReportFilters, Unit
from medoffice.reports.kpis_access_common import (
    SEEN_STATUSES,
    S,
    appointments,
    as_date,
    calendar_url,
    period_of,
    periods,
    practice_zone,
    rate,
    series,
)
from medoffice.scheduling.models import AppointmentType, PatientKind, Provider

SEEN = Q(status__in=SEEN_STATUSES)
NO_SHOW = Q(status=S.NO_SHOW)
CANCELLED = Q(status=S.CANCELLED)
# "Appointments dated in the period": a moved appointment is counted once, at its new time.
DATED = ~Q(status=S.RESCHEDULED)
# Lead time = start - cancelled_at, in whole days: <24 h, 1-2 days, 3-7 days, more than 7 days.
LEAD_BANDS = (
    ("under_24h", "< 24 h", None, timedelta(hours=24)),
    ("days_1_2", "1-2 days", timedelta(hours=24), timedelta(days=3)),
    ("days_3_7", "3-7 days", timedelta(days=3), timedelta(days=8)),
    ("over_7d", "> 7 days", timedelta(days=8), None),
)


def _band(low: timedelta | None, high: timedelta | None) -> Q:
    """Cancelled with a lead time in [low, high): cancelled_at in (start - high, start - low]."""
    q = CANCELLED
    if high is not None:
        q &= Q(cancelled_at__gt=F("start") - high)
    if low is not None:
        q &= Q(cancelled_at__lte=F("start") - low)
    return q


LATE = _band(None, timedelta(hours=24))


def _counts(
    filters: ReportFilters, by: str | None = None, **counts: Count
) -> tuple[list[date], list[dict[str, Any]]]:
    """Grouped conditional counts per period (and per `by` column): one query."""
    zone = practice_zone()
    keys = ["period"] + ([by] if by else [])
    rows = list(
        appointments(filters, zone)
        .annotate(period=period_of("start", filters, zone))
        .values(*keys)
        .annotate(**counts)
        .order_by()
    )
    for row in rows:
        row["period"] = as_date(row["period"])
    return periods(filters), rows


def _by_period(rows: list[dict[str, Any]]) -> dict[date, dict[str, int]]:
    out: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for key, value in row.items():
            if key != "period" and isinstance(value, int) and not key.endswith("_id"):
                out[row["period"]][key] += value
    return out


def _totals(rows: list[dict[str, Any]], *keys: str) -> dict[str, int]:
    return {k: sum(r[k] for r in rows) for k in keys}


# --- Visits and new patients ------------------------------------------------------------------


def visits(filters: ReportFilters) -> KpiResult:
    firsts, rows = _counts(filters, visits=Count("pk", filter=SEEN))
    by = _by_period(rows)
    values = {p: Decimal(by[p]["visits"]) if by[p]["visits"] else None for p in firsts}
    total = _totals(rows, "visits")["visits"]
    return KpiResult(
        headline=Decimal(total) if total else None,
        series=[series("Visits", firsts, values)],
        columns=[Column("period", "Period"), Column("visits", "Visits", Unit.COUNT)],
        rows=[{"period": p, "visits": values[p]} for p in firsts],
        drilldown_url=calendar_url(filters, statuses=SEEN_STATUSES),
    )


def new_patients(filters: ReportFilters) -> KpiResult:
    new_type = Q(type__patient_kind=PatientKind.NEW)
    firsts, rows = _counts(
        filters,
        new=Count("pk", filter=SEEN & new_type),
        visits=Count("pk", filter=SEEN),
    )
    by = _by_period(rows)
    values = {p: Decimal(by[p]["new"]) if by[p]["new"] else None for p in firsts}
    total = _totals(rows, "new", "visits")
    new_type_ids = list(
        AppointmentType.objects.filter(patient_kind=PatientKind.NEW).values_list("pk", flat=True)
    )
    url = calendar_url(filters, statuses=SEEN_STATUSES)
    if new_type_ids:
        url += "".join(f"&type={pk}" for pk in new_type_ids)
    return KpiResult(
        headline=Decimal(total["new"]) if total["new"] else None,
        series=[series("New patients", firsts, values)],
        columns=[
            Column("period", "Period"),
            Column("new", "New-patient visits", Unit.COUNT),
            Column("visits", "All visits", Unit.COUNT),
            Column("share", "Share of visits", Unit.PERCENT),
        ],
        rows=[
            {
                "period": p,
                "new": values[p],
                "visits": by[p]["visits"] or None,
                "share": rate(by[p]["new"], by[p]["visits"]),
            }
            for p in firsts
        ],
        drilldown_url=url,
    )


# --- No-shows ----------------------------------------------------------------------------------

NO_SHOW_COUNTS = {"no_shows": Count("pk", filter=NO_SHOW), "seen": Count("pk", filter=SEEN)}


def _no_show_rate(counts: dict[str, int]) -> Decimal | None:
    return rate(counts["no_shows"], counts["no_shows"] + counts["seen"])


def no_show_rate(filters: ReportFilters) -> KpiResult:
    firsts, rows = _counts(filters, **NO_SHOW_COUNTS)
    by = _by_period(rows)
    values = {p: _no_show_rate(by[p]) for p in firsts}
    return KpiResult(
        headline=_no_show_rate(_totals(rows, "no_shows", "seen")),
        series=[series("No-show rate", firsts, values)],
        columns=[
            Column("period", "Period"),
            Column("no_shows", "No-shows", Unit.COUNT),
            Column("seen", "Completed visits", Unit.COUNT),
            Column("rate", "No-show rate", Unit.PERCENT),
        ],
        rows=[
            {"period": p, "no_shows": by[p]["no_shows"], "seen": by[p]["seen"], "rate": values[p]}
            for p in firsts
            if values[p] is not None
        ],
        drilldown_url=calendar_url(filters, statuses=(S.NO_SHOW,)),
    )


def _no_show_split(filters: ReportFilters, by: str, names: dict[int, str]) -> KpiResult:
    """The no-show rate with one table row per provider or type over the range (a manager
    compares them), worst first; the chart is the overall rate plus one line per group."""
    firsts, rows = _counts(filters, by, **NO_SHOW_COUNTS)
    overall = _by_period(rows)
    groups: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    points: dict[int, dict[date, Decimal | None]] = defaultdict(dict)
    for row in rows:
        for key in ("no_shows", "seen"):
            groups[row[by]][key] += row[key]
        points[row[by]][row["period"]] = _no_show_rate(row)
    table = []
    for key, counts in groups.items():
        value = _no_show_rate(counts)
        if value is None:
            continue
        row: dict[str, Any] = {"name": names.get(key, "?"), **counts, "rate": value}
        if by == "provider_id":
            row["_url"] = calendar_url(filters, statuses=(S.NO_SHOW,), provider_id=key)
        table.append(row)
    table.sort(key=lambda r: (-r["rate"], r["name"]))
    ordered = sorted(points, key=lambda k: names.get(k, "?"))
    return KpiResult(
        headline=_no_show_rate(_totals(rows, "no_shows", "seen")),
        series=[series("No-show rate", firsts, {p: _no_show_rate(overall[p]) for p in firsts})]
        + [
            series(names.get(k, "?"), firsts, points[k])
            for k in ordered
            if groups[k]["no_shows"] + groups[k]["seen"]
        ],
        columns=[
            Column("name", "Provider" if by == "provider_id" else "Appointment type"),
            Column("no_shows", "No-shows", Unit.COUNT),
            Column("seen", "Completed visits", Unit.COUNT),
            Column("rate", "No-show rate", Unit.PERCENT),
        ],
        rows=table,
        drilldown_url=calendar_url(filters, statuses=(S.NO_SHOW,)),
    )


def no_show_by_provider(filters: ReportFilters) -> KpiResult:
    providers = Provider.objects.select_related("user")
    if filters.provider_id is not None:
        providers = providers.filter(pk=filters.provider_id)
    return _no_show_split(filters, "provider_id", {p.pk: str(p) for p in providers})


def no_show_by_type(filters: ReportFilters) -> KpiResult:
    names = dict(AppointmentType.objects.values_list("pk", "name"))
    return _no_show_split(filters, "type_id", names)


# --- Cancellations -----------------------------------------------------------------------------


def late_cancellation_rate(filters: ReportFilters) -> KpiResult:
    firsts, rows = _counts(
        filters,
        late=Count("pk", filter=LATE),
        late_patient=Count("pk", filter=LATE & Q(cancelled_by="patient")),
        dated=Count("pk", filter=DATED),
    )
    by = _by_period(rows)
    values = {p: rate(by[p]["late"], by[p]["dated"]) for p in firsts}
    totals = _totals(rows, "late", "dated")
    return KpiResult(
        headline=rate(totals["late"], totals["dated"]),
        series=[series("Late-cancellation rate", firsts, values)],
        columns=[
            Column("period", "Period"),
            Column("late", "Cancelled < 24 h before", Unit.COUNT),
            Column("late_patient", "…by the patient", Unit.COUNT),
            Column("dated", "Appointments", Unit.COUNT),
            Column("rate", "Late-cancellation rate", Unit.PERCENT),
        ],
        rows=[
            {
                "period": p,
                **{k: by[p][k] for k in ("late", "late_patient", "dated")},
                "rate": values[p],
            }
            for p in firsts
            if values[p] is not None
        ],
        drilldown_url=calendar_url(filters, statuses=(S.CANCELLED,)),
        notes=["Moved (rescheduled) appointments are counted once, at their new time."],
    )


def cancellation_by_lead_time(filters: ReportFilters) -> KpiResult:
    counts = {key: Count("pk", filter=_band(low, high)) for key, _, low, high in LEAD_BANDS}
    firsts, rows = _counts(
        filters, **counts, cancelled=Count("pk", filter=CANCELLED), dated=Count("pk", filter=DATED)
    )
    by = _by_period(rows)
    totals = _totals(rows, "cancelled", "dated")
    table = []
    for p in firsts:
        if not by[p]["dated"]:
            continue
        row: dict[str, Any] = {"period": p, "dated": by[p]["dated"]}
        row["rate"] = rate(by[p]["cancelled"], by[p]["dated"])
        for key, *_ in LEAD_BANDS:
            row[key] = rate(by[p][key], by[p]["dated"])
        table.append(row)
    return KpiResult(
        headline=rate(totals["cancelled"], totals["dated"]),
        series=[
            series(
                "Cancellation rate",
                firsts,
                {p: rate(by[p]["cancelled"], by[p]["dated"]) for p in firsts},
            )
        ]
        + [
            series(label, firsts, {p: rate(by[p][key], by[p]["dated"]) for p in firsts})
            for key, label, *_ in LEAD_BANDS
        ],
        columns=[Column("period", "Period"), Column("dated", "Appointments", Unit.COUNT)]
        + [Column(key, f"Cancelled {label} before", Unit.PERCENT) for key, label, *_ in LEAD_BANDS]
        + [Column("rate", "All cancellations", Unit.PERCENT)],
        rows=table,
        drilldown_url=calendar_url(filters, statuses=(S.CANCELLED,)),
        notes=["Lead time is the start minus the moment of cancelling, in whole days."],
    )
