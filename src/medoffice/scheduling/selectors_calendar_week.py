"""Reads for the week page: seven days of one provider or one room, one column per day, each
item on its own location's wall clock (a provider may work at two places in a week).

Queries do not grow with the number of appointments: locations, closed days, hours, the subject,
blocks, appointments and time off of the seven days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from medoffice.organization.models import Location
from medoffice.scheduling.calendar_grid import (
    MOVABLE_STATUSES,
    CalendarFilters,
    CalendarWeek,
    Column,
    Group,
    axis_for,
    card_from_row,
    in_day,
    lay_out,
    local_day_bounds,
    make_slice,
    provider_title,
    zone_of,
)
from medoffice.scheduling.models import BlockKind, Provider, Room
from medoffice.scheduling.selectors_calendar import (
    appointments_between,
    blocks_between,
    booking_rights,
    closed_days,
    is_own,
    narrow_locations,
    opening_hours,
    provider_choices,
    providers_by_id,
    time_off_between,
    visible_locations,
)


def week_start(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def calendar_week(user: Any, day: date, filters: CalendarFilters | None = None) -> CalendarWeek:
    """Seven days of one provider (filters.provider_ids[0]) or one room (room_ids[0], with
    by="room"): one column per day, each item on its own location's wall clock."""
    filters = filters or CalendarFilters()
    start = week_start(day)
    days = [start + timedelta(days=i) for i in range(7)]
    all_locations = visible_locations(user)
    locations = narrow_locations(all_locations, filters)
    by_id = {loc.pk: loc for loc in locations}
    providers = provider_choices(all_locations) if all_locations else []
    subject: Provider | Room | None = None
    title = ""
    if filters.by == "room" and filters.room_ids:
        subject = (
            Room.objects.filter(pk=filters.room_ids[0], location__in=list(by_id))
            .select_related("location")
            .first()
        )
        title = f"{subject.name} ({subject.location.name})" if subject else ""
    elif filters.provider_ids:
        subject = next((p for p in providers if p.pk == filters.provider_ids[0]), None)
        title = provider_title(subject) if subject else ""
    columns: list[Column] = []
    opening: list[tuple[int, int]] = []
    if subject is not None and locations:
        lo = min(local_day_bounds(loc, days[0])[0] for loc in locations)
        hi = max(local_day_bounds(loc, days[-1])[1] for loc in locations)
        columns = _week_columns(user, subject, days, locations, filters, lo, hi)
        closed = closed_days(locations, days)
        home = columns[0].location if columns else locations[0]
        for column in columns:
            column.closed = closed.get((home.pk, column.day), "")
        weekdays = {d.weekday() for d in days}
        opening = [(o, c) for _, _, o, c in opening_hours(locations, weekdays)]
    axis = axis_for(columns, opening)
    lay_out(columns, axis)
    groups = [Group(key="week", title=title, subtitle="", columns=columns)] if columns else []
    return CalendarWeek(
        start=start, filters=filters, axis=axis, groups=groups, title=title, subject=subject,
        locations=all_locations, providers=providers,
    )  # fmt: skip


def _week_columns(
    user: Any,
    subject: Provider | Room,
    days: list[date],
    locations: list[Location],
    filters: CalendarFilters,
    lo: datetime,
    hi: datetime,
) -> list[Column]:
    by_id = {loc.pk: loc for loc in locations}
    is_room = isinstance(subject, Room)
    may_book, own = booking_rights(user)
    if is_room:
        appointments = appointments_between(locations, lo, hi, filters, room_ids=[subject.pk])
        blocks: list[dict[str, Any]] = []
        off: list[dict[str, Any]] = []
        names = providers_by_id({a["provider_id"] for a in appointments})
        home = by_id.get(subject.location_id, locations[0])
        bookable = may_book
    else:
        appointments = appointments_between(locations, lo, hi, filters, provider_ids=[subject.pk])
        blocks = blocks_between(locations, lo, hi, [subject.pk])
        off = time_off_between([subject.pk], lo, hi)
        names = {}
        mine = subject.user_id == getattr(user, "pk", None)
        bookable = may_book and (not own or mine)
        used = [b["location_id"] for b in blocks] + [a["location_id"] for a in appointments]
        home_id = max(set(used), key=used.count) if used else None
        if home_id is None:
            linked = set(subject.locations.values_list("pk", flat=True))
            home_id = next((loc.pk for loc in locations if loc.pk in linked), locations[0].pk)
        home = by_id[home_id]
    columns = []
    for day in days:
        column = Column(
            key=f"d{day.isoformat()}", title=f"{day:%a} {day.day}", subtitle=f"{day:%b}",
            day=day, location=home, provider_id=None if is_room else subject.pk,
            room_id=subject.pk if is_room else None, bookable=bookable,
        )  # fmt: skip
        for b in blocks:
            loc = by_id[b["location_id"]]
            if in_day(b["start"], b["end"], local_day_bounds(loc, day)):
                reserved = b["kind"] == BlockKind.RESERVED
                label = (b["template__reserved_label"] or "Reserved") if reserved else "Open"
                if len(locations) > 1 and loc.pk != home.pk:
                    label = f"{label} · {loc.code.upper()}"
                column.slices.append(
                    make_slice("reserved" if reserved else "open", label, loc.pk, b["start"], b["end"], zone_of(loc), day)
                )  # fmt: skip
        for row in off:
            if in_day(row["start"], row["end"], local_day_bounds(home, day)):
                column.slices.append(
                    make_slice(
                        "off", "Time off", home.pk, row["start"], row["end"], zone_of(home), day
                    )
                )
        for row in appointments:
            loc = by_id[row["location_id"]]
            if in_day(row["start"], row["end"], local_day_bounds(loc, day)):
                card = card_from_row(row, zone_of(loc), day)
                provider = names.get(card.provider_id)
                card.provider_name = provider_title(provider) if provider else ""
                card.movable = bookable and card.status in MOVABLE_STATUSES
                if is_room and own:
                    card.movable = card.movable and is_own(provider, user)
                column.cards.append(card)
        columns.append(column)
    return columns
