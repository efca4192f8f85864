"""The board: a hand-built day, waits since the last step, long-wait flags, the page, audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import override_settings

from medoffice.accounts.middleware import LAST_ACTIVITY
from medoffice.audit.models import AuditEvent
from medoffice.frontdesk import selectors
from medoffice.scheduling.models import AppointmentStatus as S
from medoffice.testing.factories import LocationFactory
from medoffice.testing.personas import persona, signed_in_client

from .conftest import local, make_patient, visit

DAY = date(2026, 3, 10)  # a Tuesday, after the spring DST change
NOW = local(DAY, 11, 0)


@pytest.fixture
def day(clinic):
    """Who is where at 11:00: one visit per step, waits on either side of the thresholds."""
    v = {}
    v["expected"] = visit(clinic, start=local(DAY, 11, 30), patient=make_patient("Early", "Eve"))
    v["late"] = visit(
        clinic, start=local(DAY, 10, 40), status=S.CONFIRMED, patient=make_patient("Late", "Leo")
    )
    v["lobby_long"] = visit(
        clinic,
        start=local(DAY, 10, 45),
        status=S.ARRIVED,
        arrived_at=local(DAY, 10, 40),
        patient=make_patient("Waits", "Wanda", preferred_name="Wen"),
    )
    v["lobby_ok"] = visit(
        clinic,
        start=local(DAY, 11, 0),
        status=S.ARRIVED,
        provider=1,
        arrived_at=local(DAY, 10, 45),
        patient=make_patient("Punctual", "Pia"),
    )
    v["roomed_long"] = visit(
        clinic,
        start=local(DAY, 10, 20),
        status=S.ROOMED,
        arrived_at=local(DAY, 10, 15),
        roomed_at=local(DAY, 10, 39),
    )
    v["roomed_ok"] = visit(
        clinic,
        start=local(DAY, 10, 40),
        status=S.ROOMED,
        provider=1,
        arrived_at=local(DAY, 10, 30),
        roomed_at=local(DAY, 10, 40),
    )
    v["with_provider"] = visit(
        clinic, start=local(DAY, 10, 0), status=S.WITH_PROVIDER, provider_at=local(DAY, 10, 10)
    )
    v["checkout"] = visit(
        clinic,
        start=local(DAY, 9, 30),
        status=S.CHECKED_OUT,
        provider=1,
        checked_out_at=local(DAY, 10, 55),
    )
    v["done"] = visit(
        clinic,
        start=local(DAY, 9, 0),
        status=S.COMPLETED,
        arrived_at=local(DAY, 8, 50),
        completed_at=local(DAY, 9, 45),
    )
    v["no_show"] = visit(clinic, start=local(DAY, 8, 0), status=S.NO_SHOW)
    # Not on today's board: cancelled, another day, another location, late last night.
    visit(clinic, start=local(DAY, 12, 0), status=S.CANCELLED)
    visit(clinic, start=local(DAY + timedelta(days=1), 9, 0))
    visit(clinic, start=local(DAY - timedelta(days=1), 23, 30))
    visit(clinic, start=local(DAY, 9, 0), location=LocationFactory(code="elsewhere"))
    return v  # fmt: skip


def _cards(board):
    return {s.key: {c.appointment.pk: c for c in s.cards} for s in board.sections}


def test_sections_hold_todays_visits_by_step(clinic, day):
    board = selectors.board_for(location=clinic["location"], now=NOW)
    cards = _cards(board)
    assert set(cards["expected"]) == {day["expected"].pk, day["late"].pk}
    assert set(cards["lobby"]) == {day["lobby_long"].pk, day["lobby_ok"].pk}
    assert set(cards["roomed"]) == {day["roomed_long"].pk, day["roomed_ok"].pk}
    assert set(cards["with_provider"]) == {day["with_provider"].pk}
    assert set(cards["checkout"]) == {day["checkout"].pk}
    assert set(cards["done"]) == {day["done"].pk, day["no_show"].pk}
    assert board.total == 10
    assert board.day == DAY
    # Ordered by time within a section.
    assert [c.appointment.pk for c in board.sections[0].cards] == [
        day["late"].pk,
        day["expected"].pk,
    ]


def test_waits_count_from_the_last_step(clinic, day):
    cards = _cards(selectors.board_for(location=clinic["location"], now=NOW))
    assert cards["lobby"][day["lobby_long"].pk].wait_minutes == 20
    assert cards["lobby"][day["lobby_ok"].pk].wait_minutes == 15
    assert cards["roomed"][day["roomed_long"].pk].wait_minutes == 21  # since rooming, not arrival
    assert cards["roomed"][day["roomed_ok"].pk].wait_minutes == 20
    assert cards["with_provider"][day["with_provider"].pk].wait_minutes == 50
    assert cards["checkout"][day["checkout"].pk].wait_minutes == 5
    assert cards["expected"][day["late"].pk].late_minutes == 20
    assert cards["expected"][day["expected"].pk].late_minutes == 0
    assert cards["expected"][day["expected"].pk].wait_minutes is None
    assert cards["done"][day["done"].pk].visit_minutes == 55


def test_long_waits_are_flagged_past_the_thresholds(clinic, day):
    board = selectors.board_for(location=clinic["location"], now=NOW)
    cards = _cards(board)
    assert cards["lobby"][day["lobby_long"].pk].long_wait  # 20 > 15
    assert not cards["lobby"][day["lobby_ok"].pk].long_wait  # 15 is not over 15
    assert cards["roomed"][day["roomed_long"].pk].long_wait  # 21 > 20
    assert not cards["roomed"][day["roomed_ok"].pk].long_wait
    assert not cards["with_provider"][day["with_provider"].pk].long_wait  # never flagged
    assert board.long_waits == 2


@override_settings(FLOW_LOBBY_WAIT_MINUTES=30, FLOW_ROOMED_WAIT_MINUTES=10)
def test_thresholds_come_from_settings(clinic, day):
    cards = _cards(selectors.board_for(location=clinic["location"], now=NOW))
    assert not cards["lobby"][day["lobby_long"].pk].long_wait
    assert cards["roomed"][day["roomed_ok"].pk].long_wait


def test_the_day_is_the_locations_day(clinic):
    """23:30 in New York is already tomorrow in UTC; it still belongs to the local day."""
    late = visit(clinic, start=local(DAY, 23, 30))
    board = selectors.board_for(location=clinic["location"], now=local(DAY, 8, 0))
    assert late.pk in _cards(board)["expected"]


@pytest.fixture
def desk(clinic):
    return persona("frontdesk", location=clinic["location"])


def test_board_page_shows_the_day(clinic, day, desk, monkeypatch):
    monkeypatch.setattr(selectors.timezone, "now", lambda: NOW)
    response = signed_in_client(desk).get("/frontdesk/board/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Front desk: Riverside" in html
    assert "Wanda Waits" in html and "(goes by Wen)" in html
    assert html.count("⚠ Long wait") == 2, "a long wait is said in words, not colour alone"
    assert "Arrived <time" in html and "20 min" in html
    assert "Not here yet: 20 min past the time" in html
    assert 'hx-trigger="every 15s"' in html and "X-MedOffice-Background" in html
    assert f"/frontdesk/visits/{day['expected'].pk}/check-in/" in html
    # Front desk does not room (that opens the chart): no Room link.
    assert f"/frontdesk/visits/{day['lobby_ok'].pk}/room/" not in html


def test_nurse_gets_room_buttons_manager_only_looks(clinic, day, monkeypatch):
    monkeypatch.setattr(selectors.timezone, "now", lambda: NOW)
    nurse_html = (
        signed_in_client(persona("nurse", location=clinic["location"]))
        .get("/frontdesk/board/")
        .content.decode()
    )
    assert f"/frontdesk/visits/{day['lobby_ok'].pk}/room/" in nurse_html
    manager = signed_in_client(persona("manager", location=clinic["location"]))
    html = manager.get("/frontdesk/board/").content.decode()
    assert "Wanda Waits" in html
    assert "/check-in/" not in html and 'name="step"' not in html


@pytest.mark.parametrize("role", ["biller", "hr", "purchasing", "compliance", "admin"])
def test_roles_without_the_board(clinic, day, role):
    response = signed_in_client(persona(role, location=clinic["location"])).get("/frontdesk/board/")
    assert response.status_code == 403


def test_a_location_that_is_not_yours(clinic, day, desk):
    other = LocationFactory(code="other-site")
    response = signed_in_client(desk).get(f"/frontdesk/board/?location={other.pk}")
    assert response.status_code == 404


def _shown(view="front-desk board"):
    return list(
        AuditEvent.objects.filter(action="view_list", details__view=view)
        .order_by("seq")
        .values_list("patient_id", flat=True)
    )


def test_audit_on_load_and_when_the_shown_patients_change(clinic, day, desk, monkeypatch):
    monkeypatch.setattr(selectors.timezone, "now", lambda: NOW)
    client = signed_in_client(desk)
    client.get("/frontdesk/board/")
    first = _shown()
    assert sorted(first) == sorted({a.patient_id for a in day.values()})
    poll = {"HX-Request": "true", "X-MedOffice-Background": "1"}
    response = client.get("/frontdesk/board/", headers=poll)
    assert response.status_code == 200
    assert 'id="board"' in response.content.decode()
    assert "<html" not in response.content.decode(), "a poll gets the partial"
    assert _shown() == first, "a poll that shows the same patients writes nothing"
    walk_in = visit(clinic, start=local(DAY, 11, 0), patient=make_patient("Walkin", "Wes"))
    client.get("/frontdesk/board/", headers=poll)
    assert _shown()[len(first) :] == [walk_in.patient_id], "only the new patient is recorded"
    client.get("/frontdesk/board/")
    assert len(_shown()) == len(first) + 1 + (len(first) + 1), "a full load records everyone"


def test_polling_does_not_keep_the_session_alive(clinic, desk):
    client = signed_in_client(desk)
    client.get("/frontdesk/board/")
    session = client.session
    session[LAST_ACTIVITY] = session[LAST_ACTIVITY] - 120
    session.save()
    before = client.session[LAST_ACTIVITY]
    client.get("/frontdesk/board/", headers={"HX-Request": "true", "X-MedOffice-Background": "1"})
    assert client.session[LAST_ACTIVITY] == before
    client.get("/frontdesk/board/")
    assert client.session[LAST_ACTIVITY] > before


def test_counts_for_the_home_panel(clinic, day, desk, monkeypatch):
    counts = selectors.board_counts(clinic["location"], now=NOW)
    assert counts == {
        "expected": 2, "lobby": 2, "roomed": 2, "with_provider": 1, "checkout": 1, "done": 2,
        "long_waits": 2,
    }  # fmt: skip
    response = signed_in_client(desk).get("/")
    assert "Visits today" in response.content.decode()
