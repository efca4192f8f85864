"""Patient-flow and capacity KPIs: wait to room and cycle time (medians of the front desk's
visit-flow stamps), provider utilization (booked ÷ available block minutes) and the fill rate
of freed slots."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    When,
)
from django.db.models.functions import Coalesce

from medoffice.frontdesk import wait_times
from medoffice.reports.kpi import Column, KpiResult, ReportFilters, Unit
from medoffice.reports.kpis_access_common import (
    S,
    appointments,
    as_date,
    calendar_url,
    grouped_medians,
    narrow,
    one_decimal,
    period_of,
    periods,
    practice_zone,
    range_bounds,
    rate,
    series,
    wait_times_url,
    waitlist_url,
)
from medoffice.scheduling.models import (
    ACTIVE_STATUSES,
    MAX_APPOINTMENT_MINUTES,
    Appointment,
    AvailabilityBlock,
    Provider,
)
from medoffice.waitlist.models import OfferStatus, WaitlistOffer

# The front desk's three figures (wait_times.METRICS) and the last step of the visit, so the
# table breaks the whole visit down: arrival -> roomed -> provider -> out.
FLOW_STEPS = (
    *wait_times.METRICS[:2],
    ("provider_to_checkout", "Provider to checkout", "provider_at", "checked_out_at"),
    wait_times.METRICS[2],
)


class _SqliteMicroseconds(Func):
    """Microseconds from the first stamp to the second with SQLite's own julianday(): Django's
    DurationField subtraction calls a Python function per row, which over a year of visits
    (four steps, each read by several windows) was twenty seconds."""

    arg_joiner = ") - julianday("
    template = "CAST(ROUND((julianday(%(expressions)s)) * 86400000000.0) AS INTEGER)"
    output_field = FloatField()


def _elapsed(start: str, end: str) -> Case:
    """Seconds (PostgreSQL) or microseconds (SQLite) between two stamps; NULL when a stamp is
    missing or out of order (wait_times' rule: a step before the previous one is a data error)."""
    if connection.vendor == "postgresql":
        # date_part gives a double: EXTRACT gives numeric, slower to compute and to group.
        value: Any = Func(
            ExpressionWrapper(F(end) - F(start), output_field=DurationField()),
            template="date_part('epoch', %(expressions)s)",
            output_field=FloatField(),
        )
    else:
        value = _SqliteMicroseconds(F(end), F(start))
    return Case(When(Q(**{f"{start}__isnull": False, f"{end}__gte": F(start)}), then=value))


def _minutes(value: float | None) -> Decimal | None:
    if value is None:
        return None
    scale = 60 if connection.vendor == "postgresql" else 60_000_000
    return one_decimal(round(float(value) / scale, 1))


def _flow(filters: ReportFilters, headline_step: str, label: str) -> KpiResult:
    zone = practice_zone()
    qs = appointments(filters, zone).filter(arrived_at__isnull=False)
    group = period_of("start", filters, zone)
    medians = grouped_medians(
        qs, group, {key: _elapsed(a, b) for key, _, a, b in FLOW_STEPS}, rows="visits"
    )
    by_period = {as_date(g): figures for g, figures in medians.items() if g is not None}
    firsts = periods(filters)
    values = {p: _minutes(by_period.get(p, {}).get(headline_step)) for p in firsts}
    rows = []
    for p in firsts:
        if p not in by_period:
            continue
        row: dict[str, Any] = {"period": p, "visits": by_period[p]["visits"]}
        row |= {key: _minutes(by_period[p][key]) for key, *_ in FLOW_STEPS}
        rows.append(row)
    return KpiResult(
        headline=_minutes(medians[None][headline_step]),
        series=[series(label, firsts, values)],
        columns=[Column("period", "Period"), Column("visits", "Arrived visits", Unit.COUNT)]
        + [Column(key, f"{title} (median)", Unit.MINUTES) for key, title, *_ in FLOW_STEPS],
        rows=rows,
        drilldown_url=wait_times_url(filters),
        notes=["Medians over visits that reached each step; stamps out of order are left out."],
    )


def wait_to_room(filters: ReportFilters) -> KpiResult:
    return _flow(filters, "arrival_to_roomed", "Wait to room")


def cycle_time(filters: ReportFilters) -> KpiResult:
    return _flow(filters, "arrival_to_checkout", "Cycle time")


# --- Utilization ------------------------------------------------------------------------------

# Time a booking held, whatever came of it (a no-show's time was booked too).
BOOKED_STATUSES = (*ACTIVE_STATUSES, S.NO_SHOW)


class _SqliteSeconds(Func):
    """Whole seconds from the first stamp to the second with SQLite's own julianday() (rounded:
    a julianday is exact to a few tens of microseconds); Django's DurationField subtraction
    calls a Python function per row there, most of utilization's time over a year."""

    arg_joiner = ") - julianday("
    template = "CAST(ROUND((julianday(%(expressions)s)) * 86400.0) AS INTEGER)"
    output_field = IntegerField()


def _length() -> Sum:
    if connection.vendor == "sqlite":
        return Sum(_SqliteSeconds(F("end"), F("start")))
    return Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField()))


def _grouped_minutes(qs: Any, group: Any) -> dict[tuple[date, int], int]:
    rows = qs.annotate(period=group).values("period", "provider_id").annotate(length=_length())
    return {
        (as_date(r["period"]), r["provider_id"]): _whole_minutes(r["length"])
        for r in rows.order_by()
        if r["length"] is not None
    }


def _whole_minutes(length: timedelta | int) -> int:
    seconds = length.total_seconds() if isinstance(length, timedelta) else length
    return int(seconds // 60)


def utilization(filters: ReportFilters) -> KpiResult:
    zone = practice_zone()
    lo, hi = range_bounds(filters, zone)
    booked = _grouped_minutes(
        appointments(filters, zone).filter(status__in=BOOKED_STATUSES),
        period_of("start", filters, zone),
    )
    blocks = narrow(
        AvailabilityBlock.objects.filter(start__gte=lo, start__lt=hi),
        filters,
        department="template__department_id",
    )
    available = _grouped_minutes(blocks, period_of("start", filters, zone))
    firsts = periods(filters)
    per_period: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    per_provider: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (p, provider_id), minutes in booked.items():
        per_period[p][0] += minutes
        per_provider[provider_id][0] += minutes
    for (p, provider_id), minutes in available.items():
        per_period[p][1] += minutes
        per_provider[provider_id][1] += minutes
    names = {
        p.pk: str(p)
        for p in Provider.objects.filter(pk__in=list(per_provider)).select_related("user")
    }
    table = [
        {
            "name": names.get(pk, "?"),
            "booked": Decimal(b),
            "available": Decimal(a),
            "rate": rate(b, a),
            "_url": calendar_url(filters, provider_id=pk),
        }
        for pk, (b, a) in per_provider.items()
        if a
    ]
    table.sort(key=lambda r: (r["rate"], r["name"]))
    total_booked = sum(b for b, _ in per_period.values())
    total_available = sum(a for _, a in per_period.values())
    return KpiResult(
        headline=rate(total_booked, total_available),
        series=[series("Provider utilization", firsts, {p: rate(*per_period[p]) for p in firsts})],
        columns=[
            Column("name", "Provider"),
            Column("booked", "Booked minutes", Unit.COUNT),
            Column("available", "Available minutes", Unit.COUNT),
            Column("rate", "Utilization", Unit.PERCENT),
        ],
        rows=table,
        drilldown_url=calendar_url(filters),
        notes=[
            "Available minutes are the availability blocks (templates minus time off and "
            "holidays); booked minutes include no-shows, overbookings and bookings outside "
            "the blocks, so a provider can pass 100%."
        ],
    )


# --- Fill rate of freed slots ----------------------------------------------------------------


def fill_rate(filters: ReportFilters) -> KpiResult:
    """A slot is freed when its appointment is cancelled or moved before its start; it is
    filled when another appointment of the same provider overlapping it was booked after it
    was freed and before it began (the waitlist's offers, or anyone's booking)."""
    zone = practice_zone()
    freed_at = Coalesce("cancelled_at", "rescheduled_to__created_at")
    freed = (
        appointments(filters, zone)
        .filter(status__in=(S.CANCELLED, S.RESCHEDULED))
        .annotate(freed_at=freed_at)
        .filter(freed_at__lt=F("start"))
    )
    refill = Appointment.objects.filter(
        provider_id=OuterRef("provider_id"),
        start__lt=OuterRef("end"),
        end__gt=OuterRef("start"),
        start__gt=OuterRef("start") - timedelta(minutes=MAX_APPOINTMENT_MINUTES),
        created_at__gte=OuterRef("freed_at"),
        created_at__lt=OuterRef("start"),
    ).exclude(rescheduled_from_id=OuterRef("pk"))
    via_waitlist = WaitlistOffer.objects.filter(
        freed_appointment_id=OuterRef("pk"), status=OfferStatus.ACCEPTED
    )
    grouped = (
        freed.annotate(
            period=period_of("start", filters, zone),
            filled=Exists(refill),
            waitlist=Exists(via_waitlist),
        )
        .values("period")
        .annotate(
            freed=Count("pk"),
            refilled=Count("pk", filter=Q(filled=True)),
            by_waitlist=Count("pk", filter=Q(waitlist=True)),
        )
        .order_by()
    )
    rows = list(grouped)  # (PostgreSQL runs without JIT: see settings, MEDOFFICE_PG_JIT)
    by = {as_date(r["period"]): r for r in rows}
    firsts = periods(filters)
    values = {p: rate(by[p]["refilled"], by[p]["freed"]) if p in by else None for p in firsts}
    total_freed = sum(r["freed"] for r in rows)
    total_filled = sum(r["refilled"] for r in rows)
    return KpiResult(
        headline=rate(total_filled, total_freed),
        series=[series("Fill rate of freed slots", firsts, values)],
        columns=[
            Column("period", "Period"),
            Column("freed", "Freed slots", Unit.COUNT),
            Column("refilled", "Rebooked before the start", Unit.COUNT),
            Column("by_waitlist", "…of which through a waitlist offer", Unit.COUNT),
            Column("rate", "Fill rate", Unit.PERCENT),
        ],
        rows=[
            {
                "period": p,
                "freed": by[p]["freed"],
                "refilled": by[p]["refilled"],
                "by_waitlist": by[p]["by_waitlist"],
                "rate": values[p],
            }
            for p in firsts
            if p in by
        ],
        drilldown_url=waitlist_url(filters),
        notes=[
            "Freed slots are dated by their start; a slot is freed by a cancellation or a move."
        ],
    )
