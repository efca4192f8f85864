"""Find first available: the next open slots for a visit type across every matching provider.

How it stays fast whatever the history: everything it reads is bounded to the future days it
looks at. A few small queries up front (the candidate providers, their locations, rooms and
equipment of the kinds the type needs, which reserved blocks admit the type), then, one local
day at a time, two indexed range reads: the availability blocks that start that day and the
occupancy rows of the candidate resources in those hours. Busy time becomes one integer bit
mask per resource (bit i = the i-th 5-minute slot of the day), so testing a candidate start is
a few AND operations, never a query. It stops at the first day that completes `limit` slots.

Candidate starts: from the start of each block (or the time-of-day filter, or now), stepping by
the type's duration, so the slots offered for one provider do not overlap and pack the hours the
way a scheduler would. When a start is blocked, the scan jumps to the end of whatever blocks it
(the provider's visit, the patient's, the last free room's) instead of creeping forward, so an
opening right after an existing visit is found too.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import connections
from django.utils import timezone

from medoffice.organization.models import Location
from medoffice.scheduling.models import (
    SLOT_MINUTES,
    AppointmentType,
    AvailabilityBlock,
    AvailabilityTemplate,
    BlockKind,
    Equipment,
    Occupancy,
    PatientKind,
    Provider,
    Room,
)

STEP = timedelta(minutes=SLOT_MINUTES)
# A search never reads more than this many days (a year and a day: "the same day next year").
MAX_DAYS = 366


@dataclass(frozen=True, order=True)
class Slot:
    """One bookable time. Ordered by day, then start, then provider name."""

    day: date  # the local date at the slot's location
    start: datetime  # UTC
    provider_name: str
    end: datetime = field(compare=False)
    provider_id: int = field(compare=False)
    location_id: int = field(compare=False)
    location_name: str = field(compare=False)
    time_zone: str = field(compare=False)
    room_id: int | None = field(default=None, compare=False)
    room_name: str = field(default="", compare=False)
    reserved_label: str = field(default="", compare=False)

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(zoneinfo.ZoneInfo(self.time_zone))

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(zoneinfo.ZoneInfo(self.time_zone))


@dataclass
class _Plan:
    """What the search needs to know once, before reading any day."""

    duration: int  # in 5-minute steps
    providers: dict[int, str]  # id -> display name
    provider_locations: dict[int, set[int]]
    locations: dict[int, tuple[str, zoneinfo.ZoneInfo]]  # id -> (name, zone)
    rooms: dict[int, list[tuple[int, str]]]  # location -> [(room id, name)] of the needed kind
    equipment: dict[int, dict[str, list[int]]]  # location -> kind -> [equipment ids]
    equipment_kinds: list[str]
    room_kind: str
    templates: dict[int, tuple[int | None, str]]  # id -> (department id, reserved label)
    reserved_ok: set[int]  # reserved templates that admit this type
    patient_resource: str | None


def first_available(
    *,
    appt_type: AppointmentType,
    provider: Provider | None = None,
    location: Location | None = None,
    department: object | None = None,
    date_from: date,
    date_to: date,
    weekdays: Iterable[int] | None = None,
    time_from: time | None = None,
    time_to: time | None = None,
    limit: int = 10,
    patient_id: int | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The first `limit` open slots for `appt_type` between two local dates (inclusive).

    weekdays: 0 = Monday; time_from/time_to bound the visit (start and end) in each location's
    own time zone. patient_id also keeps the patient's own appointments free of overlap.
    """
    if limit <= 0 or date_to < date_from or not appt_type.is_active:
        return []
    now = now or timezone.now()
    department_id = getattr(department, "pk", department)
    plan = _plan(appt_type, provider, location, department_id, patient_id)
    if plan is None:
        return []
    wanted_days = set(weekdays) if weekdays else None
    earliest = min(now.astimezone(zone).date() for _, zone in plan.locations.values())
    day = max(date_from, earliest)
    last = min(date_to, date_from + timedelta(days=MAX_DAYS))
    now_ceiling = _ceil_to_step(now)
    found: list[Slot] = []
    while day <= last and len(found) < limit:
        if wanted_days is None or day.weekday() in wanted_days:
            found += _slots_on(plan, day, department_id, time_from, time_to, now_ceiling, limit)
        day += timedelta(days=1)
    return found[:limit]


def _plan(
    appt_type: AppointmentType,
    provider: Provider | None,
    location: Location | None,
    department_id: int | None,
    patient_id: int | None,
) -> _Plan | None:
    providers = Provider.objects.filter(is_active=True)
    allowed = AppointmentType.allowed_providers.through.objects.filter(
        appointmenttype_id=appt_type.pk
    )
    if allowed.exists():
        providers = providers.filter(pk__in=allowed.values("provider_id"))
    if provider is not None:
        providers = providers.filter(pk=provider.pk)
    if location is not None:
        providers = providers.filter(locations=location)
    if department_id:
        providers = providers.filter(departments=department_id)
    if appt_type.patient_kind == PatientKind.NEW:
        providers = providers.filter(accepts_new_patients=True)
    names = {p.pk: str(p) for p in providers.select_related("user")}
    if not names:
        return None
    links = Provider.locations.through.objects.filter(provider_id__in=list(names))
    if location is not None:
        links = links.filter(location_id=location.pk)
    provider_locations: dict[int, set[int]] = {}
    for provider_id, location_id in links.values_list("provider_id", "location_id"):
        provider_locations.setdefault(provider_id, set()).add(location_id)
    location_ids = set().union(*provider_locations.values()) if provider_locations else set()
    locations = {
        pk: (name, zoneinfo.ZoneInfo(zone))
        for pk, name, zone in Location.objects.filter(
            pk__in=location_ids, is_active=True
        ).values_list("pk", "name", "time_zone")
    }
    if not locations:
        return None
    rooms: dict[int, list[tuple[int, str]]] = {}
    if appt_type.room_kind:
        for pk, location_id, name in Room.objects.filter(
            location_id__in=list(locations), kind=appt_type.room_kind, is_active=True
        ).values_list("pk", "location_id", "name"):
            rooms.setdefault(location_id, []).append((pk, name))
    kinds = [k for k in appt_type.equipment_kinds or [] if k]
    equipment: dict[int, dict[str, list[int]]] = {}
    if kinds:
        for pk, location_id, kind in Equipment.objects.filter(
            location_id__in=list(locations), kind__in=kinds, is_active=True
        ).values_list("pk", "location_id", "kind"):
            equipment.setdefault(location_id, {}).setdefault(kind, []).append(pk)
    templates = {
        pk: (dept, label)
        for pk, dept, label in AvailabilityTemplate.objects.filter(
            provider_id__in=list(names)
        ).values_list("pk", "department_id", "reserved_label")
    }
    reserved_ok = set(
        AvailabilityTemplate.reserved_types.through.objects.filter(
            appointmenttype_id=appt_type.pk
        ).values_list("availabilitytemplate_id", flat=True)
    )
    return _Plan(
        duration=max(1, appt_type.duration_minutes // SLOT_MINUTES),
        providers=names,
        provider_locations=provider_locations,
        locations=locations,
        rooms=rooms,
        equipment=equipment,
        equipment_kinds=kinds,
        room_kind=appt_type.room_kind,
        templates=templates,
        reserved_ok=reserved_ok,
        patient_resource=f"patient:{patient_id}" if patient_id else None,
    )


def _ceil_to_step(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    floor = moment.replace(second=0, microsecond=0, minute=moment.minute - moment.minute % 5)
    return floor if floor == moment else floor + STEP


def _local(day: date, at: time, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def _slots_on(
    plan: _Plan,
    day: date,
    department_id: int | None,
    time_from: time | None,
    time_to: time | None,
    now_ceiling: datetime,
    limit: int,
) -> list[Slot]:
    zones = {zone for _, zone in plan.locations.values()}
    # The day's window in UTC: from the earliest local midnight to the latest next midnight.
    lo = min(_local(day, time(), z) for z in zones)
    hi = max(_local(day + timedelta(days=1), time(), z) for z in zones)
    blocks = AvailabilityBlock.objects.filter(
        provider_id__in=list(plan.providers),
        location_id__in=list(plan.locations),
        start__gte=lo,
        start__lt=hi,
        end__gt=now_ceiling,
    ).values_list("provider_id", "location_id", "template_id", "start", "end", "kind")
    spans: list[tuple[int, int, str, datetime, datetime]] = []
    for provider_id, location_id, template_id, start, end, kind in blocks:
        if location_id not in plan.provider_locations.get(provider_id, ()):
            continue
        zone = plan.locations[location_id][1]
        if start.astimezone(zone).date() != day:
            continue  # read with a neighbouring day's window; counted on its own day
        if kind == BlockKind.RESERVED and template_id not in plan.reserved_ok:
            continue
        template_department, label = plan.templates.get(template_id, (None, ""))
        if department_id and template_department not in (None, department_id):
            continue
        if plan.room_kind and not plan.rooms.get(location_id):
            continue
        if any(not plan.equipment.get(location_id, {}).get(k) for k in plan.equipment_kinds):
            continue
        start = max(start, now_ceiling)
        if time_from is not None:
            start = max(start, _local(day, time_from, zone))
        if time_to is not None:
            end = min(end, _local(day, time_to, zone))
        if end > start:
            reserved = label if kind == BlockKind.RESERVED else ""
            spans.append((provider_id, location_id, reserved, start, end))
    if not spans:
        return []
    busy = _busy_masks(plan, spans, lo)
    out: dict[tuple[int, datetime], Slot] = {}
    for provider_id, location_id, reserved, start, end in spans:
        for slot in _fit(plan, busy, lo, provider_id, location_id, reserved, start, end, limit):
            out.setdefault((slot.provider_id, slot.start), slot)
    return sorted(out.values())


def _busy_masks(
    plan: _Plan, spans: list[tuple[int, int, str, datetime, datetime]], base: datetime
) -> dict[str, int]:
    """Busy 5-minute slots of every resource the spans could use, as bit masks from `base`."""
    resources = {f"provider:{p}" for p, *_ in spans}
    for location_id in {loc for _, loc, *_ in spans}:
        resources |= {f"room:{pk}" for pk, _ in plan.rooms.get(location_id, [])}
        for ids in plan.equipment.get(location_id, {}).values():
            resources |= {f"equipment:{pk}" for pk in ids}
    if plan.patient_resource:
        resources.add(plan.patient_resource)
    first = min(s for *_, s, _ in spans)
    last = max(e for *_, e in spans)
    masks: dict[str, int] = {}
    for resource, index in _slot_indexes(sorted(resources), first, last, base):
        masks[resource] = masks.get(resource, 0) | (1 << index)
    return masks


def _slot_indexes(
    resources: list[str], first: datetime, last: datetime, base: datetime
) -> list[tuple[str, int]]:
    """(resource, 5-minute index from base) of the occupancy rows in [first, last).

    Thousands of rows a day: turning each into a Python datetime would cost more than the query
    itself. PostgreSQL computes the index; SQLite, whose datetimes are text, returns the text
    (as an expression, so no converter runs) and the few distinct values of a day are parsed
    once each. The query reads only the (resource, slot) unique index.
    """
    connection = connections[Occupancy.objects.db]
    adapt = connection.ops.adapt_datetimefield_value
    sqlite = connection.vendor == "sqlite"
    column = (
        "slot || ''" if sqlite else "CAST(ROUND(EXTRACT(EPOCH FROM (slot - %s)) / 300) AS INTEGER)"
    )
    marks = ", ".join(["%s"] * len(resources))
    sql = (
        f"SELECT resource, {column} FROM {Occupancy._meta.db_table} "  # noqa: S608 (no input)
        f"WHERE resource IN ({marks}) AND slot >= %s AND slot < %s"
    )
    params = [*resources, adapt(first), adapt(last)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params if sqlite else [adapt(base), *params])
        rows = cursor.fetchall()
    if not sqlite:
        return rows
    step_seconds = STEP.total_seconds()
    indexes: dict[str, int] = {}
    for _, text in rows:
        if text not in indexes:
            moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
            indexes[text] = int((moment - base).total_seconds() // step_seconds)
    return [(resource, indexes[text]) for resource, text in rows]


def _fit(
    plan: _Plan,
    busy: dict[str, int],
    base: datetime,
    provider_id: int,
    location_id: int,
    reserved_label: str,
    start: datetime,
    end: datetime,
    limit: int,
) -> list[Slot]:
    """Free starts in one block span, earliest first, at most `limit`."""
    step_seconds = STEP.total_seconds()
    first = -int(-(start - base).total_seconds() // step_seconds)  # ceil: 5-minute marks only
    stop = int((end - base).total_seconds() // step_seconds)
    n = plan.duration
    singles = [busy.get(f"provider:{provider_id}", 0)]
    if plan.patient_resource:
        singles.append(busy.get(plan.patient_resource, 0))
    room_choices = [
        (pk, name, busy.get(f"room:{pk}", 0)) for pk, name in plan.rooms.get(location_id, [])
    ]
    equipment_groups = [
        [busy.get(f"equipment:{pk}", 0) for pk in plan.equipment[location_id][kind]]
        for kind in plan.equipment_kinds
    ]
    location_name, zone = plan.locations[location_id]
    found: list[Slot] = []
    t = first
    while t + n <= stop and len(found) < limit:
        span = ((1 << n) - 1) << t
        # The earliest start that could work, given what blocks this one (bit_length of a
        # conflict = one past its last busy slot).
        next_t = t
        for mask in singles:
            if mask & span:
                next_t = max(next_t, (mask & span).bit_length())
        room: tuple[int, str] | None = None
        if plan.room_kind:
            soonest = None
            for pk, name, mask in room_choices:
                clash = mask & span
                if not clash:
                    room = (pk, name)
                    break
                soonest = min(soonest or clash.bit_length(), clash.bit_length())
            if room is None and soonest is not None:
                next_t = max(next_t, soonest)
        for group in equipment_groups:
            clashes = [mask & span for mask in group]
            if all(clashes):
                next_t = max(next_t, min(c.bit_length() for c in clashes))
        if next_t != t:
            t = next_t
            continue
        slot_start = base + t * STEP
        found.append(
            Slot(
                day=slot_start.astimezone(zone).date(),
                start=slot_start,
                end=slot_start + n * STEP,
                provider_name=plan.providers[provider_id],
                provider_id=provider_id,
                location_id=location_id,
                location_name=location_name,
                time_zone=zone.key,
                room_id=room[0] if room else None,
                room_name=room[1] if room else "",
                reserved_label=reserved_label,
            )
        )
        t += n
    return found
