"""The huddle's figures on the hand-built practice of conftest.py: exact counts and amounts,
and the day, location and department choices narrowing them."""

from __future__ import annotations

from decimal import Decimal

from medoffice.huddle import selectors
from medoffice.huddle.parts import ALL_PARTS
from medoffice.testing.personas import persona


def _by_name(schedule):
    return {p.provider_id: p for p in schedule.providers}


def test_schedule_today_at_riverside(office, manager):
    choice = selectors.choice_for(manager, location=office["riverside"].pk)
    s = selectors.schedule(manager, choice)
    rows = _by_name(s)
    a, b = rows[office["doc_a"].pk], rows[office["doc_b"].pk]
    assert (a.capacity_minutes, a.booked_minutes, a.visits, a.unconfirmed) == (480, 70, 3, 1)
    assert (a.open_minutes, a.open_slots, a.booked_percent) == (410, 27, 15)
    assert (b.capacity_minutes, b.booked_minutes, b.visits, b.unconfirmed) == (240, 20, 1, 0)
    assert (b.open_minutes, b.open_slots) == (220, 14)
    assert (s.total.visits, s.total.unconfirmed, s.total.capacity_minutes) == (4, 1, 720)
    assert (s.no_coverage, s.no_authorization) == (1, 1)


def test_department_narrows_the_schedule(office, manager):
    choice = selectors.choice_for(
        manager, location=office["riverside"].pk, department=office["cardiology"].pk
    )
    s = selectors.schedule(manager, choice)
    assert [p.provider_id for p in s.providers] == [office["doc_b"].pk]
    assert (s.total.visits, s.total.capacity_minutes, s.total.booked_minutes) == (1, 240, 20)
    assert (s.no_coverage, s.no_authorization) == (0, 1)


def test_tomorrow_and_another_location(office, manager):
    tomorrow = selectors.choice_for(manager, day="tomorrow", location=office["riverside"].pk)
    s = selectors.schedule(manager, tomorrow)
    rows = _by_name(s)
    assert (rows[office["doc_a"].pk].visits, rows[office["doc_a"].pk].unconfirmed) == (1, 1)
    assert (rows[office["doc_b"].pk].visits, rows[office["doc_b"].pk].capacity_minutes) == (0, 240)
    assert (s.no_coverage, s.no_authorization) == (1, 0)
    hilltop = selectors.choice_for(manager, location=office["hilltop"].pk)
    s = selectors.schedule(manager, hilltop)
    assert [(p.provider_id, p.capacity_minutes, p.visits, p.unconfirmed) for p in s.providers] == [
        (office["doc_b"].pk, 120, 1, 1)
    ]


def test_tomorrow_is_the_next_local_day(office, manager):
    today = selectors.choice_for(manager)
    tomorrow = selectors.choice_for(manager, day="tomorrow")
    assert (tomorrow.day - today.day).days == 1 and tomorrow.today == today.day
    assert selectors.choice_for(manager, day="nonsense").day_key == "today"


def test_flow_counts_and_waits_today(office, manager):
    choice = selectors.choice_for(manager, location=office["riverside"].pk)
    f = selectors.flow(choice)
    assert (f.counts["expected"], f.counts["lobby"], f.counts["done"]) == (2, 1, 1)
    assert (f.waiting, f.counts["long_waits"]) == (1, 1)
    assert (f.median_lobby_wait, f.roomed_today) == (10.0, 1)


def test_claims_ready_rejected_and_denied_since_yesterday(office, manager):
    k = selectors.claims(manager, selectors.choice_for(manager).now)
    assert (k.ready, k.ready_amount) == (2, Decimal("150.50"))
    assert (k.rejected, k.rejected_amount) == (1, Decimal("80.00"))
    assert (k.denied, k.denied_amount) == (1, Decimal("120.25"))


def test_records_and_reminders(office, manager):
    found = {f.key: f.count for f in selectors.records(selectors.choice_for(manager).now)}
    # One stale draft note; the encounter is in progress (no diagnosis needed yet); both
    # patients lack the required consents; no planned encounter is coming.
    assert found == {
        "unsigned_notes": 1, "no_diagnosis": 0, "non_billable": 0, "consents": 2, "coverage": 0,
    }  # fmt: skip
    assert selectors.reminders().failed == 2


def test_each_role_gets_its_parts(office, manager):
    expected = {
        "manager": set(ALL_PARTS),
        "frontdesk": {"schedule", "flow"},
        "biller": {"claims", "ar"},
        "clinician": {"schedule", "flow"},
        "nurse": {"flow", "records"},
        "compliance": {"schedule", "claims", "records"},
        "hr": set(),
        "purchasing": set(),
        "admin": set(),
    }
    for role, parts in expected.items():
        user = manager if role == "manager" else persona(role, location=office["riverside"])
        assert set(selectors.parts_for(user)) == parts, role


def test_a_clinician_sees_their_own_day(office):
    doc_a = office["doc_a"].user
    choice = selectors.choice_for(doc_a, location=office["riverside"].pk)
    result = selectors.huddle(doc_a, choice)
    assert [p.provider_id for p in result.schedule.providers] == [office["doc_a"].pk]
    assert (result.schedule.total.visits, result.schedule.no_authorization) == (3, 0)
    assert result.claims is None and result.records is None and result.reminders is None


def test_a_location_not_yours_is_refused(office):
    desk = persona("frontdesk", location=office["riverside"])
    assert selectors.choice_for(desk, location=office["hilltop"].pk) is None
    assert selectors.choice_for(desk, location="x") is None
    assert selectors.choice_for(desk).location == office["riverside"]
