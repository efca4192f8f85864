"""The calendar's shapes: filters read from the URL, and the grid the pages draw (columns of
5-minute rows on each location's wall clock, shaded hours, cards side by side when they overlap).

Built by selectors_calendar (the day) and selectors_calendar_week; no queries here.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from medoffice.organization.models import Location
from medoffice.scheduling.models import (
    ACTIVE_STATUSES,
    SLOT_MINUTES,
    AppointmentStatus,
    Provider,
    Room,
)

S = AppointmentStatus
DASH = "\u2013"  # the en dash between two times
# What the calendar shows unless the status filter says otherwise: visits that hold time, and
# no-shows (the desk wants to see the gap they left). Cancelled and moved-away ones are hidden.
DEFAULT_STATUSES: tuple[str, ...] = (*ACTIVE_STATUSES, S.NO_SHOW)
MOVABLE_STATUSES = frozenset({S.SCHEDULED, S.CONFIRMED})
# The status as a symbol as well as a colour, so colour is never the only cue.
STATUS_ICONS: dict[str, str] = {
    S.SCHEDULED: "○",
    S.CONFIRMED: "✓",
    S.ARRIVED: "➜",
    S.ROOMED: "▣",
    S.WITH_PROVIDER: "◉",
    S.CHECKED_OUT: "⇥",
    S.COMPLETED: "✔",
    S.CANCELLED: "✕",
    S.NO_SHOW: "⊘",
    S.RESCHEDULED: "↷",
}
DEFAULT_DAY = (8 * 60, 18 * 60)  # rows shown when nothing else says (8:00 to 18:00)
MAX_LANES = 4  # side-by-side cards at one time (a provider's layers: one plus 3 overbookings)
VIEW_BY = ("provider", "room")


def _ints(values: Iterable[str]) -> tuple[int, ...]:
    out = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part.isdigit() and len(part) < 10:
                out.append(int(part))
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class CalendarFilters:
    """What the person narrowed the calendar to; read from and written back to the URL."""

    location_ids: tuple[int, ...] = ()
    department_ids: tuple[int, ...] = ()
    provider_ids: tuple[int, ...] = ()
    room_ids: tuple[int, ...] = ()
    type_ids: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()  # empty: DEFAULT_STATUSES
    by: str = "provider"
    show_idle: bool = False  # also columns of providers with nothing that day

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> CalendarFilters:
        def many(name: str) -> list[str]:
            getlist = getattr(query, "getlist", None)
            if getlist is not None:
                return list(getlist(name))
            value = query.get(name)
            return (
                []
                if value in (None, "")
                else list(value)
                if isinstance(value, (list, tuple))
                else [value]
            )

        statuses = tuple(s for s in dict.fromkeys(many("status")) if s in S.values)
        by = query.get("by") or "provider"
        return cls(
            location_ids=_ints(many("location")),
            department_ids=_ints(many("department")),
            provider_ids=_ints(many("provider")),
            room_ids=_ints(many("room")),
            type_ids=_ints(many("type")),
            statuses=statuses,
            by=by if by in VIEW_BY else "provider",
            show_idle=query.get("idle") == "1",
        )

    def query_items(self) -> list[tuple[str, str]]:
        """The filters as URL parameters (the calendar keeps them in its address)."""
        items: list[tuple[str, str]] = []
        if self.by != "provider":
            items.append(("by", self.by))
        for name, values in (
            ("location", self.location_ids),
            ("department", self.department_ids),
            ("provider", self.provider_ids),
            ("room", self.room_ids),
            ("type", self.type_ids),
            ("status", self.statuses),
        ):
            items += [(name, str(v)) for v in values]
        if self.show_idle:
            items.append(("idle", "1"))
        return items

    @property
    def shown_statuses(self) -> tuple[str, ...]:
        return self.statuses or DEFAULT_STATUSES


@dataclass
class Slice:
    """A shaded stretch of a column: open or reserved hours, or time off."""

    kind: str  # "open", "reserved", "off"
    label: str
    location_id: int
    start_minute: int
    end_minute: int
    row: int = 0
    span: int = 0
    time_label: str = ""


@dataclass
class Card:
    """One appointment on the grid (only what the card and its drag need)."""

    id: int
    version: int
    patient_id: int
    patient_name: str
    mrn: str
    type_id: int
    type_name: str
    status: str
    status_label: str
    status_icon: str
    overbooked: bool
    provider_id: int
    location_id: int
    room_id: int | None
    room_name: str
    start: datetime
    end: datetime
    start_minute: int
    end_minute: int
    time_label: str
    minutes: int
    movable: bool = False
    provider_name: str = ""
    row: int = 0
    span: int = 0
    lane: int = 0
    lanes: int = 1

    @property
    def time_label_full(self) -> str:
        """The times with AM or PM (the day sheet has no axis to say which)."""
        return f"{self.time_label} {'AM' if self.end_minute < 12 * 60 else 'PM'}"

    @property
    def short(self) -> bool:
        """Too short for a second line: the card shows one line and its full text on focus."""
        return self.span < 3


@dataclass
class Column:
    key: str
    title: str
    subtitle: str
    day: date
    location: Location
    provider_id: int | None = None
    room_id: int | None = None
    color_class: str = ""
    closed: str = ""  # the holiday's name when the location is closed
    bookable: bool = False
    slices: list[Slice] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    cards_html: str = ""  # filled by calendar_html.render_cards for the template

    @property
    def has_time_off(self) -> bool:
        return any(s.kind == "off" for s in self.slices)

    @property
    def booked_count(self) -> int:
        return sum(1 for c in self.cards if c.status in ACTIVE_STATUSES)


@dataclass
class Group:
    """Columns sharing a header: one location in the day view, one provider in the week view."""

    key: str
    title: str
    subtitle: str
    columns: list[Column]
    closed: str = ""


@dataclass(frozen=True)
class AxisLabel:
    row: int
    text: str
    hour: bool


@dataclass
class Axis:
    start_minute: int
    end_minute: int

    @property
    def rows(self) -> int:
        return (self.end_minute - self.start_minute) // SLOT_MINUTES

    @property
    def labels(self) -> list[AxisLabel]:
        out = []
        for minute in range(self.start_minute, self.end_minute, 15):
            hour, mins = divmod(minute, 60)
            row = (minute - self.start_minute) // SLOT_MINUTES + 1
            text = hour_label(hour) if mins == 0 else f":{mins:02d}"
            out.append(AxisLabel(row, text, mins == 0))
        return out

    def place(self, start_minute: int, end_minute: int) -> tuple[int, int]:
        """Grid row (1-based) and row span for a stretch, clipped to the axis."""
        start = max(self.start_minute, min(start_minute, self.end_minute - SLOT_MINUTES))
        end = min(self.end_minute, max(end_minute, start + SLOT_MINUTES))
        row = (start - self.start_minute) // SLOT_MINUTES + 1
        span = max(1, -(-(end - start) // SLOT_MINUTES))
        return row, span


@dataclass
class CalendarDay:
    day: date
    filters: CalendarFilters
    axis: Axis
    groups: list[Group]
    locations: list[Location]  # the locations the person may see (filter choices)
    holidays: list[str]
    providers: list[Provider]  # filter choices (active providers at those locations)

    @property
    def columns(self) -> list[Column]:
        return [c for g in self.groups for c in g.columns]

    @property
    def cards(self) -> list[Card]:
        return [card for c in self.columns for card in c.cards]

    @property
    def patient_refs(self) -> dict[int, str]:
        """Patients on the page (id -> MRN), for the audit entry of what was shown."""
        return {card.patient_id: card.mrn for card in self.cards}


@dataclass
class CalendarWeek:
    start: date
    filters: CalendarFilters
    axis: Axis
    groups: list[Group]
    title: str
    subject: Provider | Room | None
    locations: list[Location]
    providers: list[Provider]

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(7)]

    @property
    def columns(self) -> list[Column]:
        return [c for g in self.groups for c in g.columns]

    @property
    def cards(self) -> list[Card]:
        return [card for c in self.columns for card in c.cards]

    @property
    def patient_refs(self) -> dict[int, str]:
        return {card.patient_id: card.mrn for card in self.cards}


# --- small helpers -----------------------------------------------------------------------------


def hour_label(hour: int) -> str:
    hour %= 24
    suffix = "AM" if hour < 12 else "PM"
    return f"{(hour % 12) or 12} {suffix}"


def clock(minute: int) -> str:
    """A wall-clock minute of the day as 9:05 (12-hour; the axis says AM/PM)."""
    hour, mins = divmod(minute, 60)
    return f"{(hour % 12) or 12}:{mins:02d}"


def zone_of(location: Location) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(location.time_zone)


def local_day_bounds(location: Location, day: date) -> tuple[datetime, datetime]:
    """The instants the location's local day starts and ends (23 or 25 hours on DST days)."""
    zone = zone_of(location)
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start, end


def zone_abbreviation(location: Location, day: date) -> str:
    return datetime.combine(day, time(12), tzinfo=zone_of(location)).tzname() or ""


def _minute_on(moment: datetime, zone: zoneinfo.ZoneInfo, day: date) -> int:
    """Wall-clock minutes since the local midnight of `day` (0 before the day, 1440 after)."""
    local = moment.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return 24 * 60
    return local.hour * 60 + local.minute


# --- layout -----------------------------------------------------------------------------------


def patient_label(family: str, given: str, preferred: str) -> str:
    return f"{family}, {given}" + (f" “{preferred}”" if preferred else "")


def in_day(row_start: datetime, row_end: datetime, bounds: tuple[datetime, datetime]) -> bool:
    return row_start < bounds[1] and row_end > bounds[0]


def card_from_row(row: dict[str, Any], zone: zoneinfo.ZoneInfo, day: date) -> Card:
    start_minute = _minute_on(row["start"], zone, day)
    end_minute = _minute_on(row["end"], zone, day)
    status = row["status"]
    return Card(
        id=row["id"], version=row["version"], patient_id=row["patient_id"],
        patient_name=patient_label(row["patient__family_name"], row["patient__given_name"], row["patient__preferred_name"]),
        mrn=row["patient__mrn"], type_id=row["type_id"], type_name=row["type__name"], status=status,
        status_label=S(status).label, status_icon=STATUS_ICONS.get(status, ""), overbooked=row["overbooked"],
        provider_id=row["provider_id"], location_id=row["location_id"], room_id=row["room_id"],
        room_name=row["room__name"] or "", start=row["start"], end=row["end"], start_minute=start_minute,
        end_minute=end_minute, time_label=f"{clock(start_minute)}{DASH}{clock(end_minute)}",
        minutes=int((row["end"] - row["start"]).total_seconds() // 60),
    )  # fmt: skip


def make_slice(
    kind: str, label: str, location_id: int, start: datetime, end: datetime, zone: Any, day: date
) -> Slice:
    s, e = _minute_on(start, zone, day), _minute_on(end, zone, day)
    return Slice(kind, label, location_id, s, e, time_label=f"{clock(s)}{DASH}{clock(e)}")


def _assign_lanes(cards: list[Card]) -> None:
    """Cards at the same time sit side by side: clusters of overlapping cards share lanes."""
    cards.sort(key=lambda c: (c.start_minute, -c.end_minute, c.id))
    cluster: list[Card] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def close() -> None:
        lanes = min(MAX_LANES, max(1, len(lane_ends)))
        for card in cluster:
            card.lanes = lanes
            card.lane = min(card.lane, lanes - 1)

    for card in cards:
        if cluster and card.start_minute >= cluster_end:
            close()
            cluster, lane_ends = [], []
        for i, end in enumerate(lane_ends):
            if end <= card.start_minute:
                card.lane, lane_ends[i] = i, card.end_minute
                break
        else:
            card.lane = len(lane_ends)
            lane_ends.append(card.end_minute)
        cluster.append(card)
        cluster_end = max(cluster_end, card.end_minute)
    if cluster:
        close()


def axis_for(columns: list[Column], opening: list[tuple[int, int]]) -> Axis:
    """From the earliest to the latest thing shown (opening hours, blocks, cards), whole hours.
    Time off does not stretch the day: a day off is drawn over the hours shown, not 24 hours."""
    starts = [o for o, _ in opening]
    ends = [c for _, c in opening]
    for column in columns:
        for item in [*column.slices, *column.cards]:
            if isinstance(item, Slice) and item.kind == "off":
                continue
            starts.append(item.start_minute)
            ends.append(item.end_minute)
    if not starts:
        starts, ends = [DEFAULT_DAY[0]], [DEFAULT_DAY[1]]
    first = max(0, min(starts) // 60 * 60)
    last = min(24 * 60, -(-max(ends) // 60) * 60)
    if last - first < 4 * 60:  # a short day still reads as a day
        last = min(24 * 60, first + 4 * 60)
        first = max(0, last - 4 * 60)
    return Axis(first, last)


def lay_out(columns: list[Column], axis: Axis) -> None:
    for column in columns:
        for item in column.slices:
            item.row, item.span = axis.place(item.start_minute, item.end_minute)
        for card in column.cards:
            card.row, card.span = axis.place(card.start_minute, card.end_minute)
        _assign_lanes(column.cards)


def provider_title(provider: Provider) -> str:
    user = provider.user
    name = user.get_full_name() or user.username
    return f"{name}, {user.title}" if user.title else name
