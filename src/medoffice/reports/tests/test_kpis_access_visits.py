"""Visits, new patients, no-shows and cancellations on a hand-built March 2026 (April is empty).

March, provider 0 (Riverside, Family medicine):
  3 completed office visits (one at 23:30 on the 31st: still March locally, April in UTC),
  1 checked-out new-patient visit, 1 office no-show, 1 scheduled office visit.
March, provider 1 (Hilltop, Cardiology):
  1 completed office visit, 1 new-patient no-show, 4 cancellations made 2 h, exactly 24 h,
  3 days 1 h and 10 days before the start, 1 appointment moved away (rescheduled).
Outside: a completed visit at 20:00 on 28 February (1 March in UTC).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from medoffice.reports import kpi
from medoffice.reports.kpi import Grain

from .test_kpis_access_support import S, appt, at, px, span  # noqa: F401

MARCH = date(2026, 3, 2)
FIRSTS = [date(2026, 3, 1), date(2026, 4, 1)]


@pytest.fixture
def march(px):  # noqa: F811
    for hour in (9, 10):
        appt(px, at(MARCH, hour))
    appt(px, at(date(2026, 3, 31), 23, 30))
    appt(px, at(MARCH, 11), S.CHECKED_OUT, kind="new")
    appt(px, at(MARCH, 13), S.NO_SHOW)
    appt(px, at(MARCH, 14), S.SCHEDULED)
    appt(px, at(MARCH, 9), provider=1)
    appt(px, at(MARCH, 10), S.NO_SHOW, provider=1, kind="new")
    for hour, lead in ((11, timedelta(hours=2)), (12, timedelta(hours=24)),
                       (13, timedelta(days=3, hours=1)), (14, timedelta(days=10))):  # fmt: skip
        start = at(date(2026, 3, 20), hour)
        appt(px, start, S.CANCELLED, provider=1, cancelled_at=start - lead, cancelled_by="patient")
    appt(px, at(MARCH, 15), S.RESCHEDULED, provider=1)
    appt(px, at(date(2026, 2, 28), 20))
    return px


def compute(key, **narrowing):
    return kpi.get(key).compute(span(date(2026, 3, 1), date(2026, 4, 30), **narrowing))


def values(result, index=0):
    return [p.value for p in result.series[index].points]


def test_visits_count_completed_visits_per_local_month(march):
    result = compute("visits")
    # Provider 0: 3 completed + 1 checked out; provider 1: 1 completed. The 23:30 visit on
    # 31 March is March's; the 20:00 visit on 28 February is outside the range.
    assert result.headline == Decimal(5)
    assert [p.period for p in result.series[0].points] == FIRSTS
    assert values(result) == [Decimal(5), None]
    week = reverse("scheduling:calendar_week")
    assert result.drilldown_url == f"{week}?date=2026-03-01&status=checked_out&status=completed"


def test_visits_filters_narrow(march):
    assert compute("visits", provider_id=march.providers[1].pk).headline == Decimal(1)
    assert compute("visits", location_id=march.locations[0].pk).headline == Decimal(4)
    assert compute("visits", department_id=march.departments[1].pk).headline == Decimal(1)
    url = compute("visits", provider_id=march.providers[1].pk).drilldown_url
    assert f"provider={march.providers[1].pk}" in url


def test_new_patients_are_completed_new_patient_visits(march):
    result = compute("new_patients")
    assert result.headline == Decimal(1)  # the no-show new-patient visit was not seen
    assert result.rows[0]["share"] == Decimal("20.0")  # 1 ÷ 5 visits
    assert values(result) == [Decimal(1), None]
    assert compute("new_patients", provider_id=march.providers[1].pk).headline is None


def test_no_show_rate(march):
    result = compute("no_show_rate")
    # 2 no-shows ÷ (5 completed + 2 no-shows) = 28.571..% -> 28.6
    assert result.headline == Decimal("28.6")
    assert values(result) == [Decimal("28.6"), None]
    assert result.rows == [{"period": FIRSTS[0], "no_shows": 2, "seen": 5, "rate": Decimal("28.6")}]
    # Provider 1 alone: 1 ÷ (1 + 1) = 50%
    assert compute("no_show_rate", provider_id=march.providers[1].pk).headline == Decimal("50.0")
    assert compute("no_show_rate", location_id=march.locations[0].pk).headline == Decimal("20.0")
    assert "status=no_show" in result.drilldown_url


def test_no_show_rate_by_provider_worst_first(march):
    result = compute("no_show_by_provider")
    # Provider 1: 1 ÷ (1 + 1) = 50.0; provider 0: 1 ÷ (4 + 1) = 20.0
    rows = [(r["name"], r["rate"]) for r in result.rows]
    assert rows == [
        (str(march.providers[1]), Decimal("50.0")),
        (str(march.providers[0]), Decimal("20.0")),
    ]
    assert f"provider={march.providers[1].pk}" in result.rows[0]["_url"]
    assert result.headline == Decimal("28.6")
    assert [s.label for s in result.series[1:]] == sorted(str(p) for p in march.providers)
    narrowed = compute("no_show_by_provider", department_id=march.departments[0].pk)
    assert [r["rate"] for r in narrowed.rows] == [Decimal("20.0")]


def test_no_show_rate_by_type(march):
    result = compute("no_show_by_type")
    # New patient visit: 1 ÷ (1 + 1) = 50.0; office: 1 ÷ (4 + 1) = 20.0
    assert [(r["name"], r["rate"]) for r in result.rows] == [
        ("New patient visit", Decimal("50.0")),
        ("Office visit", Decimal("20.0")),
    ]
    narrowed = compute("no_show_by_type", provider_id=march.providers[0].pk)
    # Provider 0 alone: office 1 ÷ (3 + 1) = 25.0; new-patient 0 ÷ (1 + 0) = 0.0
    assert [(r["name"], r["rate"]) for r in narrowed.rows] == [
        ("Office visit", Decimal("25.0")),
        ("New patient visit", Decimal("0.0")),
    ]


def test_late_cancellation_rate(march):
    result = compute("late_cancellation_rate")
    # Dated appointments (the moved one left out): provider 0 has 6, provider 1 has 6 -> 12.
    # Cancelled < 24 h before: only the one 2 h before (exactly 24 h is not late): 1 ÷ 12.
    assert result.headline == Decimal("8.3")
    assert result.rows[0]["late"] == 1 and result.rows[0]["dated"] == 12
    assert values(result) == [Decimal("8.3"), None]
    # Provider 1 alone: 1 ÷ 6 = 16.67 -> 16.7; provider 0 has no cancellations: 0.0
    assert compute("late_cancellation_rate", provider_id=march.providers[1].pk).headline == Decimal(
        "16.7"
    )
    assert compute("late_cancellation_rate", provider_id=march.providers[0].pk).headline == Decimal(
        "0.0"
    )


def test_cancellation_by_lead_time_bands(march):
    result = compute("cancellation_by_lead_time")
    # 4 cancellations ÷ 12 dated = 33.3; one in each band: 1 ÷ 12 = 8.3 each
    assert result.headline == Decimal("33.3")
    row = result.rows[0]
    assert [row[k] for k in ("under_24h", "days_1_2", "days_3_7", "over_7d")] == [
        Decimal("8.3")
    ] * 4
    assert [s.label for s in result.series] == [
        "Cancellation rate", "< 24 h", "1-2 days", "3-7 days", "> 7 days",
    ]  # fmt: skip
    assert values(result, 1) == [Decimal("8.3"), None]
    narrowed = compute("cancellation_by_lead_time", location_id=march.locations[1].pk)
    assert narrowed.headline == Decimal("66.7")  # 4 ÷ 6


def test_weekly_grain_and_empty_range(march):
    result = kpi.get("visits").compute(span(date(2026, 3, 1), date(2026, 3, 10), Grain.WEEK))
    # Weeks start on Monday: 23 Feb (holds 1 March), 2 March, 9 March.
    assert [p.period for p in result.series[0].points] == [
        date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 9),
    ]  # fmt: skip
    assert values(result) == [None, Decimal(4), None]
    empty = kpi.get("no_show_rate").compute(span(date(2025, 1, 1), date(2025, 1, 31)))
    assert empty.headline is None and values(empty) == [None] and empty.rows == []


def test_visits_per_local_day_at_midnight_edges(px):  # noqa: F811
    # Eleven daily periods (the period CASE is a nested search past three): a visit at local
    # 00:00 and one at 23:59 on chosen days, one at 00:00 on the day after the range.
    days = [date(2026, 3, d) for d in range(1, 12)]
    expected = {days[0]: 2, days[4]: 1, days[5]: 1, days[7]: 3, days[10]: 2}
    for day, n in expected.items():
        appt(px, at(day, 0))
        if n >= 2:
            appt(px, at(day, 23, 59))
        if n == 3:
            appt(px, at(day, 12))
    appt(px, at(date(2026, 3, 12), 0))
    appt(px, at(date(2026, 2, 28), 23, 59))
    result = kpi.get("visits").compute(span(days[0], days[-1], Grain.DAY))
    assert [p.period for p in result.series[0].points] == days
    assert values(result) == [Decimal(expected[d]) if d in expected else None for d in days]
    assert result.headline == Decimal(9)
    narrowed = kpi.get("visits").compute(
        span(days[0], days[-1], Grain.DAY, provider_id=px.providers[1].pk)
    )
    assert narrowed.headline is None
