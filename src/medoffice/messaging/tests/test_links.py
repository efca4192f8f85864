"""The patient's links: confirm and cancel without signing in; changed, foreign and expired
links get a clear page (never an error page) and change nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.messaging import links
from medoffice.messaging.models import LinkPurpose, Message, OptOut, PatientLink
from medoffice.messaging.reminders import appointment_messages_plan
from medoffice.scheduling.models import AppointmentStatus
from medoffice.testing.personas import persona

from .conftest import book, emailing_patient, next_weekday_at

LINK = re.compile(r"https://clinic\.example\.test(/messaging/a/[^\s/]+/)")


@pytest.fixture
def booked(clinic):
    appt = book(clinic, persona("frontdesk"), emailing_patient(), next_weekday_at(10, days_ahead=3))
    appt.reason = "Follow-up of depression"
    appt.save(update_fields=["reason"])
    appointment_messages_plan(appt.pk)
    message = Message.objects.get(appointment=appt, purpose="confirmation")
    return appt, LINK.search(message.body).group(1)


def test_the_link_names_no_patient_or_appointment(booked):
    appt, path = booked
    token = path.split("/")[3]
    nonce, _stamp, _signature = token.split(":")
    assert PatientLink.objects.get(nonce=nonce).appointment_id == appt.pk
    # A random nonce (128 bits), a time stamp and a signature: nothing that names anyone.
    assert len(nonce) >= 20 and nonce != str(appt.pk) and "Okafor" not in token
    other = links.link_create(
        purpose=LinkPurpose.APPOINTMENT, patient_id=appt.patient_id, appointment_id=appt.pk,
        expires_at=appt.start,
    )[0]  # fmt: skip
    assert other.nonce != nonce


def test_the_page_shows_when_and_where_but_not_why(booked):
    appt, path = booked
    page = Client().get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Chidi" in text and "Riverside" in text and "Confirm" in text
    assert "depression" not in text and "Okafor" not in text and "Office visit" not in text
    assert AuditEvent.objects.filter(
        action="view", object_type="appointment", object_id=str(appt.pk), actor__isnull=True
    ).exists()


def test_confirm_through_the_link(booked):
    appt, path = booked
    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(path, {"action": "confirm", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 200 and "confirmed" in response.content.decode()
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CONFIRMED and appt.confirmed_at
    entry = AuditEvent.objects.filter(
        object_type="appointment", object_id=str(appt.pk), action="update"
    ).get()
    assert entry.actor_id is None


def test_posting_without_the_csrf_token_is_refused(booked):
    appt, path = booked
    response = Client(enforce_csrf_checks=True).post(path, {"action": "confirm"})
    assert response.status_code == 403
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.SCHEDULED


def test_cancel_through_the_link(booked, django_capture_on_commit_callbacks):
    appt, path = booked
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(path, {"action": "cancel"})
    assert "cancelled" in response.content.decode()
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.CANCELLED and appt.cancelled_by == "patient"
    assert appt.cancel_reason == "cancelled by patient via link"
    entry = AuditEvent.objects.filter(
        object_type="appointment", object_id=str(appt.pk), details__status="cancelled"
    ).get()
    assert entry.actor_id is None and entry.details["via"] == "patient link in a message"
    # Its reminders will not go out.
    assert not Message.objects.filter(
        appointment=appt, purpose="reminder", status="queued"
    ).exists()
    # Nothing more to do on the page; a second try says why.
    again = Client().post(path, {"action": "cancel"})
    assert again.status_code == 400 and "cannot be cancelled" in again.content.decode()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: "x" + t,  # nonce changed
        lambda t: t.split(":")[0],  # signature cut off
        lambda t: "garbage",
        lambda t: "999999",
    ],
)
def test_a_changed_link_is_refused_clearly(booked, mangle):
    appt, path = booked
    token = path.split("/")[3]
    bad = f"/messaging/a/{mangle(token)}/"
    for response in (Client().get(bad), Client().post(bad, {"action": "cancel"})):
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.SCHEDULED


def test_a_link_of_another_kind_does_not_open_here(booked):
    appt, _ = booked
    _link, token = links.link_create(
        purpose=LinkPurpose.OPT_OUT, patient_id=appt.patient_id, channel="email",
        expires_at=timezone.now() + timedelta(days=5),
    )  # fmt: skip
    assert Client().get(f"/messaging/a/{token}/").status_code == 400
    assert Client().get(f"/messaging/o/{token}/").status_code == 400


def test_an_expired_link_says_so(booked):
    appt, path = booked
    # Past the signature's age limit...
    later = timezone.now() + links.MAX_AGE[LinkPurpose.APPOINTMENT] + timedelta(days=1)
    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        response = Client().get(path)
    assert response.status_code == 410 and "expired" in response.content.decode()
    # ...or past the link's own end (the visit's start).
    PatientLink.objects.filter(appointment=appt).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = Client().post(path, {"action": "cancel"})
    assert response.status_code == 410 and "expired" in response.content.decode()
    appt.refresh_from_db()
    assert appt.status == AppointmentStatus.SCHEDULED


def test_signing_uses_a_salt_per_purpose(booked):
    _, path = booked
    token = path.split("/")[3]
    nonce = token.split(":")[0]
    assert (
        signing.TimestampSigner(salt="medoffice.messaging.link.appointment").unsign(token) == nonce
    )
    with pytest.raises(signing.BadSignature):
        signing.TimestampSigner().unsign(token)


def test_opt_out_link_stops_that_channel(db, clinic):
    patient = emailing_patient()
    url = links.opt_out_link(patient_id=patient.pk, channel="email")
    path = url.removeprefix("https://clinic.example.test")
    page = Client().get(path)
    assert page.status_code == 200 and "Stop e-mails" in page.content.decode()
    assert not OptOut.objects.exists()
    Client().post(path)
    assert OptOut.objects.filter(patient=patient, channel="email", source="link").exists()
