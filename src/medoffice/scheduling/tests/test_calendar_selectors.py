"""The calendar's reads: what a day and a week show, on each location's clock, per role, in a
fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from medoffice.scheduling.calendar_grid import CalendarFilters, zone_abbreviation
from medoffice.scheduling.models import AppointmentStatus, Holiday, Room
from medoffice.scheduling.selectors_calendar import calendar_day, visible_locations
from medoffice.scheduling.selectors_calendar_week import calendar_week
from medoffice.scheduling.services.availability import time_off_add
from medoffice.testing.personas import persona

from .calendar_support import CHICAGO, NEW_YORK, at, book, chicago_clinic, raw_appointment, staff
from .conftest import make_patient, next_weekday_at


def next_weekday() -> date:
    return next_weekday_at(9).date()


def column_of(cal, provider, location=None):
    matches = [
        c
        for c in cal.columns
        if c.provider_id == provider.pk and (location is None or c.location.pk == location.pk)
    ]
    assert len(matches) == 1, [c.key for c in cal.columns]
    return matches[0]


def test_each_location_shows_its_own_day_on_its_own_clock(clinic):
    day = next_weekday()
    chi = chicago_clinic(day - timedelta(days=1), day + timedelta(days=1))
    manager = persona("manager")
    manager.locations.set([clinic["location"], chi["location"]])
    ny_nine = raw_appointment(clinic, at(day, 9))
    chi_late = raw_appointment(  # 23:30 in Chicago is 00:30 the next day in New York
        clinic, at(day, 23, 30, CHICAGO), provider=chi["provider"], location=chi["location"]
    )
    chi_early = raw_appointment(  # 00:30 in Chicago is 01:30 in New York, the same day
        clinic, at(day, 0, 30, CHICAGO), provider=chi["provider"], location=chi["location"]
    )
    raw_appointment(  # the next Chicago day
        clinic, at(day + timedelta(days=1), 0, 30, CHICAGO), provider=chi["provider"],
        location=chi["location"],
    )  # fmt: skip
    raw_appointment(clinic, at(day - timedelta(days=1), 23, 30, NEW_YORK))  # the day before

    cal = calendar_day(manager, day)

    ny = column_of(cal, clinic["providers"][0])
    assert [c.id for c in ny.cards] == [ny_nine.pk]
    assert ny.cards[0].start_minute == 9 * 60 and ny.cards[0].time_label == "9:00\u20139:20"
    assert [(s.kind, s.start_minute, s.end_minute) for s in ny.slices] == [("open", 540, 1020)]
    chicago = column_of(cal, chi["provider"])
    assert sorted(c.id for c in chicago.cards) == sorted([chi_late.pk, chi_early.pk])
    assert {c.start_minute for c in chicago.cards} == {30, 23 * 60 + 30}
    assert [(s.start_minute, s.end_minute) for s in chicago.slices] == [(480, 1020)]
    assert cal.axis.start_minute == 0 and cal.axis.end_minute == 24 * 60
    subtitles = {g.title: g.subtitle for g in cal.groups}
    assert subtitles["Lakeshore"] == zone_abbreviation(chi["location"], day)
    assert subtitles["Lakeshore"] in {"CST", "CDT"}
    assert subtitles["Riverside"] in {"EST", "EDT"}
    assert cal.patient_refs.keys() == {
        ny_nine.patient_id,
        chi_late.patient_id,
        chi_early.patient_id,
    }


@pytest.mark.parametrize(
    "day", [date(2027, 3, 14), date(2026, 11, 1)], ids=["spring-forward", "fall-back"]
)
def test_daylight_saving_days_keep_wall_clock_rows(clinic, day):
    chi = chicago_clinic(day - timedelta(days=1), day + timedelta(days=1))
    nine = raw_appointment(
        clinic, at(day, 9, 0, CHICAGO), provider=chi["provider"], location=chi["location"]
    )
    late = raw_appointment(
        clinic, at(day, 16, 30, CHICAGO), provider=chi["provider"], location=chi["location"]
    )
    raw_appointment(  # 9:00 the day before: not on this page
        clinic, at(day - timedelta(days=1), 9, 0, CHICAGO), provider=chi["provider"],
        location=chi["location"],
    )  # fmt: skip
    clinician = persona("clinician")  # sees every location

    cal = calendar_day(clinician, day, CalendarFilters(location_ids=(chi["location"].pk,)))

    column = column_of(cal, chi["provider"])
    assert [(s.start_minute, s.end_minute) for s in column.slices] == [(480, 1020)]
    cards = {c.id: c for c in column.cards}
    assert cards.keys() == {nine.pk, late.pk}
    assert cards[nine.pk].start_minute == 540 and cards[nine.pk].span == 4
    assert cards[nine.pk].row == (540 - cal.axis.start_minute) // 5 + 1
    assert cards[late.pk].time_label == "4:30\u20134:50"
    assert cal.axis.start_minute == 8 * 60 and cal.axis.end_minute == 17 * 60


def test_queries_do_not_grow_with_the_number_of_appointments(clinic):
    day = next_weekday()
    manager = staff("manager", clinic)
    raw_appointment(clinic, at(day, 9))

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            cal = calendar_day(manager, day)
        return len(ctx.captured_queries), len(cal.cards)

    count()  # the person's roles are read once, then kept on the user
    few, shown = count()
    for i in range(30):
        raw_appointment(
            clinic, at(day, 9 + i % 8, (i // 8) * 15), provider=clinic["providers"][i % 2]
        )
    many, shown_many = count()
    assert (shown, shown_many) == (1, 31)
    assert many == few <= 10


def test_overbooked_visits_sit_side_by_side_and_are_marked(clinic):
    desk = staff("frontdesk", clinic)
    desk.may_overbook = True
    desk.save(update_fields=["may_overbook"])
    start = next_weekday_at(10)
    first = book(clinic, desk, start, type_="quick")
    over = book(clinic, desk, start, type_="quick", overbook=True)
    cal = calendar_day(desk, start.date())
    cards = {c.id: c for c in column_of(cal, clinic["providers"][0]).cards}
    assert cards[over.pk].overbooked and not cards[first.pk].overbooked
    assert cards[first.pk].lanes == cards[over.pk].lanes == 2
    assert {cards[first.pk].lane, cards[over.pk].lane} == {0, 1}


def test_filters_narrow_columns_and_cards(clinic):
    day = next_weekday()
    desk = staff("frontdesk", clinic)
    office = raw_appointment(clinic, at(day, 9))
    quick = raw_appointment(clinic, at(day, 10), provider=clinic["providers"][1])
    quick.type = clinic["quick"]
    quick.save(update_fields=["type"])
    gone = raw_appointment(clinic, at(day, 11), status=AppointmentStatus.CANCELLED)
    no_show = raw_appointment(clinic, at(day, 12), status=AppointmentStatus.NO_SHOW)

    everyone = calendar_day(desk, day)
    assert {c.id for c in everyone.cards} == {office.pk, quick.pk, no_show.pk}, "not cancelled"
    one = calendar_day(desk, day, CalendarFilters(provider_ids=(clinic["providers"][1].pk,)))
    assert [c.provider_id for c in one.columns] == [clinic["providers"][1].pk]
    by_type = calendar_day(desk, day, CalendarFilters(type_ids=(clinic["quick"].pk,)))
    assert [c.id for c in by_type.cards] == [quick.pk]
    assert len(by_type.columns) == 2, "the columns stay; only the cards are filtered"
    cancelled = calendar_day(desk, day, CalendarFilters(statuses=("cancelled",)))
    assert [c.id for c in cancelled.cards] == [gone.pk]
    elsewhere = calendar_day(desk, day, CalendarFilters(location_ids=(999999,)))
    assert elsewhere.columns == [] and elsewhere.cards == []


def test_room_view_has_a_column_per_room(clinic):
    desk = staff("frontdesk", clinic)
    start = next_weekday_at(9)
    appt = book(clinic, desk, start)
    cal = calendar_day(desk, start.date(), CalendarFilters(by="room"))
    assert [c.title for c in cal.columns] == ["Exam 1", "Exam 2"]
    room_column = next(c for c in cal.columns if c.room_id == appt.room_id)
    assert [c.id for c in room_column.cards] == [appt.pk]
    assert room_column.cards[0].provider_name.startswith(clinic["providers"][0].user.first_name)
    assert all(c.bookable for c in cal.columns)


def test_locations_seen_depend_on_the_role(clinic):
    day = next_weekday()
    chi = chicago_clinic(day, day)
    desk = staff("frontdesk", clinic)
    assert [loc.pk for loc in visible_locations(desk)] == [clinic["location"].pk]
    assert {c.location.pk for c in calendar_day(desk, day).columns} == {clinic["location"].pk}
    clinician = persona("clinician")  # works elsewhere, sees every location's schedule
    seen = {c.location.pk for c in calendar_day(clinician, day).columns}
    assert seen == {clinic["location"].pk, chi["location"].pk}
    nowhere = persona("nurse")
    nowhere.locations.clear()
    assert len(visible_locations(nowhere)) >= 2, "assigned nowhere: the whole practice"


def test_clinicians_may_book_and_move_only_on_their_own_columns(clinic):
    day = next_weekday()
    mine = raw_appointment(clinic, at(day, 9))
    theirs = raw_appointment(clinic, at(day, 9), provider=clinic["providers"][1])
    doctor = clinic["providers"][0].user
    cal = calendar_day(doctor, day)
    own, other = column_of(cal, clinic["providers"][0]), column_of(cal, clinic["providers"][1])
    assert own.bookable and not other.bookable
    movable = {c.id: c.movable for c in cal.cards}
    assert movable == {mine.pk: True, theirs.pk: False}
    biller = calendar_day(staff("biller", clinic), day)
    assert not any(c.bookable for c in biller.columns)
    assert not any(c.movable for c in biller.cards)
    assert len(biller.cards) == 2, "view only, but the whole schedule"


def test_time_off_is_shown_without_stretching_the_day(clinic):
    day = next_weekday()
    manager = staff("manager", clinic)
    doctor0, doctor1 = clinic["providers"]
    time_off_add(actor=manager, provider=doctor0, start=at(day, 12), end=at(day, 13))
    time_off_add(actor=manager, provider=doctor1, start=at(day, 0), end=at(day + timedelta(1), 0))
    cal = calendar_day(manager, day)
    lunch = [(s.kind, s.start_minute, s.end_minute) for s in column_of(cal, doctor0).slices]
    assert ("off", 720, 780) in lunch and ("open", 540, 720) in lunch
    away = column_of(cal, doctor1)
    assert [s.kind for s in away.slices] == ["off"] and away.has_time_off
    assert (cal.axis.start_minute, cal.axis.end_minute) == (9 * 60, 17 * 60)


def test_a_holiday_closes_the_location(clinic):
    day = next_weekday()
    Holiday.objects.create(date=day, name="Founders Day")
    raw_appointment(clinic, at(day, 9))
    cal = calendar_day(staff("frontdesk", clinic), day)
    assert cal.holidays == ["Founders Day (Riverside)"]
    assert all(c.closed == "Founders Day" for c in cal.columns)


def test_the_week_of_one_provider_and_of_one_room(clinic):
    desk = staff("frontdesk", clinic)
    start = next_weekday_at(9) + timedelta(days=7)
    monday = start.date() - timedelta(days=start.weekday())
    appt = book(clinic, desk, start)
    week = calendar_week(
        desk, start.date(), CalendarFilters(provider_ids=(clinic["providers"][0].pk,))
    )
    assert week.start == monday and [c.day for c in week.columns] == week.days
    assert week.title.startswith(clinic["providers"][0].user.first_name)
    on_day = {c.day: [card.id for card in c.cards] for c in week.columns}
    assert on_day[start.date()] == [appt.pk]
    assert sum(len(ids) for ids in on_day.values()) == 1
    weekend = [c for c in week.columns if c.day.weekday() >= 5]
    assert all(not c.slices for c in weekend), "no hours on the weekend"
    rooms = calendar_week(desk, start.date(), CalendarFilters(by="room", room_ids=(appt.room_id,)))
    assert rooms.subject == Room.objects.get(pk=appt.room_id)
    assert [card.id for c in rooms.columns for card in c.cards] == [appt.pk]
    nobody = calendar_week(desk, start.date(), CalendarFilters(provider_ids=(999999,)))
    assert nobody.columns == [] and nobody.subject is None


def test_filters_read_from_the_url_ignore_junk():
    query = QueryDict(
        "location=3&location=x&provider=5,6&status=confirmed&status=bogus&by=room&idle=1&type=-1"
    )
    filters = CalendarFilters.from_query(query)
    assert filters.location_ids == (3,) and filters.provider_ids == (5, 6)
    assert filters.statuses == ("confirmed",) and filters.by == "room" and filters.show_idle
    assert filters.type_ids == ()
    assert CalendarFilters.from_query(QueryDict(filters_query(filters))) == filters
    assert CalendarFilters.from_query(QueryDict("by=sideways")).by == "provider"


def filters_query(filters: CalendarFilters) -> str:
    from urllib.parse import urlencode

    return urlencode(filters.query_items())


def test_patients_are_named_on_the_cards(clinic):
    day = next_weekday()
    patient = make_patient("Okafor", "Chidi", preferred_name="Chi")
    raw_appointment(clinic, at(day, 9), patient=patient)
    card = calendar_day(staff("nurse", clinic), day).cards[0]
    assert card.patient_name == "Okafor, Chidi “Chi”"
    assert card.mrn == patient.mrn and card.status_icon == "○"
    assert timezone.is_aware(card.start)
