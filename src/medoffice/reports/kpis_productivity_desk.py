"""Check-ins per front-desk staff member (kpis.md "Productivity"): who checked patients in.

The appointment stamps when a visit arrived but not who checked it in; the visit flow's audit
entry does (scheduling.services.flow: one "update" entry with status "arrived" per check-in,
none for a repeated click). So the check-ins are those audit entries, grouped by their actor.
No stored record says when staff work (no shifts or time clock), so "per hour of working
time" cannot be computed: the table shows check-ins and the share of each person instead.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import CharField, Count, QuerySet
from django.db.models.functions import Cast

from medoffice.core.permissions import Capability
from medoffice.reports.kpi import (
    Column,
    Kpi,
    KpiResult,
    ReportFilters,
    Section,
    Unit,
    register,
)
from medoffice.reports.kpis_access_common import (
    PLACE_FILTERS,
    as_date,
    narrow,
    period_of,
    practice_zone,
    range_bounds,
)
from medoffice.reports.kpis_revenue_common import percent, series_of

TOP_PEOPLE = 5
ONE_DECIMAL = Decimal("0.1")
NEAR = timedelta(days=7)


def _check_ins(flt: ReportFilters) -> QuerySet:
    from medoffice.audit.models import AuditEvent
    from medoffice.scheduling.models import Appointment

    zone = practice_zone()
    since, until = range_bounds(flt, zone)
    rows = AuditEvent.objects.filter(
        action="update",
        occurred_at__gte=since,
        occurred_at__lt=until,
        object_type="appointment",
        details__status="arrived",
        actor__isnull=False,
    )
    if any(v is not None for v in (flt.location_id, flt.department_id, flt.provider_id)):
        # The entry names the appointment by its id as text: match the narrowed appointments'.
        # A check-in stamps the visit's arrival at the entry's moment; the start (indexed with
        # the location and the provider) is within days of it.
        visits = narrow(
            Appointment.objects.filter(
                arrived_at__gte=since,
                arrived_at__lt=until,
                start__gte=since - NEAR,
                start__lt=until + NEAR,
            ),
            flt,
        ).annotate(key=Cast("pk", CharField()))
        rows = rows.filter(object_id__in=visits.values("key"))
    return rows.annotate(period=period_of("occurred_at", flt, zone))


def _name(r: dict[str, Any]) -> str:
    first, last = r["actor__first_name"], r["actor__last_name"]
    return f"{last}, {first}" if first or last else r["actor_username"]


def check_ins_per_staff(flt: ReportFilters) -> KpiResult:
    rows = _check_ins(flt)
    person = ("actor_id", "actor__first_name", "actor__last_name", "actor_username")
    grouped = list(rows.values("period", *person).annotate(n=Count("pk")).order_by())
    totals: dict[int, int] = {}
    names: dict[int, str] = {}
    per_person: dict[int, dict[date, Decimal]] = {}
    per_period: dict[date, int] = {}
    for r in grouped:  # one row per period and person
        who, period = r["actor_id"], as_date(r["period"])
        names[who] = _name(r)
        totals[who] = totals.get(who, 0) + r["n"]
        per_person.setdefault(who, {})[period] = Decimal(r["n"])
        per_period[period] = per_period.get(period, 0) + r["n"]
    ranked = sorted(totals, key=lambda k: (-totals[k], names[k], k))
    all_check_ins = sum(totals.values())
    # The headline: check-ins per person who checked anyone in over the range.
    headline = (Decimal(all_check_ins) / len(totals)).quantize(ONE_DECIMAL) if totals else None
    series = [
        series_of("All staff", flt, {p: Decimal(n) for p, n in per_period.items()}),
        *(series_of(names[k], flt, per_person[k]) for k in ranked[:TOP_PEOPLE]),
    ]
    return KpiResult(
        headline=headline,
        series=series,
        columns=[
            Column("person", "Staff member"),
            Column("check_ins", "Check-ins", Unit.COUNT),
            Column("share", "Share of check-ins", Unit.PERCENT),
        ],
        rows=[
            {
                "person": names[k],
                "check_ins": totals[k],
                "share": percent(totals[k], all_check_ins),
            }
            for k in ranked
        ],
        drilldown_url=None,  # the audit trail is the compliance office's, not a report list
        notes=[
            'Check-ins as the visit flow recorded them (who clicked "checked in", when), by '
            "local day; the headline is check-ins per person who checked anyone in.",
            "Check-ins per hour of working time need the staff's hours, which are not recorded.",
        ],
    )


register(
    Kpi("check_ins_per_staff", "Check-ins per front-desk staff member", Section.PRODUCTIVITY,
        Capability.REPORTS_ACCESS, Unit.COUNT,
        "Patients checked in by each staff member in the period.", check_ins_per_staff,
        PLACE_FILTERS, None, 30)
)  # fmt: skip
