"""Wait to room, cycle time, provider utilization and the fill rate of freed slots, each on a
hand-built set of visits whose expected figures are worked out in the comments."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from medoffice.reports import kpi
from medoffice.waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer

from .test_kpis_access_support import S, appt, at, block, px, span  # noqa: F401

FEB, MARCH = date(2026, 2, 10), date(2026, 3, 10)


def _visit(px, day, hour, lobby, room, total, provider=0):  # noqa: F811
    """Arrived at `hour`, roomed after `lobby` min, provider after `room` more, out at `total`."""
    arrived = at(day, hour)
    return appt(
        px, arrived, provider=provider, arrived_at=arrived,
        roomed_at=arrived + timedelta(minutes=lobby),
        provider_at=arrived + timedelta(minutes=lobby + room),
        checked_out_at=arrived + timedelta(minutes=total),
    )  # fmt: skip


@pytest.fixture
def visits(px):  # noqa: F811
    _visit(px, MARCH, 9, lobby=10, room=5, total=40)
    _visit(px, MARCH, 10, lobby=20, room=15, total=60)
    _visit(px, MARCH, 11, lobby=30, room=10, total=50)
    _visit(px, MARCH, 9, lobby=5, room=20, total=100, provider=1)
    _visit(px, FEB, 9, lobby=7, room=3, total=33)
    # Stamps out of order (roomed before arrival): left out of arrival->roomed only.
    appt(px, at(MARCH, 14), arrived_at=at(MARCH, 14, 30), roomed_at=at(MARCH, 14))
    # Never arrived: not a visit for the flow figures.
    appt(px, at(MARCH, 15), S.NO_SHOW)
    return px


def flow(key, **narrowing):
    return kpi.get(key).compute(span(date(2026, 2, 1), date(2026, 4, 30), **narrowing))


def test_wait_to_room_median_per_month(visits):
    result = flow("wait_to_room")
    # March: 10, 20, 30, 5 -> sorted 5, 10, 20, 30 -> (10 + 20) / 2 = 15.0; February: 7.
    assert [p.value for p in result.series[0].points] == [Decimal("7.0"), Decimal("15.0"), None]
    # Whole range: 5, 7, 10, 20, 30 -> 10.0
    assert result.headline == Decimal("10.0")
    march = result.rows[1]
    assert march["period"] == date(2026, 3, 1)
    assert march["visits"] == 5  # arrived visits, the out-of-order one included
    # Roomed->provider 5, 15, 10, 20 -> 12.5; provider->out 25, 25, 10, 75 -> 25.0
    assert march["roomed_to_provider"] == Decimal("12.5")
    assert march["provider_to_checkout"] == Decimal("25.0")
    assert len(result.rows) == 2  # April has no visits


def test_cycle_time_median(visits):
    result = flow("cycle_time")
    # March: 40, 60, 50, 100 -> (50 + 60) / 2 = 55.0; whole range adds 33: 33, 40, 50, 60, 100
    assert [p.value for p in result.series[0].points] == [Decimal("33.0"), Decimal("55.0"), None]
    assert result.headline == Decimal("50.0")


def test_flow_filters_narrow_and_link_to_wait_times(visits):
    result = flow("wait_to_room", provider_id=visits.providers[1].pk)
    assert result.headline == Decimal("5.0")
    assert flow("cycle_time", department_id=visits.departments[1].pk).headline == Decimal("100.0")
    at_riverside = flow("wait_to_room", location_id=visits.locations[0].pk)
    assert at_riverside.headline == Decimal("15.0")  # 7, 10, 20, 30 -> (10 + 20) / 2
    assert at_riverside.drilldown_url == (
        reverse("frontdesk:wait_times")
        + f"?location={visits.locations[0].pk}&date_from=2026-02-01&date_to=2026-04-30"
    )
    assert flow("wait_to_room").drilldown_url is None  # the page needs a location


def test_utilization(px):  # noqa: F811
    block(px, at(MARCH, 9), 180)  # provider 0: 180 + 120 = 300 available minutes
    block(px, at(MARCH + timedelta(days=1), 9), 120)
    block(px, at(MARCH, 13), 60, provider=1)  # provider 1: 60
    block(px, at(date(2026, 4, 1), 9), 60)  # outside the range
    appt(px, at(MARCH, 9))  # 20 booked
    appt(px, at(MARCH, 10), S.NO_SHOW)  # 20 (a no-show's time was booked)
    appt(px, at(MARCH, 11), S.SCHEDULED, kind="new")  # 40
    appt(px, at(MARCH, 12), S.CANCELLED, cancelled_at=at(MARCH, 8))  # not booked time
    appt(px, at(MARCH, 13), provider=1)  # provider 1: 20
    result = kpi.get("provider_utilization").compute(span(date(2026, 3, 1), date(2026, 3, 31)))
    # (20 + 20 + 40 + 20) ÷ (300 + 60) = 100 ÷ 360 = 27.78% -> 27.8
    assert result.headline == Decimal("27.8")
    assert [p.value for p in result.series[0].points] == [Decimal("27.8")]
    # Per provider, lowest first: provider 0 80 ÷ 300 = 26.7, provider 1 20 ÷ 60 = 33.3
    assert [(r["name"], r["booked"], r["available"], r["rate"]) for r in result.rows] == [
        (str(px.providers[0]), Decimal(80), Decimal(300), Decimal("26.7")),
        (str(px.providers[1]), Decimal(20), Decimal(60), Decimal("33.3")),
    ]
    narrowed = kpi.get("provider_utilization").compute(
        span(date(2026, 3, 1), date(2026, 3, 31), department_id=px.departments[1].pk)
    )
    assert narrowed.headline == Decimal("33.3")
    april = kpi.get("provider_utilization").compute(span(date(2026, 5, 1), date(2026, 5, 31)))
    assert april.headline is None and april.series[0].points[0].value is None


def _when(day, hour):
    return at(date(2026, 3, day), hour)


def test_fill_rate_of_freed_slots(px):  # noqa: F811
    # A: cancelled on the 5th for the 10th, rebooked on the 6th (through a waitlist offer).
    a = appt(px, _when(10, 9), S.CANCELLED, cancelled_at=_when(5, 10), created_at=_when(1, 9))
    appt(px, _when(10, 9), S.SCHEDULED, created_at=_when(6, 9))
    entry = WaitlistEntry.objects.create(
        patient=px.patient, appointment_type=px.types["office"], earliest_date=date(2026, 3, 1),
        created_by=px.providers[0].user, status=EntryStatus.BOOKED,
    )  # fmt: skip
    WaitlistOffer.objects.create(
        entry=entry, slot_start=a.start, slot_end=a.end, provider=a.provider, location=a.location,
        appointment_type=a.type, freed_appointment=a, token_id="t1", sent_at=_when(5, 11),
        expires_at=_when(5, 13), status=OfferStatus.ACCEPTED,
    )  # fmt: skip
    # C: cancelled on the 8th for the 12th, not rebooked (an overlapping visit booked before the
    # cancellation is not a refill).
    appt(px, _when(12, 9), S.CANCELLED, cancelled_at=_when(8, 9), created_at=_when(1, 9))
    appt(px, _when(12, 9), S.SCHEDULED, created_at=_when(2, 9))
    # D: cancelled after its start: never freed.
    appt(px, _when(11, 9), S.CANCELLED, cancelled_at=_when(11, 12), created_at=_when(1, 9))
    # E: moved on the 15th from the 20th to the 25th; its time rebooked on the 16th.
    e = appt(px, _when(20, 9), S.RESCHEDULED, created_at=_when(1, 9))
    appt(px, _when(25, 9), S.SCHEDULED, created_at=_when(15, 9), rescheduled_from=e)
    appt(px, _when(20, 9), S.SCHEDULED, created_at=_when(16, 9))
    result = kpi.get("fill_rate_freed_slots").compute(span(date(2026, 3, 1), date(2026, 4, 30)))
    # Freed: A, C, E = 3; rebooked before the start: A, E = 2 -> 66.7%
    assert result.headline == Decimal("66.7")
    assert [p.value for p in result.series[0].points] == [Decimal("66.7"), None]
    assert result.rows == [{
        "period": date(2026, 3, 1), "freed": 3, "refilled": 2, "by_waitlist": 1,
        "rate": Decimal("66.7"),
    }]  # fmt: skip
    other = span(date(2026, 3, 1), date(2026, 4, 30), provider_id=px.providers[1].pk)
    assert kpi.get("fill_rate_freed_slots").compute(other).headline is None
    assert result.drilldown_url == reverse("waitlist:list") + "?status=booked"
