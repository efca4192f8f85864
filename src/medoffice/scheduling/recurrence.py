"""RFC 5545 recurrence rules (via dateutil) expanded in a location's wall-clock time.

Occurrences are computed as naive local datetimes and only then given the zone, so a 9:00
block stays at 9:00 across daylight-saving changes. A wall-clock time that does not exist
(2:30 on the spring-forward night) is skipped; an ambiguous one (1:30 on the fall-back night)
is its first occurrence.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import rrule, rrulestr


class RecurrenceError(ValueError):
    """The rule cannot be read."""


ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY"}


def parse_rule(text: str, starts_on: date) -> rrule:
    text = (text or "").strip().upper().removeprefix("RRULE:")
    parts = dict(p.split("=", 1) for p in text.split(";") if "=" in p)
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise RecurrenceError("Use a daily, weekly or monthly rule, e.g. FREQ=WEEKLY;BYDAY=MO,WE.")
    if "DTSTART" in text:
        raise RecurrenceError("The start date is set separately, not in the rule.")
    try:
        rule = rrulestr(text, dtstart=datetime.combine(starts_on, time()))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"Not a recurrence rule: {exc}") from None
    if not isinstance(rule, rrule):
        raise RecurrenceError("Give one rule (RRULE), not a set.")
    return rule


def exists(local: datetime, zone: zoneinfo.ZoneInfo) -> bool:
    """False for wall-clock times skipped by a daylight-saving jump."""
    aware = local.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) == local


def localize(local: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """Attach the zone (first occurrence of an ambiguous time) and convert to UTC."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def occurrences(
    rule_text: str,
    *,
    starts_on: date,
    ends_on: date | None,
    start_time: time,
    end_time: time,
    zone_name: str,
    window_start: date,
    window_end: date,
    exdates: list[str] | None = None,
) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) in UTC of each occurrence on days in [window_start, window_end]."""
    zone = zoneinfo.ZoneInfo(zone_name)
    rule = parse_rule(rule_text, starts_on)
    last = min(window_end, ends_on) if ends_on else window_end
    first = max(window_start, starts_on)
    if first > last:
        return
    skip = set(exdates or [])
    days = rule.between(datetime.combine(first, time()), datetime.combine(last, time()), inc=True)
    for day in days:
        if day.date().isoformat() in skip:
            continue
        local_start = datetime.combine(day.date(), start_time)
        local_end = datetime.combine(day.date(), end_time)
        if not exists(local_start, zone):
            # The block would begin in the skipped hour: start it when the clock resumes.
            local_start = local_start + timedelta(hours=1)
            if local_start >= local_end:
                continue
        yield localize(local_start, zone), localize(local_end, zone)
