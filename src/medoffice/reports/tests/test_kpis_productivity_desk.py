# ruff: noqa: F811  (fixtures imported from the front desk's conftest)
"""Check-ins per front-desk staff member, on visits checked in through the front desk's own
service with the clock moved to each check-in, every expected figure counted by hand.

Fran (front desk) checks in three visits: 2026-03-02 and 03-03 with Dr. doc0, 04-06 with
Dr. doc1. Nora (nurse) checks in one, 03-03 with Dr. doc0, at the second location. A visit
that was never checked in, and a second click on a visit already checked in, count nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from medoffice.frontdesk.services import visit_check_in
from medoffice.frontdesk.tests.conftest import clinic, local, staff, visit  # noqa: F401
from medoffice.reports import kpis_productivity_desk as desk
from medoffice.reports.kpi import Grain, ReportFilters, get
from medoffice.testing.factories import LocationFactory

D = Decimal
MAR, APR = date(2026, 3, 1), date(2026, 4, 1)
SPRING = ReportFilters(start=MAR, end=date(2026, 4, 30), grain=Grain.MONTH)


def _check_in(monkeypatch: Any, clinic: dict[str, Any], actor: Any, day: date, **kw: Any) -> Any:
    start = local(day, 9)
    appointment = visit(clinic, start=start, **kw)
    moment = start - timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    visit_check_in(actor=actor, appointment=appointment)
    return appointment


@pytest.fixture
def day_book(clinic, staff, monkeypatch) -> dict[str, Any]:
    fran, nora = staff("frontdesk"), staff("nurse")
    uptown = LocationFactory(name="Uptown", code="up", time_zone="America/New_York")
    _check_in(monkeypatch, clinic, fran, date(2026, 3, 2))
    again = _check_in(monkeypatch, clinic, fran, date(2026, 3, 3))
    visit_check_in(actor=fran, appointment=again)  # a double click: no second check-in
    _check_in(monkeypatch, clinic, fran, date(2026, 4, 6), provider=1)
    _check_in(monkeypatch, clinic, nora, date(2026, 3, 3), location=uptown)
    visit(clinic, start=local(date(2026, 3, 4), 9))  # booked, never checked in
    return {"fran": fran, "nora": nora, "uptown": uptown}


def values(series):
    return [(p.period, p.value) for p in series.points]


def test_registered_in_the_productivity_section():
    kpi = get("check_ins_per_staff")
    assert kpi is not None and kpi.section == "productivity"
    assert kpi.capability == "reports_access"


def test_check_ins_per_staff_member(day_book, clinic):
    result = desk.check_ins_per_staff(SPRING)
    # Fran 3 of 4 = 75%, Nora 1 = 25%; 4 check-ins by 2 people: 2.0 each.
    assert result.rows == [
        {"person": "Desk, Fran", "check_ins": 3, "share": D("75.0")},
        {"person": "Nurse, Nora", "check_ins": 1, "share": D("25.0")},
    ]
    assert result.headline == D("2.0")
    assert [(s.label, values(s)) for s in result.series] == [
        ("All staff", [(MAR, D("3")), (APR, D("1"))]),
        ("Desk, Fran", [(MAR, D("2")), (APR, D("1"))]),
        ("Nurse, Nora", [(MAR, D("1")), (APR, None)]),
    ]


def test_filters_narrow_the_check_ins(day_book, clinic):
    uptown = desk.check_ins_per_staff(replace(SPRING, location_id=day_book["uptown"].pk))
    assert uptown.rows == [{"person": "Nurse, Nora", "check_ins": 1, "share": D("100.0")}]
    doc1 = desk.check_ins_per_staff(replace(SPRING, provider_id=clinic["providers"][1].pk))
    assert doc1.rows == [{"person": "Desk, Fran", "check_ins": 1, "share": D("100.0")}]
    march = desk.check_ins_per_staff(replace(SPRING, end=date(2026, 3, 31)))
    assert march.headline == D("1.5")  # Fran 2, Nora 1
    summer = ReportFilters(start=date(2026, 8, 1), end=date(2026, 8, 31))
    assert desk.check_ins_per_staff(summer).headline is None
