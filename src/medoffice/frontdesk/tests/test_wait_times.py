"""Wait-time figures over hand-built visits with known durations (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from medoffice.frontdesk.wait_times import visit_times
from medoffice.scheduling.models import AppointmentStatus as S
from medoffice.testing.personas import signed_in_client

from .conftest import local, visit

DAY = date(2026, 3, 10)


def _visit(clinic, day, hour, lobby, room, total, provider=0, status=S.COMPLETED):
    """A completed visit: `lobby` minutes to be roomed, `room` more to see the provider,
    `total` minutes from arrival to checkout."""
    arrived = local(day, hour)
    return visit(
        clinic, start=arrived, status=status, provider=provider, arrived_at=arrived,
        roomed_at=arrived + timedelta(minutes=lobby),
        provider_at=arrived + timedelta(minutes=lobby + room),
        checked_out_at=arrived + timedelta(minutes=total),
        completed_at=arrived + timedelta(minutes=total + 1),
    )  # fmt: skip


@pytest.fixture
def history(clinic):
    _visit(clinic, DAY, 9, lobby=10, room=5, total=40)
    _visit(clinic, DAY, 10, lobby=20, room=15, total=60)
    _visit(clinic, DAY + timedelta(days=1), 9, lobby=30, room=10, total=50, provider=1)
    _visit(clinic, DAY + timedelta(days=1), 11, lobby=60, room=20, total=100, provider=1)
    # Arrived and roomed, never seen: counts for arrival→roomed only.
    visit(clinic, start=local(DAY, 12), status=S.ROOMED, arrived_at=local(DAY, 12),
          roomed_at=local(DAY, 12, 5))  # fmt: skip
    # Not counted: outside the range, never arrived, stamps out of order.
    _visit(clinic, DAY + timedelta(days=5), 9, lobby=99, room=99, total=300)
    visit(clinic, start=local(DAY, 13))
    visit(clinic, start=local(DAY, 14), status=S.ROOMED, arrived_at=local(DAY, 14, 30),
          roomed_at=local(DAY, 14))  # fmt: skip


def _by_key(result):
    return {m.key: m for m in result.metrics}


def test_medians_and_means(clinic, history):
    result = visit_times(clinic["location"], DAY, DAY + timedelta(days=1))
    m = _by_key(result)
    assert m["arrival_to_roomed"].visits == 5
    assert m["arrival_to_roomed"].median_minutes == 20.0  # 5, 10, 20, 30, 60
    assert m["arrival_to_roomed"].mean_minutes == 25.0
    assert m["roomed_to_provider"].visits == 4
    assert m["roomed_to_provider"].median_minutes == 12.5  # 5, 10, 15, 20
    assert m["arrival_to_checkout"].median_minutes == 55.0  # 40, 50, 60, 100
    assert m["arrival_to_checkout"].mean_minutes == 62.5
    assert result.long_lobby_waits == 3  # 20, 30, 60 are over 15


def test_one_provider_and_an_empty_range(clinic, history):
    mine = _by_key(visit_times(clinic["location"], DAY, DAY + timedelta(days=1),
                               provider_id=clinic["providers"][1].pk))  # fmt: skip
    assert (
        mine["arrival_to_roomed"].visits == 2 and mine["arrival_to_roomed"].median_minutes == 45.0
    )
    empty = _by_key(visit_times(clinic["location"], date(2025, 1, 1), date(2025, 1, 2)))
    assert empty["arrival_to_roomed"].visits == 0
    assert empty["arrival_to_roomed"].median_minutes is None
    with pytest.raises(ValueError):
        visit_times(clinic["location"], DAY, DAY - timedelta(days=1))


def test_page_for_the_manager(clinic, history, staff):
    client = signed_in_client(staff("manager"))
    response = client.get(
        "/frontdesk/wait-times/",
        {"location": clinic["location"].pk, "date_from": DAY, "date_to": DAY + timedelta(days=1)},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Arrival to roomed" in html and "20.0" in html and "62.5" in html
    assert '<th scope="row">' in html
    bad = client.get("/frontdesk/wait-times/", {"location": clinic["location"].pk,
                                                "date_from": DAY, "date_to": DAY - timedelta(days=3)})  # fmt: skip
    assert bad.status_code == 400


def test_clinicians_see_their_own(clinic, history):
    doc = clinic["providers"][1].user
    client = signed_in_client(doc)
    response = client.get(
        "/frontdesk/wait-times/",
        {"location": clinic["location"].pk, "date_from": DAY, "date_to": DAY + timedelta(days=1)},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "45.0" in html  # their two visits only
    assert str(clinic["providers"][0]) not in html


@pytest.mark.parametrize("role", ["biller", "nurse", "hr"])
def test_roles_without_reports(clinic, staff, role):
    assert signed_in_client(staff(role)).get("/frontdesk/wait-times/").status_code == 403
