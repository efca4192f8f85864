"""Planning confirmations and reminders: offsets, past ones, consent and channels, opt-out,
quiet hours (both daylight-saving changes), and cancelling them when the visit goes."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from medoffice.messaging.models import Message, MessageStatus, OptOut
from medoffice.messaging.reminders import appointment_messages_plan, outside_quiet_hours
from medoffice.scheduling.services.booking import appointment_cancel, appointment_reschedule
from medoffice.testing.personas import persona

from .conftest import (
    book,
    emailing_patient,
    make_appointment,
    make_patient,
    next_weekday_at,
    texting_patient,
)

NY = zoneinfo.ZoneInfo("America/New_York")
UTC = zoneinfo.ZoneInfo("UTC")


def _reminders(appt):
    return list(
        Message.objects.filter(appointment=appt, purpose="reminder").order_by("scheduled_for")
    )


def test_booking_plans_a_confirmation_and_reminders_at_the_type_offsets(
    clinic, django_capture_on_commit_callbacks
):
    clinic["office"].reminder_hours = [24, 120, 48]
    clinic["office"].save()
    patient = emailing_patient()
    start = next_weekday_at(14, days_ahead=8)
    with django_capture_on_commit_callbacks(execute=True):
        appt = book(clinic, persona("frontdesk"), patient, start)
    reminders = _reminders(appt)
    assert [appt.start - m.scheduled_for for m in reminders] == [
        timedelta(hours=120), timedelta(hours=48), timedelta(hours=24),
    ]  # fmt: skip
    assert all(m.channel == "email" and m.to_address == patient.email for m in reminders)
    confirmation = Message.objects.get(appointment=appt, purpose="confirmation")
    assert confirmation.status == MessageStatus.SENT, confirmation.last_error
    # Minimum necessary: first name, when, where, a link; never the visit type or reason.
    for message in [*reminders, confirmation]:
        assert "Chidi" in message.body and "Okafor" not in message.body
        assert (
            "Riverside" in message.body
            and "https://clinic.example.test/messaging/a/" in message.body
        )
        assert "Office visit" not in message.body and "Office visit" not in message.subject


def test_reminders_whose_time_has_passed_are_skipped(clinic):
    clinic["office"].reminder_hours = [120, 48, 24]
    clinic["office"].save()
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=30)
    appt = make_appointment(clinic, emailing_patient(), start)
    appointment_messages_plan(appt.pk)
    assert [appt.start - m.scheduled_for for m in _reminders(appt)] == [timedelta(hours=24)]


def test_planning_twice_queues_nothing_new(clinic):
    clinic["office"].reminder_hours = [48, 24]
    clinic["office"].save()
    appt = book(clinic, persona("frontdesk"), emailing_patient(), next_weekday_at(11, days_ahead=5))
    first = appointment_messages_plan(appt.pk)
    assert len(first) == 3
    assert appointment_messages_plan(appt.pk) == []
    assert Message.objects.filter(appointment=appt).count() == 3


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # Preferred and consented.
        ({"consent_to_text": True, "phone_mobile": "518-555-0100", "preferred_contact": "text",
          "consent_to_email": True, "email": "a@example.test"}, "sms"),
        ({"consent_to_text": True, "phone_mobile": "518-555-0100", "preferred_contact": "email",
          "consent_to_email": True, "email": "a@example.test"}, "email"),
        # Preferred channel without consent: the other consented one.
        ({"consent_to_text": False, "phone_mobile": "518-555-0100", "preferred_contact": "text",
          "consent_to_email": True, "email": "a@example.test"}, "email"),
        # Prefers phone calls but agreed to texts: a text.
        ({"consent_to_text": True, "phone_mobile": "518-555-0100", "preferred_contact": "phone"}, "sms"),
        # No consent at all (or consent without an address): no message.
        ({"phone_mobile": "518-555-0100", "email": "a@example.test"}, None),
        ({"consent_to_email": True, "email": ""}, None),
    ],
)  # fmt: skip
def test_channel_follows_consent_and_preference(clinic, fields, expected):
    appt = book(
        clinic, persona("frontdesk"), make_patient(**fields), next_weekday_at(10, days_ahead=3)
    )
    appointment_messages_plan(appt.pk)
    channels = set(Message.objects.filter(appointment=appt).values_list("channel", flat=True))
    assert channels == ({expected} if expected else set())


def test_opt_out_moves_to_the_other_channel_or_stops(clinic):
    both = texting_patient(consent_to_email=True, email="ana@example.test")
    OptOut.objects.create(patient=both, channel="sms", source="keyword")
    appt = book(clinic, persona("frontdesk"), both, next_weekday_at(10, days_ahead=3))
    appointment_messages_plan(appt.pk)
    assert set(Message.objects.filter(appointment=appt).values_list("channel", flat=True)) == {
        "email"
    }
    only_texts = texting_patient("Lopez", "Maria", phone_mobile="518-555-0143")
    OptOut.objects.create(patient=only_texts, channel="sms", source="link")
    appt2 = book(clinic, persona("frontdesk"), only_texts, next_weekday_at(11, days_ahead=3))
    assert appointment_messages_plan(appt2.pk) == []


def test_texts_in_quiet_hours_move_to_eight_in_the_morning(clinic):
    clinic["office"].reminder_hours = [26, 14]
    clinic["office"].save()
    start = next_weekday_at(9, days_ahead=4)  # 26 h before: 7:00; 14 h before: 19:00
    appt = book(clinic, persona("frontdesk"), texting_patient(), start)
    appointment_messages_plan(appt.pk)
    local = [m.scheduled_for.astimezone(NY) for m in _reminders(appt)]
    assert [(t.hour, t.minute) for t in local] == [(8, 0), (19, 0)]
    assert local[0].date() == (start - timedelta(days=1)).astimezone(NY).date()


def test_emails_ignore_quiet_hours(clinic):
    clinic["office"].reminder_hours = [26]
    clinic["office"].save()
    start = next_weekday_at(9, days_ahead=4)
    appt = book(clinic, persona("frontdesk"), emailing_patient(), start)
    appointment_messages_plan(appt.pk)
    assert _reminders(appt)[0].scheduled_for == start - timedelta(hours=26)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Spring forward (2027-03-14, 2:00 EST -> 3:00 EDT): 6:30 EDT that morning -> 8:00 EDT.
        (datetime(2027, 3, 14, 10, 30, tzinfo=UTC), datetime(2027, 3, 14, 8, 0, tzinfo=NY)),
        # 1:30 EST, before the jump: still 8:00 EDT (12:00 UTC), not 13:00 UTC.
        (datetime(2027, 3, 14, 6, 30, tzinfo=UTC), datetime(2027, 3, 14, 8, 0, tzinfo=NY)),
        # 22:00 EST the evening before the change -> 8:00 EDT next morning.
        (datetime(2027, 3, 14, 3, 0, tzinfo=UTC), datetime(2027, 3, 14, 8, 0, tzinfo=NY)),
        # Fall back (2027-11-07, 2:00 EDT -> 1:00 EST): 1:30 the second time (EST) -> 8:00 EST.
        (datetime(2027, 11, 7, 6, 30, tzinfo=UTC), datetime(2027, 11, 7, 8, 0, tzinfo=NY)),
        # 1:30 the first time (EDT) -> the same 8:00 EST (13:00 UTC).
        (datetime(2027, 11, 7, 5, 30, tzinfo=UTC), datetime(2027, 11, 7, 8, 0, tzinfo=NY)),
        # 21:30 EDT on the Saturday -> 8:00 EST on the Sunday.
        (datetime(2027, 11, 7, 1, 30, tzinfo=UTC), datetime(2027, 11, 7, 8, 0, tzinfo=NY)),
        # Daytime stays.
        (datetime(2027, 11, 7, 15, 0, tzinfo=UTC), datetime(2027, 11, 7, 10, 0, tzinfo=NY)),
    ],
)
def test_quiet_hours_across_daylight_saving_changes(moment, expected):
    latest = datetime(2027, 12, 31, tzinfo=UTC)
    assert outside_quiet_hours(moment, "America/New_York", latest=latest) == expected
    moved = outside_quiet_hours(moment, "America/New_York", latest=latest).astimezone(NY)
    assert 8 <= moved.hour < 21


def test_quiet_hours_plan_on_a_daylight_saving_morning(clinic):
    """A reminder that falls in the night of the change lands at 8:00 local, with that day's offset."""
    for day, offset in (("2027-03-14", -4), ("2027-11-07", -5)):
        start = datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=NY) + timedelta(days=1)
        patient = texting_patient(f"Dst{offset}", phone_mobile=f"518-555-01{abs(offset)}0")
        appt = make_appointment(clinic, patient, start)
        clinic["office"].reminder_hours = [28]  # 5:00 local on the day of the change
        clinic["office"].save()
        appointment_messages_plan(appt.pk)
        reminder = _reminders(appt)[0]
        local = reminder.scheduled_for.astimezone(NY)
        assert (local.date().isoformat(), local.hour, local.minute) == (day, 8, 0)
        assert local.utcoffset() == timedelta(hours=offset)


def test_a_text_that_cannot_wait_until_morning_goes_the_evening_before(clinic):
    clinic["office"].reminder_hours = [2]  # 6:30 for an 8:30 visit: 8:00 is too close
    clinic["office"].save()
    start = next_weekday_at(8, 30, days_ahead=4)
    appt = make_appointment(clinic, texting_patient(), start)
    appointment_messages_plan(appt.pk)
    local = _reminders(appt)[0].scheduled_for.astimezone(NY)
    assert (local.hour, local.minute) == (20, 45)
    assert local.date() == start.astimezone(NY).date() - timedelta(days=1)


def test_cancel_and_reschedule_cancel_pending_reminders(clinic, django_capture_on_commit_callbacks):
    clinic["office"].reminder_hours = [48, 24]
    clinic["office"].save()
    desk = persona("frontdesk")
    with django_capture_on_commit_callbacks(execute=True):
        appt = book(clinic, desk, emailing_patient(), next_weekday_at(10, days_ahead=6))
    assert Message.objects.filter(appointment=appt, status="queued").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        moved = appointment_reschedule(
            actor=desk, appointment=appt, start=next_weekday_at(11, days_ahead=7)
        ).appointment
    assert set(Message.objects.filter(appointment=appt).values_list("status", flat=True)) == {
        "sent", "cancelled",
    }  # fmt: skip
    assert (
        Message.objects.filter(appointment=moved, purpose="reminder", status="queued").count() == 2
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(
            actor=desk, appointment=moved, reason="Patient is travelling", cancelled_by="patient"
        )
    pending = Message.objects.filter(appointment=moved, purpose="reminder")
    assert set(pending.values_list("status", flat=True)) == {"cancelled"}
    assert "cancelled or moved" in pending.first().last_error
