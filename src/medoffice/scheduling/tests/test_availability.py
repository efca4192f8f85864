"""Templates become blocks in the location's wall-clock time, across daylight-saving changes."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from medoffice.scheduling.models import AvailabilityBlock, AvailabilityTemplate, Holiday, TimeOff
from medoffice.scheduling.recurrence import RecurrenceError, occurrences, parse_rule
from medoffice.scheduling.services.availability import (
    availability_materialize,
    holidays_load,
    template_preview,
    template_save,
    time_off_add,
)
from medoffice.scheduling.services.booking import BookingRequest, appointment_book
from medoffice.testing.personas import persona

from .conftest import make_patient, next_weekday_at

NY = zoneinfo.ZoneInfo("America/New_York")


def local_hours(blocks):
    return [
        (b[0].astimezone(NY).strftime("%Y-%m-%d %H:%M"), b[1].astimezone(NY).strftime("%H:%M"))
        for b in blocks
    ]


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(2026, 3, 6), date(2026, 3, 10)), (date(2026, 10, 30), date(2026, 11, 3))],
    ids=["spring-forward", "fall-back"],
)
def test_blocks_keep_their_wall_clock_time_across_dst(first, last):
    found = list(
        occurrences("FREQ=DAILY", starts_on=date(2026, 1, 1), ends_on=None, start_time=time(9), end_time=time(12),
                    zone_name="America/New_York", window_start=first, window_end=last)
    )  # fmt: skip
    assert [h[0][-5:] for h in local_hours(found)] == ["09:00"] * 5
    durations = {(e - s) for s, e in found}
    assert durations == {timedelta(hours=3)}
    # The UTC offsets differ before and after the change: the stored times really moved.
    assert len({s.astimezone(NY).utcoffset() for s, _ in found}) == 2


def test_a_block_starting_in_the_skipped_hour_starts_when_the_clock_resumes():
    found = list(
        occurrences("FREQ=DAILY", starts_on=date(2026, 3, 8), ends_on=date(2026, 3, 8), start_time=time(2, 30),
                    end_time=time(5), zone_name="America/New_York", window_start=date(2026, 3, 8), window_end=date(2026, 3, 8))
    )  # fmt: skip
    assert local_hours(found) == [("2026-03-08 03:30", "05:00")]


def test_rules_are_checked():
    parse_rule("FREQ=WEEKLY;BYDAY=MO,WE", date(2026, 1, 1))
    for bad in (
        "FREQ=HOURLY",
        "nonsense",
        "FREQ=WEEKLY;BYDAY=XX",
        "DTSTART:20260101T000000\nFREQ=DAILY",
    ):
        with pytest.raises(RecurrenceError):
            parse_rule(bad, date(2026, 1, 1))


def test_exceptions_holidays_and_time_off_cut_blocks(clinic):
    provider = clinic["providers"][0]
    template = provider.templates.get()
    day = next_weekday_at(9, days_ahead=3).date()
    template.exdates = [day.isoformat()]
    template.save()
    holiday = next_weekday_at(9, days_ahead=6).date()
    Holiday.objects.create(date=holiday, name="Founders' Day")
    start = next_weekday_at(12, days_ahead=10)
    TimeOff.objects.create(
        provider=provider,
        start=start,
        end=start + timedelta(hours=2),
        reason="Dentist",
        created_by=provider.user,
    )
    availability_materialize(
        provider_ids=[provider.pk],
        start=timezone.localdate(),
        end=timezone.localdate() + timedelta(days=20),
    )
    days = {
        timezone.localtime(b.start).date()
        for b in AvailabilityBlock.objects.filter(provider=provider)
    }
    assert day not in days and holiday not in days
    pieces = [(timezone.localtime(b.start).time(), timezone.localtime(b.end).time())
              for b in AvailabilityBlock.objects.filter(provider=provider, start__date=start.date())]  # fmt: skip
    assert sorted(pieces) == [(time(9), time(12)), (time(14), time(17))]


def test_materialize_is_idempotent(clinic):
    today = timezone.localdate()
    availability_materialize(start=today, end=today + timedelta(days=30))
    first = AvailabilityBlock.objects.count()
    availability_materialize(start=today, end=today + timedelta(days=30))
    assert AvailabilityBlock.objects.count() == first


def test_preview_shows_the_effect_and_stranded_visits(clinic):
    desk = persona("frontdesk")
    provider = clinic["providers"][0]
    request = BookingRequest(patient_id=make_patient().pk, type=clinic["office"], provider=provider,
                             location_id=clinic["location"].pk, start=next_weekday_at(15))  # fmt: skip
    appt = appointment_book(actor=desk, request=request).appointment
    template = AvailabilityTemplate.objects.select_related("location").get(provider=provider)
    template.end_time = time(13)  # the edit, not saved
    preview = template_preview(template=template, weeks=2)
    assert preview.removed_hours > 0 and preview.added_hours == 0
    assert appt in preview.stranded
    assert (
        preview.days
        and preview.days[0]["before"] == ["09:00-17:00"]
        and preview.days[0]["after"] == ["09:00-13:00"]
    )
    template.refresh_from_db()
    assert template.end_time == time(17), "previewing saved nothing"


def test_template_save_rebuilds_and_clinicians_edit_only_their_own(clinic):
    from medoffice.core.access import AccessDenied

    mine, other = clinic["providers"]
    template = AvailabilityTemplate(provider=mine, location=clinic["location"], start_time=time(18), end_time=time(20),
                                    rrule="FREQ=WEEKLY;BYDAY=TH", starts_on=timezone.localdate())  # fmt: skip
    template_save(actor=mine.user, template=template)
    assert AvailabilityBlock.objects.filter(template=template).exists()
    with pytest.raises(AccessDenied):
        template_save(actor=mine.user, template=AvailabilityTemplate(
            provider=other, location=clinic["location"], start_time=time(18), end_time=time(20),
            rrule="FREQ=DAILY", starts_on=timezone.localdate()))  # fmt: skip
    with pytest.raises(ValidationError):
        template_save(actor=persona("manager"), template=AvailabilityTemplate(
            provider=other, location=clinic["location"], start_time=time(18), end_time=time(20),
            rrule="FREQ=SECONDLY", starts_on=timezone.localdate()))  # fmt: skip


def test_time_off_lists_visits_to_move(clinic):
    desk = persona("frontdesk")
    provider = clinic["providers"][0]
    start = next_weekday_at(10)
    request = BookingRequest(patient_id=make_patient().pk, type=clinic["office"], provider=provider,
                             location_id=clinic["location"].pk, start=start)  # fmt: skip
    appt = appointment_book(actor=desk, request=request).appointment
    _, affected = time_off_add(
        actor=persona("manager"),
        provider=provider,
        start=start - timedelta(hours=1),
        end=start + timedelta(hours=3),
    )
    assert affected == [appt]


def test_holidays_from_the_package(clinic):
    year = timezone.localdate().year + 1
    count = holidays_load(actor=persona("manager"), years=[year], subdivision="NY")
    assert count > 8
    assert Holiday.objects.filter(date=date(year, 12, 25)).exists()
    assert (
        holidays_load(actor=persona("manager"), years=[year], subdivision="NY") == count
    )  # nothing doubled
    assert Holiday.objects.filter(date=date(year, 12, 25)).count() == 1


def test_appointments_across_dst_keep_their_local_time(clinic):
    """Stored in UTC, shown in the location's zone: a 9:00 visit the day after each change is at 9:00."""
    from medoffice.scheduling.models import Appointment

    desk = persona("frontdesk")
    for day in (date(2027, 3, 15), date(2027, 11, 8)):  # Mondays after the 2027 changes
        availability_materialize(start=day - timedelta(days=1), end=day + timedelta(days=1))
        start = datetime.combine(day, time(9), tzinfo=NY)
        request = BookingRequest(patient_id=make_patient(f"D{day.month}").pk, type=clinic["office"],
                                 provider=clinic["providers"][0], location_id=clinic["location"].pk, start=start)  # fmt: skip
        appt = appointment_book(actor=desk, request=request).appointment
        stored = Appointment.objects.get(pk=appt.pk)
        assert stored.start.astimezone(NY).hour == 9
        assert stored.end.astimezone(NY).strftime("%H:%M") == "09:20"


def test_clinicians_cannot_change_holidays(clinic):
    from medoffice.core.access import AccessDenied

    with pytest.raises(AccessDenied):
        holidays_load(actor=clinic["providers"][0].user, years=[2030], subdivision="NY")
    assert not Holiday.objects.filter(date__year=2030).exists()
