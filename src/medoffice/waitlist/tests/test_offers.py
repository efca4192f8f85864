"""Freed time goes to the waitlist: matching and ranking, a few offers at once, first to accept
wins (the database decides a race), the others are withdrawn, expired offers move on."""

from __future__ import annotations

import re
import threading
import zoneinfo
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.messaging.models import Message
from medoffice.messaging.tests.conftest import (
    book,
    emailing_patient,
    make_patient,
    next_weekday_at,
    texting_patient,
    texts_sent,
)
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.services.booking import appointment_cancel
from medoffice.testing.personas import persona
from medoffice.waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer
from medoffice.waitlist.offers import (
    Slot,
    matching_entries,
    offer_accept,
    offer_decline,
    offers_expire,
    offers_for_freed_appointment,
)
from medoffice.waitlist.services import waitlist_entry_add

NY = zoneinfo.ZoneInfo("America/New_York")
OFFER_LINK = re.compile(r"https://clinic\.example\.test/messaging/o/([^\s/]+)/")


def wait(clinic, patient, *, days_back: int = 0, **extra) -> WaitlistEntry:
    entry = waitlist_entry_add(
        actor=persona("frontdesk"), patient=patient, appointment_type=clinic["office"],
        earliest_date=extra.pop("earliest_date", timezone.localdate()), **extra,
    )  # fmt: skip
    if days_back:
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            created_at=timezone.now() - timedelta(days=days_back)
        )
    return entry


def freed_slot(clinic, *, hour: int = 10, days_ahead: int = 2) -> Appointment:
    """A booked visit the front desk then cancels (hooks run as after a real commit)."""
    desk = persona("frontdesk")
    appt = book(
        clinic, desk, make_patient("Gone", "Away"), next_weekday_at(hour, days_ahead=days_ahead)
    )
    appointment_cancel(
        actor=desk, appointment=appt, reason="Patient is ill", cancelled_by="patient"
    )
    return appt


def test_matching_filters_and_ranks_by_waiting_time(clinic):
    slot_appt = freed_slot(clinic, hour=10)
    day = timezone.localtime(slot_appt.start, NY).date()
    other_provider = clinic["providers"][1]
    newest = wait(clinic, texting_patient("New", "Nina", phone_mobile="518-555-0101"), days_back=1)
    oldest = wait(
        clinic, emailing_patient("Old", "Olga"), days_back=30, provider=clinic["providers"][0]
    )
    middle = wait(clinic, texting_patient("Mid", "Mo", phone_mobile="518-555-0102"), days_back=10,
                  times_of_day=["morning"], weekdays=[day.weekday()])  # fmt: skip
    # Not matching: another provider, afternoons only, another weekday, dates later,
    # no way to reach the patient, a longer visit type.
    wait(
        clinic,
        texting_patient("Doc", "Two", phone_mobile="518-555-0103"),
        days_back=40,
        provider=other_provider,
    )
    wait(
        clinic,
        texting_patient("Pm", "Only", phone_mobile="518-555-0104"),
        days_back=40,
        times_of_day=["afternoon"],
    )
    wait(clinic, texting_patient("Wrong", "Day", phone_mobile="518-555-0105"), days_back=40,
         weekdays=[(day.weekday() + 1) % 7])  # fmt: skip
    wait(clinic, texting_patient("Later", "On", phone_mobile="518-555-0106"), days_back=40,
         earliest_date=day + timedelta(days=1))  # fmt: skip
    wait(clinic, make_patient("Unreachable", "Una"), days_back=40)
    from medoffice.scheduling.models import AppointmentType

    long_type = AppointmentType.objects.create(name="Long visit", code="long", duration_minutes=60)
    waitlist_entry_add(actor=persona("frontdesk"), patient=texting_patient("Long", "L", phone_mobile="518-555-0107"),
                       appointment_type=long_type, earliest_date=timezone.localdate())  # fmt: skip
    slot = Slot(slot_appt.provider_id, slot_appt.location_id, slot_appt.start, slot_appt.end)
    assert matching_entries(slot) == [oldest, middle, newest]


def test_a_freed_time_is_offered_to_three_at_once(clinic, sms_dir, settings):
    settings.MEDOFFICE_QUIET_HOURS_START, settings.MEDOFFICE_QUIET_HOURS_END = 24, 0  # any hour
    entries = [
        wait(
            clinic,
            texting_patient(f"W{i}", f"P{i}", phone_mobile=f"518-555-011{i}"),
            days_back=10 - i,
        )
        for i in range(4)
    ]
    appt = freed_slot(clinic)
    assert offers_for_freed_appointment(appt.pk) == 3
    offers = WaitlistOffer.objects.order_by("entry__created_at")
    assert [o.entry_id for o in offers] == [e.pk for e in entries[:3]]
    assert all(o.status == OfferStatus.SENT and o.slot_start == appt.start for o in offers)
    for offer in offers:
        assert offer.expires_at <= offer.sent_at + timedelta(hours=2)
        assert offer.expires_at <= appt.start - timedelta(hours=1)
        assert offer.message.purpose == "waitlist_offer" and offer.message.appointment_id is None
    assert set(WaitlistEntry.objects.values_list("status", flat=True)) == {"offered", "active"}
    # Asking again (a redelivered job) offers nothing more.
    assert offers_for_freed_appointment(appt.pk) == 0
    assert WaitlistOffer.objects.count() == 3


def test_no_offers_when_the_time_is_too_close(clinic):
    wait(clinic, emailing_patient())
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=70)
    slot = Slot(
        clinic["providers"][0].pk, clinic["location"].pk, start, start + timedelta(minutes=20)
    )
    from medoffice.waitlist.offers import offers_send_for_slot

    assert offers_send_for_slot(slot) == 0


def _token(offer: WaitlistOffer) -> str:
    body = Message.objects.get(pk=offer.message_id).body
    return OFFER_LINK.search(body).group(1)


def test_first_to_accept_gets_it_and_the_others_are_withdrawn(
    clinic, django_capture_on_commit_callbacks
):
    desk = persona("frontdesk")
    first = wait(clinic, emailing_patient("First", "Fay"), days_back=5)
    second = wait(clinic, emailing_patient("Second", "Sam"), days_back=3)
    appt = freed_slot(clinic)
    offers_for_freed_appointment(appt.pk)
    offer_a, offer_b = WaitlistOffer.objects.order_by("entry__created_at")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(f"/messaging/o/{_token(offer_b)}/", {"action": "accept"})
    assert response.status_code == 200 and "the appointment is yours" in response.content.decode()
    booked = Appointment.objects.get(patient=second.patient, status="scheduled")
    assert booked.start == appt.start and booked.booked_by == desk
    entry = AuditEvent.objects.get(
        object_type="appointment", object_id=str(booked.pk), action="create"
    )
    assert entry.actor_id is None and entry.details["via"] == "waitlist offer"
    offer_a.refresh_from_db()
    offer_b.refresh_from_db()
    assert (offer_a.status, offer_b.status) == (OfferStatus.WITHDRAWN, OfferStatus.ACCEPTED)
    assert WaitlistEntry.objects.get(pk=first.pk).status == EntryStatus.ACTIVE
    assert WaitlistEntry.objects.get(pk=second.pk).status == EntryStatus.BOOKED
    # The new appointment gets its confirmation like any booking.
    assert Message.objects.filter(appointment=booked, purpose="confirmation").exists()
    # The late one is told kindly.
    late = Client().post(f"/messaging/o/{_token(offer_a)}/", {"action": "accept"})
    assert late.status_code == 409 and "taken by another patient" in late.content.decode()


def test_the_database_decides_when_the_time_was_taken_meanwhile(clinic):
    first = wait(clinic, emailing_patient("First", "Fay"), days_back=5)
    appt = freed_slot(clinic)
    offers_for_freed_appointment(appt.pk)
    offer = WaitlistOffer.objects.get()
    # The front desk books the time for someone else before the patient clicks.
    book(clinic, persona("frontdesk"), make_patient("Walk", "In"), appt.start)
    outcome = offer_accept(nonce=offer.token_id)
    assert not outcome.ok and "just taken" in outcome.message
    offer.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    assert WaitlistEntry.objects.get(pk=first.pk).status == EntryStatus.ACTIVE
    assert not Appointment.objects.filter(patient=first.patient).exists()


def test_decline_and_expiry_move_on_to_the_next(
    clinic, settings, django_capture_on_commit_callbacks
):
    settings.MEDOFFICE_WAITLIST_OFFERS_AT_ONCE = 1
    entries = [wait(clinic, emailing_patient(f"E{i}", f"N{i}"), days_back=10 - i) for i in range(3)]
    appt = freed_slot(clinic)
    offers_for_freed_appointment(appt.pk)
    first = WaitlistOffer.objects.get()
    assert first.entry_id == entries[0].pk
    with django_capture_on_commit_callbacks(execute=True):
        assert offer_decline(nonce=first.token_id).ok
    second = WaitlistOffer.objects.get(status=OfferStatus.SENT)
    assert second.entry_id == entries[1].pk
    assert WaitlistEntry.objects.get(pk=entries[0].pk).status == EntryStatus.ACTIVE
    WaitlistOffer.objects.filter(pk=second.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert offers_expire() == 1
    second.refresh_from_db()
    assert second.status == OfferStatus.EXPIRED
    third = WaitlistOffer.objects.get(status=OfferStatus.SENT)
    assert third.entry_id == entries[2].pk
    # An expired offer's page says so and books nothing.
    page = Client().get(f"/messaging/o/{_token(second)}/")
    assert "expired" in page.content.decode() and "Accept" not in page.content.decode()
    assert not offer_accept(nonce=second.token_id).ok


def test_an_offer_link_after_its_time_refuses(clinic):
    wait(clinic, emailing_patient())
    appt = freed_slot(clinic)
    offers_for_freed_appointment(appt.pk)
    offer = WaitlistOffer.objects.get()
    from medoffice.messaging.models import PatientLink

    PatientLink.objects.filter(nonce=offer.token_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = Client().post(f"/messaging/o/{_token(offer)}/", {"action": "accept"})
    assert response.status_code == 410
    assert not Appointment.objects.filter(patient=offer.entry.patient).exists()


def test_cancelling_through_the_desk_sends_offers_by_text(
    clinic, sms_dir, settings, django_capture_on_commit_callbacks
):
    settings.MEDOFFICE_QUIET_HOURS_START, settings.MEDOFFICE_QUIET_HOURS_END = 24, 0
    wait(clinic, texting_patient("Waiting", "Wanda"))
    desk = persona("frontdesk")
    appt = book(clinic, desk, make_patient("Gone", "Away"), next_weekday_at(10, days_ahead=2))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(
            actor=desk, appointment=appt, reason="Patient is ill", cancelled_by="patient"
        )
    [text] = [t for t in texts_sent(sms_dir) if "earlier appointment" in t["body"]]
    assert "Wanda" in text["body"] and "/messaging/o/" in text["body"]
    assert "Waiting" not in text["body"] and "Office visit" not in text["body"]


@pytest.mark.django_db(transaction=True)
def test_two_patients_accept_at_the_same_moment_one_wins(clinic):
    entries = [
        wait(clinic, emailing_patient(f"R{i}", f"Racer{i}"), days_back=5 - i) for i in range(3)
    ]
    appt = freed_slot(clinic)
    offers_for_freed_appointment(appt.pk)
    tokens = list(WaitlistOffer.objects.values_list("token_id", flat=True))
    assert len(tokens) == 3
    barrier = threading.Barrier(len(tokens))
    outcomes: list[bool] = []
    lock = threading.Lock()

    def accept(nonce: str) -> None:
        try:
            barrier.wait()
            result: object = offer_accept(nonce=nonce).ok
        except Exception as exc:
            result = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=accept, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [False, False, True], outcomes
    winners = Appointment.objects.filter(patient__in=[e.patient for e in entries])
    assert winners.count() == 1 and winners.get().start == appt.start
    assert WaitlistOffer.objects.filter(status=OfferStatus.ACCEPTED).count() == 1
    assert WaitlistEntry.objects.filter(status=EntryStatus.BOOKED).count() == 1


def test_entries_limit_the_dates(clinic):
    appt = freed_slot(clinic, days_ahead=3)
    day = timezone.localtime(appt.start, NY).date()
    ended = wait(clinic, emailing_patient("Before"), latest_date=day - timedelta(days=1))
    within = wait(clinic, emailing_patient("Within"), earliest_date=day, latest_date=day)
    slot = Slot(appt.provider_id, appt.location_id, appt.start, appt.end)
    assert matching_entries(slot) == [within]
    assert ended.status == EntryStatus.ACTIVE
