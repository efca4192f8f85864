"""Third next available on a hand-built book, measured as of Monday 2 March 2026, and checked
against find-first-available on the same book.

Provider 0 (office visit 20 min, new-patient visit 40 min), book as of 2 March midnight:
  Mon 2   block 9:00-10:00, new visit 9:00-9:40 booked        -> free 9:40-10:00: office 1, new 0
  Tue 3   block 9:00-10:00; a visit cancelled on 1 March and one booked on 5 March do not count
                                                               -> free 60 min: office 3, new 1
  Thu 5   block 9:00-11:00, new visits 9:20-10:00 and 10:00-10:40 (the second moved away on
          4 March: still on the book on the 2nd)               -> free 9:00-9:20, 10:40-11:00:
                                                                  office 2, new 0
  Mon 9   reserved block 9:00-9:40 for new patients only       -> new 1 (no office visits)
  Tue 10  block 9:00-9:40                                      -> office 2, new 1
  Office: 1 (2nd), 3 more on the 3rd -> third slot on 3 March: 1 day.
  New: 1 on the 3rd, 1 on the 9th, 1 on the 10th -> third slot on 10 March: 8 days.
Provider 1: Mon 2 block 9:00-10:00, empty -> office 3 that day: 0 days; new 1 slot, then
nothing within 90 days -> counted as 91 days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from medoffice.reports import kpi
from medoffice.reports.kpi import Grain
from medoffice.scheduling.models import AvailabilityTemplate, BlockKind, Occupancy
from medoffice.scheduling.services.find import first_available

from .test_kpis_access_support import S, appt, at, block, px, span  # noqa: F401

MON = date(2026, 3, 2)


def _day(n: int, hour: int, minute: int = 0) -> datetime:
    return at(date(2026, 3, n), hour, minute)


@pytest.fixture
def book(px):  # noqa: F811
    before = _day(1, 8) - timedelta(days=10)
    for n, minutes in ((2, 60), (3, 60), (5, 120), (10, 40)):
        block(px, _day(n, 9), minutes)
    reserved = AvailabilityTemplate.objects.create(
        provider=px.providers[0], location=px.locations[0], kind=BlockKind.RESERVED,
        reserved_label="New patients only", start_time=_day(9, 9).time(),
        end_time=_day(9, 10).time(), rrule="FREQ=WEEKLY;BYDAY=MO", starts_on=date(2025, 1, 1),
        is_active=False,
    )  # fmt: skip
    reserved.reserved_types.add(px.types["new"])
    block(px, _day(9, 9), 40, template=reserved)
    block(px, _day(2, 9), 60, provider=1)
    on_book = [
        appt(px, _day(2, 9), S.SCHEDULED, kind="new", created_at=before),
        appt(px, _day(5, 9, 20), S.SCHEDULED, kind="new", created_at=before),
        appt(px, _day(5, 10), S.RESCHEDULED, kind="new", created_at=before),
    ]
    appt(px, _day(20, 9), S.SCHEDULED, created_at=_day(4, 12), rescheduled_from=on_book[2])
    appt(px, _day(3, 9, 20), S.CANCELLED, created_at=before, cancelled_at=_day(1, 12))
    appt(px, _day(3, 9), S.SCHEDULED, created_at=_day(5, 12))
    px.on_book = on_book
    return px


def tnaa(key, start=MON, end=MON, grain=Grain.DAY, **narrowing):
    return kpi.get(key).compute(span(start, end, grain, **narrowing))


def test_tnaa_per_provider_and_median(book):
    office = tnaa("tnaa_established")
    # Median over providers: (1 + 0) / 2 = 0.5
    assert office.headline == Decimal("0.5")
    assert [(r["provider"], r["days"]) for r in office.rows] == sorted(
        [(str(book.providers[0]), Decimal(1)), (str(book.providers[1]), Decimal(0))]
    )
    new = tnaa("tnaa_new")
    # (8 + 91) / 2 = 49.5
    assert new.headline == Decimal("49.5")
    assert {r["provider"]: r["days"] for r in new.rows} == {
        str(book.providers[0]): Decimal(8),
        str(book.providers[1]): Decimal(91),
    }
    assert "Office visit" in office.notes[0] and "New patient visit" in new.notes[0]


def test_tnaa_filters_narrow(book):
    p0 = book.providers[0].pk
    assert tnaa("tnaa_established", provider_id=p0).headline == Decimal("1.0")
    assert tnaa("tnaa_new", provider_id=p0).headline == Decimal("8.0")
    assert tnaa("tnaa_established", location_id=book.locations[1].pk).headline == Decimal("0.0")
    assert tnaa("tnaa_new", department_id=book.departments[0].pk).headline == Decimal("8.0")


def test_tnaa_one_measure_per_period_and_none_ahead(book):
    # As of Monday 9 March: provider 0 has 2 office slots on the 10th and nothing after
    # (91 days); provider 1 has no block ahead (left out). New: 1 on the 9th, 1 on the 10th: 91.
    weekly = tnaa("tnaa_established", MON, date(2026, 3, 9), Grain.WEEK)
    assert [(p.period, p.value) for p in weekly.series[0].points] == [
        (MON, Decimal("0.5")),
        (date(2026, 3, 9), Decimal("91.0")),
    ]
    assert weekly.headline == Decimal("91.0")  # the latest period's
    future = tnaa("tnaa_new", date(2026, 11, 1), date(2027, 1, 31), Grain.MONTH)
    assert future.headline is None
    assert [p.value for p in future.series[0].points] == [None, None, None]


def test_tnaa_matches_find_first_available(book):
    """The same book as occupancy rows: find-first-available's third slot is on the same day."""
    for appointment in book.on_book:
        start = appointment.start
        while start < appointment.end:
            Occupancy.objects.create(
                resource=f"provider:{appointment.provider_id}", slot=start, appointment=appointment
            )
            start += timedelta(minutes=5)
    for key, kind in (("tnaa_established", "office"), ("tnaa_new", "new")):
        slots = first_available(
            appt_type=book.types[kind], provider=book.providers[0], date_from=MON,
            date_to=MON + timedelta(days=30), limit=3, now=at(MON, 0),
        )  # fmt: skip
        expected = (slots[2].day - MON).days
        assert tnaa(key, provider_id=book.providers[0].pk).headline == Decimal(expected)
