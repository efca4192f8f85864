"""Reads for the calendar pages: a day with one column per provider (or room), a week of one
provider (or room), laid out on a grid of 5-minute rows in each LOCATION's wall-clock time.

A handful of queries per page whatever the number of appointments: locations, closed days,
opening hours, provider links, blocks, appointments (with patient, type and room joined, only
the columns a card shows), time off, and the providers themselves. `calendar_day` is what the
day page renders and what the benchmark times.

Rows are wall-clock minutes at the location, so 9:00 is the same row on a daylight-saving day
as on any other; an item is filed under the day it falls on in its own location's zone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db.models import Q

from medoffice.core.access import can, effective_roles, own_only
from medoffice.core.permissions import Capability, Need, RoleCode
from medoffice.organization.models import Location
from medoffice.scheduling.calendar_grid import (
    DASH,
    MOVABLE_STATUSES,
    STATUS_ICONS,
    CalendarDay,
    CalendarFilters,
    Card,
    Column,
    Group,
    Slice,
    axis_for,
    card_from_row,
    clock,
    in_day,
    lay_out,
    local_day_bounds,
    make_slice,
    provider_title,
    zone_abbreviation,
    zone_of,
)
from medoffice.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AvailabilityBlock,
    BlockKind,
    Holiday,
    LocationHours,
    Provider,
    Room,
    TimeOff,
    overlapping,
)

S = AppointmentStatus
# Roles that see every location ("view all" in the matrix); the others see where they work.
ALL_LOCATION_ROLES = frozenset({RoleCode.CLINICIAN.value})
__all__ = ["STATUS_ICONS", "CalendarFilters", "calendar_day", "visible_locations", "zone_of"]


def natural_key(text: str) -> list[Any]:
    """Exam 2 before Exam 10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def visible_locations(user: Any) -> list[Location]:
    """The locations whose schedule this person sees: where they work (all of them when they
    are assigned to none, as in a one-site practice); clinicians see every location."""
    active = Location.objects.filter(is_active=True).order_by("name")
    if effective_roles(user) & ALL_LOCATION_ROLES:
        return list(active)
    mine = list(active.filter(staff=user))
    return mine or list(active)


def narrow_locations(visible: list[Location], filters: CalendarFilters) -> list[Location]:
    if filters.location_ids:
        return [loc for loc in visible if loc.pk in filters.location_ids]
    return visible


def booking_rights(user: Any) -> tuple[bool, bool]:
    """(may book at all, only on their own schedule)."""
    may = can(user, Capability.SCHEDULE, Need.EDIT)
    return may, may and own_only(user, Capability.SCHEDULE, Need.EDIT)


def is_own(provider: Provider | None, user: Any) -> bool:
    return provider is not None and provider.user_id == getattr(user, "pk", None)


# --- the queries ------------------------------------------------------------------------------

APPOINTMENT_FIELDS = (
    "id", "version", "start", "end", "status", "overbooked", "provider_id", "location_id",
    "room_id", "type_id", "patient_id", "patient__family_name", "patient__given_name",
    "patient__preferred_name", "patient__mrn", "type__name", "room__name",
)  # fmt: skip


def appointments_between(
    locations: list[Location],
    lo: datetime,
    hi: datetime,
    filters: CalendarFilters,
    *,
    provider_ids: Iterable[int] | None = None,
    room_ids: Iterable[int] | None = None,
) -> list[dict[str, Any]]:
    qs = Appointment.objects.filter(
        overlapping(lo, hi),
        location__in=[loc.pk for loc in locations],
        status__in=filters.shown_statuses,
    )
    if provider_ids is not None:
        qs = qs.filter(provider_id__in=list(provider_ids))
    if room_ids is not None:
        qs = qs.filter(room_id__in=list(room_ids))
    if filters.type_ids:
        qs = qs.filter(type_id__in=filters.type_ids)
    return list(qs.order_by("start", "id").values(*APPOINTMENT_FIELDS))


def blocks_between(
    locations: list[Location], lo: datetime, hi: datetime, provider_ids: Iterable[int] | None
) -> list[dict[str, Any]]:
    qs = AvailabilityBlock.objects.filter(
        location__in=[loc.pk for loc in locations], start__lt=hi, end__gt=lo
    )
    if provider_ids is not None:
        qs = qs.filter(provider_id__in=list(provider_ids))
    return list(
        qs.order_by("start").values(
            "provider_id", "location_id", "start", "end", "kind", "template__reserved_label"
        )
    )


def time_off_between(
    provider_ids: Iterable[int], lo: datetime, hi: datetime
) -> list[dict[str, Any]]:
    ids = list(provider_ids)
    if not ids:
        return []
    return list(
        TimeOff.objects.filter(provider_id__in=ids, start__lt=hi, end__gt=lo).values(
            "provider_id", "start", "end"
        )
    )


def closed_days(locations: list[Location], days: list[date]) -> dict[tuple[int, date], str]:
    """(location id, day) -> holiday name, for practice-wide and per-location closings."""
    ids = [loc.pk for loc in locations]
    rows = Holiday.objects.filter(date__in=days).filter(
        Q(location__isnull=True) | Q(location_id__in=ids)
    )
    out: dict[tuple[int, date], str] = {}
    for holiday_date, name, location_id in rows.values_list("date", "name", "location_id"):
        for loc_id in [location_id] if location_id else ids:
            out[(loc_id, holiday_date)] = name
    return out


def opening_hours(locations: list[Location], weekdays: set[int]) -> list[tuple[int, int, int, int]]:
    """(location id, weekday, opens minute, closes minute) for the days shown."""
    rows = LocationHours.objects.filter(
        location__in=[loc.pk for loc in locations], weekday__in=weekdays
    ).values_list("location_id", "weekday", "opens", "closes")
    return [(lid, wd, o.hour * 60 + o.minute, c.hour * 60 + c.minute) for lid, wd, o, c in rows]


def providers_by_id(ids: Iterable[int]) -> dict[int, Provider]:
    ids = list(ids)
    if not ids:
        return {}
    qs = Provider.objects.filter(pk__in=ids).select_related("user")
    qs = qs.only(
        "id", "color", "is_active", "user__id", "user__first_name", "user__last_name",
        "user__username", "user__title",
    )  # fmt: skip
    return {p.pk: p for p in qs}


def provider_choices(locations: list[Location]) -> list[Provider]:
    """Active providers who work at these locations (the provider filter's options)."""
    return list(
        Provider.objects.filter(is_active=True, locations__in=[loc.pk for loc in locations])
        .select_related("user")
        .only("id", "color", "user__id", "user__first_name", "user__last_name", "user__username", "user__title")
        .distinct()
        .order_by("user__last_name", "user__first_name")
    )  # fmt: skip


def _provider_links(locations: list[Location], filters: CalendarFilters) -> set[tuple[int, int]]:
    """(location id, provider id) of active providers working at these locations, narrowed by
    the provider and department filters."""
    through = Provider.locations.through
    qs = through.objects.filter(
        location_id__in=[loc.pk for loc in locations], provider__is_active=True
    )
    if filters.provider_ids:
        qs = qs.filter(provider_id__in=filters.provider_ids)
    if filters.department_ids:
        in_departments = Provider.departments.through.objects.filter(
            department_id__in=filters.department_ids
        ).values("provider_id")
        qs = qs.filter(provider_id__in=in_departments)
    return set(qs.values_list("location_id", "provider_id"))


# --- the day ----------------------------------------------------------------------------------


def calendar_day(user: Any, day: date, filters: CalendarFilters | None = None) -> CalendarDay:
    """The day page's content for this person: columns per provider (or room) at the locations
    they see, each with its blocks, time off and appointments, on one wall-clock axis."""
    filters = filters or CalendarFilters()
    all_locations = visible_locations(user)
    locations = narrow_locations(all_locations, filters)
    by_id = {loc.pk: loc for loc in locations}
    bounds = {loc.pk: local_day_bounds(loc, day) for loc in locations}
    lo = min((b[0] for b in bounds.values()), default=None)
    hi = max((b[1] for b in bounds.values()), default=None)
    closed = closed_days(locations, [day]) if locations else {}
    opening = (
        [(o, c) for _, _, o, c in opening_hours(locations, {day.weekday()})] if locations else []
    )
    if filters.by == "room":
        columns = _room_columns(user, day, locations, filters, lo, hi) if locations else []
    else:
        columns = _provider_columns(user, day, locations, filters, lo, hi) if locations else []
    for column in columns:
        column.closed = closed.get((column.location.pk, day), "")
    axis = axis_for(columns, opening)
    lay_out(columns, axis)
    groups = []
    for loc in locations:
        loc_columns = [c for c in columns if c.location.pk == loc.pk]
        if loc_columns:
            groups.append(
                Group(
                    key=f"loc-{loc.pk}", title=loc.name, subtitle=zone_abbreviation(loc, day),
                    columns=loc_columns, closed=closed.get((loc.pk, day), ""),
                )
            )  # fmt: skip
    holidays = sorted({f"{name} ({by_id[lid].name})" for (lid, _), name in closed.items()})
    return CalendarDay(
        day=day, filters=filters, axis=axis, groups=groups, locations=all_locations,
        holidays=holidays, providers=provider_choices(all_locations) if all_locations else [],
    )  # fmt: skip


def _provider_columns(
    user: Any,
    day: date,
    locations: list[Location],
    filters: CalendarFilters,
    lo: Any,
    hi: Any,
) -> list[Column]:
    by_id = {loc.pk: loc for loc in locations}
    bounds = {loc.pk: local_day_bounds(loc, day) for loc in locations}
    links = _provider_links(locations, filters)
    narrowed = bool(filters.provider_ids or filters.department_ids)
    wanted = {pid for _, pid in links} if narrowed else None
    blocks = blocks_between(locations, lo, hi, wanted)
    appointments = appointments_between(locations, lo, hi, filters, provider_ids=wanted)
    linked_ids = {pid for _, pid in links}
    off = time_off_between(linked_ids | {b["provider_id"] for b in blocks}, lo, hi)

    slices: dict[tuple[int, int], list[Slice]] = defaultdict(list)
    for b in blocks:
        key = (b["location_id"], b["provider_id"])
        if not in_day(b["start"], b["end"], bounds[key[0]]):
            continue
        reserved = b["kind"] == BlockKind.RESERVED
        label = (b["template__reserved_label"] or "Reserved") if reserved else "Open"
        zone = zone_of(by_id[key[0]])
        slices[key].append(
            make_slice(
                "reserved" if reserved else "open", label, key[0], b["start"], b["end"], zone, day
            )
        )
    cards: dict[tuple[int, int], list[Card]] = defaultdict(list)
    for row in appointments:
        key = (row["location_id"], row["provider_id"])
        if not in_day(row["start"], row["end"], bounds[key[0]]):
            continue
        cards[key].append(card_from_row(row, zone_of(by_id[key[0]]), day))

    busy = set(slices) | set(cards)
    keys = busy | (links if (filters.show_idle or filters.provider_ids) else set())
    # Someone off all day has no blocks anywhere: still show them (at one place) as away.
    off_by_provider: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in off:
        off_by_provider[row["provider_id"]].append(row)
    shown_providers = {pid for _, pid in keys}
    for lid, pid in sorted(links):
        if pid in shown_providers or pid not in off_by_provider:
            continue
        if any(in_day(r["start"], r["end"], bounds[lid]) for r in off_by_provider[pid]):
            keys.add((lid, pid))
            shown_providers.add(pid)
    providers = providers_by_id({pid for _, pid in keys})
    may_book, own = booking_rights(user)

    columns = []
    for lid, pid in keys:
        provider = providers.get(pid)
        if provider is None:
            continue
        loc = by_id[lid]
        column_slices = slices.get((lid, pid), [])
        for row in off_by_provider.get(pid, []):
            if in_day(row["start"], row["end"], bounds[lid]):
                column_slices.append(
                    make_slice("off", "Time off", lid, row["start"], row["end"], zone_of(loc), day)
                )
        mine = provider.user_id == getattr(user, "pk", None)
        bookable = may_book and (not own or mine)
        column_cards = cards.get((lid, pid), [])
        for card in column_cards:
            card.movable = bookable and card.status in MOVABLE_STATUSES
        columns.append(
            Column(
                key=f"p{pid}-l{lid}", title=provider_title(provider), subtitle=loc.code.upper(),
                day=day, location=loc, provider_id=pid, color_class=f"prov-{pid}",
                bookable=bookable, slices=column_slices, cards=column_cards,
            )
        )  # fmt: skip
    columns.sort(key=lambda c: (c.location.name, c.title.split(",")[0].split()[-1:], c.title))
    return columns


def _room_columns(
    user: Any,
    day: date,
    locations: list[Location],
    filters: CalendarFilters,
    lo: Any,
    hi: Any,
) -> list[Column]:
    by_id = {loc.pk: loc for loc in locations}
    bounds = {loc.pk: local_day_bounds(loc, day) for loc in locations}
    rooms_qs = Room.objects.filter(location__in=list(by_id), is_active=True)
    if filters.room_ids:
        rooms_qs = rooms_qs.filter(pk__in=filters.room_ids)
    rooms = sorted(
        rooms_qs.values("id", "name", "kind", "location_id"), key=lambda r: natural_key(r["name"])
    )
    appointments = appointments_between(
        locations, lo, hi, filters, room_ids=[r["id"] for r in rooms],
        provider_ids=filters.provider_ids or None,
    )  # fmt: skip
    providers = providers_by_id({a["provider_id"] for a in appointments})
    may_book, own = booking_rights(user)
    hours = {lid: (o, c) for lid, wd, o, c in opening_hours(locations, {day.weekday()})}
    columns = []
    for room in rooms:
        loc = by_id[room["location_id"]]
        zone = zone_of(loc)
        column_cards = []
        for row in appointments:
            if row["room_id"] != room["id"] or not in_day(row["start"], row["end"], bounds[loc.pk]):
                continue
            card = card_from_row(row, zone, day)
            provider = providers.get(card.provider_id)
            card.provider_name = provider_title(provider) if provider else ""
            mine = is_own(provider, user)
            card.movable = may_book and (not own or mine) and card.status in MOVABLE_STATUSES
            column_cards.append(card)
        open_hours = []
        if loc.pk in hours:
            o, c = hours[loc.pk]
            open_hours.append(
                Slice("open", "Open", loc.pk, o, c, time_label=f"{clock(o)}{DASH}{clock(c)}")
            )
        columns.append(
            Column(
                key=f"r{room['id']}", title=room["name"], subtitle=f"{loc.code.upper()} · {room['kind']}",
                day=day, location=loc, room_id=room["id"], bookable=may_book,
                slices=open_hours, cards=column_cards,
            )
        )  # fmt: skip
    return columns
