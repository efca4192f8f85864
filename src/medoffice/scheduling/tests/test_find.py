"""Find first available, on hand-built schedules: every answer is checked slot by slot."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from medoffice.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityTemplate,
    BlockKind,
    Equipment,
    Occupancy,
    Provider,
)
from medoffice.scheduling.services.availability import availability_materialize
from medoffice.scheduling.services.booking import BookingRequest, appointment_book, slots
from medoffice.scheduling.services.find import first_available
from medoffice.testing.factories import LocationFactory, UserFactory
from medoffice.testing.personas import persona

from .conftest import NPIS, make_patient, next_weekday_at

NY = zoneinfo.ZoneInfo("America/New_York")


def hhmm(found, zone=NY):
    return [(s.provider_id, s.start.astimezone(zone).strftime("%H:%M")) for s in found]


def book(clinic, provider, start, *, patient=None, type_key="office"):
    request = BookingRequest(
        patient_id=(patient or make_patient(f"P{start:%H%M}{provider.pk}")).pk,
        type=clinic[type_key],
        provider=provider,
        location_id=clinic["location"].pk,
        start=start,
    )
    return appointment_book(actor=persona("frontdesk"), request=request).appointment


def search(clinic, day, **kwargs):
    kwargs.setdefault("appt_type", clinic["office"])
    kwargs.setdefault(
        "now", timezone.make_aware(datetime.combine(day - timedelta(days=1), time(12)))
    )
    return first_available(
        date_from=day, date_to=day + timedelta(days=kwargs.pop("days", 0)), **kwargs
    )


def test_first_slots_across_providers_in_time_order(clinic):
    day = next_weekday_at(9, days_ahead=2).date()
    found = search(clinic, day, limit=4)
    a, b = clinic["providers"]
    assert hhmm(found) == [(a.pk, "09:00"), (b.pk, "09:00"), (a.pk, "09:20"), (b.pk, "09:20")] or (
        hhmm(found) == [(b.pk, "09:00"), (a.pk, "09:00"), (b.pk, "09:20"), (a.pk, "09:20")]
    )
    assert all(s.end - s.start == timedelta(minutes=20) for s in found)
    assert all(s.room_id in {r.pk for r in clinic["rooms"]} for s in found)
    assert found == sorted(found)


def test_a_slot_found_can_be_booked(clinic):
    day = next_weekday_at(9, days_ahead=2).date()
    book(clinic, clinic["providers"][0], next_weekday_at(9, days_ahead=2))
    slot = search(clinic, day, provider=clinic["providers"][0], limit=1)[0]
    assert slot.start.astimezone(NY).strftime("%H:%M") == "09:20"
    appointment = book(clinic, clinic["providers"][0], slot.start)
    assert appointment.start == slot.start


def test_the_scan_jumps_to_the_end_of_a_visit_in_the_way(clinic):
    provider = clinic["providers"][0]
    day = next_weekday_at(9, days_ahead=2).date()
    book(clinic, provider, next_weekday_at(9, 10, days_ahead=2), type_key="quick")  # 9:10-9:20
    found = search(clinic, day, provider=provider, limit=3)
    assert hhmm(found) == [(provider.pk, "09:20"), (provider.pk, "09:40"), (provider.pk, "10:00")]


def test_limit_and_the_date_range(clinic):
    day = next_weekday_at(9, days_ahead=2).date()
    assert len(search(clinic, day, limit=7)) == 7
    # A whole day for two providers is 2 x 24 office visits; more needs the next weekday.
    many = search(clinic, day, limit=60, days=7)
    assert len(many) == 60 and len({s.day for s in many}) == 2
    assert search(clinic, day, limit=0) == []
    assert (
        first_available(appt_type=clinic["office"], date_from=day, date_to=day - timedelta(days=1))
        == []
    )


def test_nothing_before_now(clinic):
    day = next_weekday_at(9, days_ahead=2).date()
    now = timezone.make_aware(datetime.combine(day, time(10, 7)))
    found = search(clinic, day, now=now, provider=clinic["providers"][0], limit=2)
    assert hhmm(found)[0][1] == "10:10"


def test_reserved_blocks_take_only_their_types(clinic):
    provider = clinic["providers"][0]
    day = next_weekday_at(9, days_ahead=2).date()
    new_visit = AppointmentType.objects.create(name="New patient", code="new", duration_minutes=30)
    reserved = AvailabilityTemplate.objects.create(
        provider=provider, location=clinic["location"], start_time=time(7), end_time=time(8),
        rrule="FREQ=DAILY", starts_on=day, kind=BlockKind.RESERVED, reserved_label="New patients only",
    )  # fmt: skip
    reserved.reserved_types.set([new_visit])
    availability_materialize(provider_ids=[provider.pk], start=day, end=day)
    office = search(clinic, day, provider=provider, limit=1)
    assert hhmm(office) == [(provider.pk, "09:00")], "the 7:00 block is not for office visits"
    found = search(clinic, day, appt_type=new_visit, provider=provider, limit=3)
    assert hhmm(found) == [(provider.pk, "07:00"), (provider.pk, "07:30"), (provider.pk, "09:00")]
    assert found[0].reserved_label == "New patients only" and found[2].reserved_label == ""


def test_no_slot_when_every_room_of_the_kind_is_taken(clinic):
    a, b = clinic["providers"]
    day = next_weekday_at(9, days_ahead=2).date()
    first_room, second_room = clinic["rooms"]
    second_room.is_active = False
    second_room.save()
    book(clinic, a, next_weekday_at(9, days_ahead=2))  # takes the only exam room 9:00-9:20
    found = search(clinic, day, provider=b, limit=2)
    assert hhmm(found) == [(b.pk, "09:20"), (b.pk, "09:40")]
    assert found[0].room_id == first_room.pk
    # A visit type without a room is not held up by rooms.
    quick = search(clinic, day, appt_type=clinic["quick"], provider=b, limit=1)
    assert hhmm(quick) == [(b.pk, "09:00")] and quick[0].room_id is None


def test_equipment_of_the_needed_kind(clinic):
    a, b = clinic["providers"]
    day = next_weekday_at(9, days_ahead=2).date()
    ecg_type = AppointmentType.objects.create(
        name="ECG", code="ecg", duration_minutes=15, equipment_kinds=["ecg"]
    )
    assert search(clinic, day, appt_type=ecg_type) == [], "no ECG machine at the location"
    Equipment.objects.create(location=clinic["location"], name="ECG cart", kind="ecg")
    clinic["ecg"] = ecg_type
    book(clinic, a, next_weekday_at(9, days_ahead=2), type_key="ecg")
    found = search(clinic, day, appt_type=ecg_type, provider=b, limit=1)
    assert hhmm(found) == [(b.pk, "09:15")]


def test_the_patients_own_appointments_are_kept_free(clinic):
    a, b = clinic["providers"]
    day = next_weekday_at(9, days_ahead=2).date()
    patient = make_patient()
    book(clinic, a, next_weekday_at(9, days_ahead=2), patient=patient)
    found = search(clinic, day, provider=b, patient_id=patient.pk, limit=1)
    assert hhmm(found) == [(b.pk, "09:20")]
    assert hhmm(search(clinic, day, provider=b, limit=1)) == [(b.pk, "09:00")]


def test_allowed_providers_and_provider_filter(clinic):
    a, b = clinic["providers"]
    day = next_weekday_at(9, days_ahead=2).date()
    clinic["office"].allowed_providers.set([b])
    found = search(clinic, day, limit=5)
    assert {s.provider_id for s in found} == {b.pk}
    assert search(clinic, day, provider=a) == []


def test_weekday_and_time_filters_in_the_locations_zone(clinic):
    """A Tokyo clinic: its Wednesday morning is Wednesday midnight in UTC and Tuesday evening
    in New York, the practice's zone; the filters read Tokyo's clock."""
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    location = LocationFactory(name="Tokyo", code="tyo", time_zone="Asia/Tokyo")
    user = UserFactory(username="doc-tokyo", roles=["clinician"], locations=[location])
    provider = Provider.objects.create(user=user, npi=NPIS[2])
    provider.locations.add(location)
    AvailabilityTemplate.objects.create(
        provider=provider, location=location, start_time=time(9), end_time=time(17),
        rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", starts_on=date(2020, 1, 1),
    )  # fmt: skip
    start = timezone.localdate() + timedelta(days=1)
    availability_materialize(
        provider_ids=[provider.pk], start=start, end=start + timedelta(days=14)
    )
    found = first_available(
        appt_type=clinic["quick"], location=location, date_from=start, date_to=start + timedelta(days=14),
        weekdays=[2], time_from=time(9), time_to=time(10), limit=8,
    )  # fmt: skip
    local = [s.start.astimezone(tokyo) for s in found]
    assert len(found) == 8
    assert {t.weekday() for t in local} == {2}
    assert local[0].strftime("%H:%M") == "09:00" and local[5].strftime("%H:%M") == "09:50"
    assert local[6].date() == local[0].date() + timedelta(days=7), "six 10-minute visits a week"
    assert all(s.local_end.time() <= time(10) for s in found)
    assert found[0].start.astimezone(NY).weekday() == 1, "Tuesday evening in New York"
    assert all(s.location_id == location.pk for s in found)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 3, 14), ["01:00", "03:00"]),  # 2:00-3:00 does not exist
        (date(2027, 11, 7), ["01:00", "01:00", "02:00", "03:00"]),  # 1:00-2:00 happens twice
    ],
    ids=["spring-forward", "fall-back"],
)
def test_daylight_saving_days(clinic, day, expected):
    provider = clinic["providers"][0]
    hour = AppointmentType.objects.create(name="Sleep study", code="sleep", duration_minutes=60)
    AvailabilityTemplate.objects.create(
        provider=provider, location=clinic["location"], start_time=time(1), end_time=time(4),
        rrule="FREQ=WEEKLY;BYDAY=SU", starts_on=date(2027, 1, 1),
    )  # fmt: skip
    availability_materialize(provider_ids=[provider.pk], start=day, end=day)
    found = first_available(
        appt_type=hour, provider=provider, date_from=day, date_to=day, limit=10,
        now=datetime(2027, 1, 1, tzinfo=NY),
    )  # fmt: skip
    assert [s.start.astimezone(NY).strftime("%H:%M") for s in found] == expected
    assert all(s.end - s.start == timedelta(hours=1) for s in found)
    assert len({s.start for s in found}) == len(found), "each a distinct instant"


def _past_history(clinic, count):
    """Past visits written straight to the tables (what three years of history looks like)."""
    a, b = clinic["providers"]
    desk = persona("frontdesk")
    patient = make_patient("Past")
    rows = []
    base = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=400)
    for i in range(count):
        start = base + timedelta(days=i // 8, hours=i % 8)
        appt = Appointment.objects.create(
            patient=patient, provider=a if i % 2 else b, location=clinic["location"],
            type=clinic["office"], start=start, end=start + timedelta(minutes=20), booked_by=desk,
            status="completed",
        )  # fmt: skip
        for slot in slots(appt.start, appt.end):
            rows += [
                Occupancy(resource=f"provider:{appt.provider_id}", slot=slot, appointment=appt),
                Occupancy(resource=f"room:{clinic['rooms'][0].pk}", slot=slot, appointment=appt),
            ]
    Occupancy.objects.bulk_create(rows)


def test_query_count_does_not_depend_on_history(clinic):
    day = next_weekday_at(9, days_ahead=2).date()
    patient = make_patient("Now")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            found = search(clinic, day, limit=10, days=5, patient_id=patient.pk)
        assert len(found) == 10
        return len(ctx.captured_queries)

    before = queries()
    _past_history(clinic, 300)
    assert queries() == before
    assert before <= 12, "a handful of set-up queries and two reads for the one day needed"


def test_a_full_day_costs_two_reads_not_one_per_slot(clinic):
    """Fill the first day entirely: the search reads that day (two queries) and moves on."""
    a, b = clinic["providers"]
    first = next_weekday_at(9, days_ahead=2)
    for provider in (a, b):
        for i in range(24):
            book(clinic, provider, first + timedelta(minutes=20 * i))
    with CaptureQueriesContext(connection) as ctx:
        found = search(clinic, first.date(), limit=3, days=7)
    assert all(s.day > first.date() for s in found) and len(found) == 3
    day_reads = [q for q in ctx.captured_queries if "occupancy" in q["sql"].lower()]
    assert len(day_reads) == 2, "one occupancy read per day looked at"
