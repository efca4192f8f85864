"""Third next available (TNAA): days from a day to a provider's third open slot of a visit type.

The slots are those find-first-available offers (scheduling.services.find): inside the
provider's availability blocks (open ones, or reserved ones that admit the type), not
overlapping any of the provider's bookings, packed from the start of each free stretch at the
type's length, so a free stretch holds floor(length ÷ duration) slots. find-first-available
reads today's occupancy rows and walks one day at a time in Python; a report measures the book
as it stood on past days, so the same rule is computed here in SQL over the appointments as
they were at that day's midnight (booked before it, not yet cancelled or moved by then).

Bounds, so it stays fast on a large practice: one statement per measured day, at most
MAX_MEASURED days (the latest periods), each reading the blocks and bookings of the filtered
providers over the next FIRST_HORIZON days through the (provider, start) indexes; only the
providers without three slots in that window are read again over LAST_HORIZON days. A provider
with blocks but no third slot within LAST_HORIZON days counts as LAST_HORIZON + 1 days.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from medoffice.organization.models import Location
from medoffice.reports.kpi import Column, KpiResult, ReportFilters, Unit
from medoffice.reports.kpis_access_common import (
    link,
    one_decimal,
    periods,
    practice_zone,
    series,
)
from medoffice.scheduling.models import (
    MAX_APPOINTMENT_MINUTES,
    SLOT_MINUTES,
    Appointment,
    AppointmentType,
    AvailabilityBlock,
    AvailabilityTemplate,
    BlockKind,
    PatientKind,
    Provider,
)

MAX_MEASURED = 13
FIRST_HORIZON = 14
LAST_HORIZON = 90
NTH = 3  # the third next available: robust to a single random opening


@dataclass(frozen=True)
class _Setup:
    appt_type: AppointmentType
    providers: dict[int, str]
    reserved_ok: list[int]
    zones: dict[int, ZoneInfo]  # location id -> zone


def measured_type(kind: str) -> AppointmentType | None:
    """The visit type TNAA is measured with: the first active new-patient type, or for
    established patients the first established-only type, else the first type for anyone;
    types that also need a room or equipment come last (their slots depend on more than the
    provider), telehealth too."""
    types = list(AppointmentType.objects.filter(is_active=True).order_by("pk"))
    kinds = (
        [PatientKind.NEW] if kind == PatientKind.NEW else [PatientKind.ESTABLISHED, PatientKind.ANY]
    )
    for wanted in kinds:
        candidates = [t for t in types if t.patient_kind == wanted]
        candidates.sort(
            key=lambda t: (bool(t.room_kind or t.equipment_kinds or t.telehealth), t.pk)
        )
        if candidates:
            return candidates[0]
    return None


def _setup(filters: ReportFilters, appt_type: AppointmentType) -> _Setup:
    providers = Provider.objects.filter(is_active=True)
    allowed = list(appt_type.allowed_providers.values_list("pk", flat=True))
    if allowed:
        providers = providers.filter(pk__in=allowed)
    if appt_type.patient_kind == PatientKind.NEW:
        providers = providers.filter(accepts_new_patients=True)
    if filters.provider_id is not None:
        providers = providers.filter(pk=filters.provider_id)
    if filters.location_id is not None:
        providers = providers.filter(locations=filters.location_id)
    if filters.department_id is not None:
        providers = providers.filter(departments=filters.department_id)
    names = {p.pk: str(p) for p in providers.select_related("user").distinct()}
    reserved_ok = list(
        AvailabilityTemplate.reserved_types.through.objects.filter(
            appointmenttype_id=appt_type.pk
        ).values_list("availabilitytemplate_id", flat=True)
    )
    zones = {pk: ZoneInfo(z) for pk, z in Location.objects.values_list("pk", "time_zone")}
    return _Setup(appt_type, names, reserved_ok, zones)


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def _marks(values: Iterable[Any]) -> str:
    return ", ".join(["%s"] * len(list(values)))


def _third_slots(
    setup: _Setup, filters: ReportFilters, provider_ids: list[int], lo: datetime, days: int
) -> dict[int, tuple[int | None, int | None]]:
    """provider id -> (epoch of the third open slot or None, its block's location) for the
    providers that have any block in [lo, lo + days)."""
    if not provider_ids:
        return {}
    hi = lo + timedelta(days=days)
    blk, tpl, apt = (
        AvailabilityBlock._meta.db_table,
        AvailabilityTemplate._meta.db_table,
        Appointment._meta.db_table,
    )
    ops = connection.ops
    when = ops.adapt_datetimefield_value
    duration = setup.appt_type.duration_minutes * 60
    step = SLOT_MINUTES * 60
    where = [f"blk.provider_id IN ({_marks(provider_ids)})", "blk.start >= %s", "blk.start < %s"]
    params: list[Any] = [*provider_ids, when(lo), when(hi)]
    kinds = "blk.kind = %s"
    kind_params: list[Any] = [BlockKind.OPEN.value]
    if setup.reserved_ok:
        kinds = f"({kinds} OR blk.template_id IN ({_marks(setup.reserved_ok)}))"
        kind_params += setup.reserved_ok
    where.append(kinds)
    params += kind_params
    if filters.location_id is not None:
        where.append("blk.location_id = %s")
        params.append(filters.location_id)
    if filters.department_id is not None:
        where.append("(tpl.department_id IS NULL OR tpl.department_id = %s)")
        params.append(filters.department_id)
    # The provider's bookings as the book stood at lo: booked before it, and not cancelled or
    # moved (the move's new appointment was created) before it. The move is a scalar subquery
    # through the unique rescheduled_from index, looked up for moved rows only (a join or an
    # EXISTS let PostgreSQL scan every appointment); a block's last busy end is grouped once.
    booking_params: list[Any] = [
        *provider_ids,
        when(lo - timedelta(minutes=MAX_APPOINTMENT_MINUTES)),
        when(hi),
        when(lo),
        when(lo),
        when(lo),
    ]
    sql = f"""
    WITH b AS (
        SELECT blk.id AS bid, blk.provider_id AS pid, blk.location_id AS loc,
               blk.start AS bstart, blk."end" AS bend,
               ((({_epoch("blk.start")}) + {step - 1}) / {step}) * {step} AS bs,
               {_epoch('blk."end"')} AS be
        FROM {blk} blk JOIN {tpl} tpl ON tpl.id = blk.template_id
        WHERE {" AND ".join(where)}
    ),
    book AS (
        SELECT ap.provider_id AS pid, ap.start AS astart, ap."end" AS aend
        FROM {apt} ap
        WHERE ap.provider_id IN ({_marks(provider_ids)}) AND ap.start >= %s AND ap.start < %s
          AND ap.created_at < %s
          AND (ap.status NOT IN ('cancelled', 'rescheduled')
               OR (ap.status = 'cancelled' AND ap.cancelled_at >= %s)
               OR (ap.status = 'rescheduled' AND (
                   SELECT nx.created_at FROM {apt} nx WHERE nx.rescheduled_from_id = ap.id
               ) >= %s))
    ),
    ov AS (
        SELECT b.bid, b.pid, b.loc, b.bs, b.be,
               CASE WHEN {_epoch("book.astart")} > b.bs THEN {_epoch("book.astart")} ELSE b.bs END AS s,
               CASE WHEN {_epoch("book.aend")} < b.be THEN {_epoch("book.aend")} ELSE b.be END AS e
        FROM b JOIN book ON book.pid = b.pid AND book.astart < b.bend AND book.aend > b.bstart
    ),
    runs AS (
        SELECT bid, pid, loc, bs, s,
               COALESCE(MAX(e) OVER (PARTITION BY bid ORDER BY s, e
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), bs) AS prev
        FROM ov
    ),
    last_busy AS (
        SELECT bid, MAX(e) AS e FROM ov GROUP BY bid
    ),
    gaps AS (
        SELECT pid, loc, CASE WHEN prev > bs THEN prev ELSE bs END AS gs, s AS ge FROM runs
        UNION ALL
        SELECT b.pid, b.loc, CASE WHEN last_busy.e > b.bs THEN last_busy.e ELSE b.bs END AS gs,
               b.be AS ge
        FROM b LEFT JOIN last_busy ON last_busy.bid = b.bid
    ),
    counted AS (
        SELECT pid, loc, gs,
               CASE WHEN ge > gs THEN (ge - gs) / {duration} ELSE 0 END AS n
        FROM gaps
    ),
    running AS (
        SELECT pid, loc, gs, n,
               SUM(n) OVER (PARTITION BY pid ORDER BY gs, loc ROWS UNBOUNDED PRECEDING) AS cum
        FROM counted
    )
    SELECT pid,
           MIN(CASE WHEN cum >= {NTH} AND cum - n < {NTH} THEN gs + ({NTH - 1} - (cum - n)) * {duration} END),
           MIN(CASE WHEN cum >= {NTH} AND cum - n < {NTH} THEN loc END)
    FROM running GROUP BY pid
    """  # noqa: S608 (table names and integers only; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params + booking_params)
        return {pid: (third, loc) for pid, third, loc in cursor.fetchall()}


def _tnaa_on(setup: _Setup, filters: ReportFilters, day: date, zone: ZoneInfo) -> dict[int, int]:
    """provider id -> TNAA in days as of `day` (providers with no block ahead are left out)."""
    lo = datetime.combine(day, time.min, tzinfo=zone)
    ids = sorted(setup.providers)
    found = _third_slots(setup, filters, ids, lo, FIRST_HORIZON)
    pending = [pid for pid in ids if found.get(pid, (None, None))[0] is None]
    if pending:
        found |= _third_slots(setup, filters, pending, lo, LAST_HORIZON)
    out = {}
    for pid, (third, loc) in found.items():
        if third is None:
            out[pid] = LAST_HORIZON + 1
            continue
        slot_day = datetime.fromtimestamp(int(third), tz=UTC).astimezone(setup.zones.get(loc, zone))
        out[pid] = (slot_day.date() - day).days
    return out


def _median(values: list[int]) -> Decimal | None:
    return one_decimal(statistics.median(values)) if values else None


def _tnaa(filters: ReportFilters, kind: str, label: str) -> KpiResult:
    firsts = periods(filters)
    appt_type = measured_type(kind)
    columns = [
        Column("period", "As of"),
        Column("provider", "Provider"),
        Column("days", "Days to third next available", Unit.DAYS),
    ]
    if appt_type is None:
        return KpiResult(
            headline=None, series=[series(label, firsts, {})], columns=columns, rows=[],
            notes=["No active appointment type for these patients to measure with."],
        )  # fmt: skip
    zone = practice_zone()
    today = timezone.now().astimezone(zone).date()
    measurable = [p for p in firsts if p <= today]
    measured = measurable[-MAX_MEASURED:]
    setup = _setup(filters, appt_type)
    values: dict[date, Decimal | None] = {}
    rows: list[dict[str, Any]] = []
    for day in measured:
        per_provider = _tnaa_on(setup, filters, day, zone)
        values[day] = _median(list(per_provider.values()))
        rows += [
            {
                "period": day,
                "provider": setup.providers[pid],
                "days": Decimal(days),
                "_url": _find_url(appt_type, pid, filters, day),
            }
            for pid, days in sorted(per_provider.items(), key=lambda kv: setup.providers[kv[0]])
        ]
    latest = next((values[d] for d in reversed(measured) if values[d] is not None), None)
    notes = [
        f"Measured with “{appt_type.name}” ({appt_type.duration_minutes} min) as of each "
        "period's first day, on the book as it stood that morning; the headline and each "
        "point are the median over providers; the headline is the latest period's.",
        f"{LAST_HORIZON + 1} days means no third open slot within {LAST_HORIZON} days.",
    ]
    if len(measurable) > len(measured):
        notes.append(f"Only the latest {MAX_MEASURED} periods are measured.")
    return KpiResult(
        headline=latest,
        series=[series(label, firsts, values)],
        columns=columns,
        rows=rows,
        drilldown_url=_find_url(appt_type, filters.provider_id, filters, max(today, filters.start)),
        notes=notes,
    )


def _find_url(
    appt_type: AppointmentType, provider_id: int | None, filters: ReportFilters, day: date
) -> str:
    """Find first available for the measured type, from that day (the open slots behind it)."""
    return link(
        "scheduling:find",
        [
            ("type", appt_type.pk),
            ("provider", provider_id),
            ("location", filters.location_id),
            ("department", filters.department_id),
            ("date_from", day.isoformat()),
            ("date_to", (day + timedelta(days=LAST_HORIZON)).isoformat()),
            ("limit", 10),
        ],
    )


def tnaa_new(filters: ReportFilters) -> KpiResult:
    return _tnaa(filters, PatientKind.NEW, "TNAA, new patients")


def tnaa_established(filters: ReportFilters) -> KpiResult:
    return _tnaa(filters, PatientKind.ESTABLISHED, "TNAA, established patients")
