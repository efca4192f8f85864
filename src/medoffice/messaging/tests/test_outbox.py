"""Sending: one claim per message, retries with back-off, failures recorded and shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.messaging.models import Message, MessageStatus, OptOut
from medoffice.messaging.services import (
    message_queue,
    message_send,
    messages_release_stale,
    messages_send_due,
)
from medoffice.messaging.sms import SmsError
from medoffice.testing.personas import persona, signed_in_client

from .conftest import emailing_patient, texting_patient, texts_sent

CALLS: list[str] = []


class FlakySms:
    """Fails the first `failures` sends with a provider outage."""

    failures = 1

    def send(self, *, to: str, body: str) -> str:
        CALLS.append(to)
        if len(CALLS) <= self.failures:
            raise SmsError("HTTP 503 from the provider")
        return "SM123"


class RefusingSms:
    def send(self, *, to: str, body: str) -> str:
        raise SmsError(
            "Twilio refused the text: HTTP 400 (error 21211): invalid 'To' number", permanent=True
        )


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    FlakySms.failures = 1


def _queued(patient, channel="sms", **extra) -> Message:
    to = patient.phone_mobile if channel == "sms" else patient.email
    return message_queue(
        patient_id=patient.pk, channel=channel, to_address=to, purpose="reminder",
        subject="Reminder", body="Hi Ana, a reminder of your appointment.",
        scheduled_for=timezone.now() - timedelta(minutes=1), **extra,
    )  # fmt: skip


def test_a_due_text_is_sent_once(db, sms_dir):
    message = _queued(texting_patient())
    assert message_send(message.pk) == "sent"
    assert message_send(message.pk).startswith("not due")  # a redelivered job does nothing
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert message.provider_message_id.startswith("file-") and message.sent_at
    assert [t["to"] for t in texts_sent(sms_dir)] == ["518-555-0142"]
    assert AuditEvent.objects.filter(object_type="message", object_id=str(message.pk)).exists()


def test_a_message_claimed_by_another_worker_is_left_alone(db, sms_dir):
    message = _queued(texting_patient())
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING)  # the other worker
    assert message_send(message.pk).startswith("not due")
    assert texts_sent(sms_dir) == []


def test_a_message_not_yet_due_is_not_sent(db, sms_dir):
    message = _queued(texting_patient())
    Message.objects.filter(pk=message.pk).update(scheduled_for=timezone.now() + timedelta(hours=1))
    assert message_send(message.pk).startswith("not due")
    assert messages_send_due()["due"] == 0


def test_email_goes_through_djangos_mail_backend(db):
    patient = emailing_patient()
    message = _queued(patient, channel="email")
    assert message_send(message.pk) == "sent"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [patient.email] and sent.subject == "Reminder"
    message.refresh_from_db()
    assert message.provider_message_id == sent.extra_headers["Message-ID"]


def test_transient_failures_are_retried_with_back_off_then_fail(db, settings):
    settings.MEDOFFICE_SMS_BACKEND = "medoffice.messaging.tests.test_outbox.FlakySms"
    FlakySms.failures = 5
    message = _queued(texting_patient())
    assert message_send(message.pk).startswith("will retry")
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert "503" in message.last_error
    assert message.scheduled_for > timezone.now() + timedelta(seconds=50)
    for attempt in (2, 3):
        Message.objects.filter(pk=message.pk).update(scheduled_for=timezone.now())
        outcome = message_send(message.pk)
        message.refresh_from_db()
        assert message.attempts == attempt
    assert outcome.startswith("failed") and message.status == MessageStatus.FAILED
    assert "503" in message.last_error
    assert AuditEvent.objects.filter(object_type="message", details__status="failed").exists()


def test_a_retry_that_succeeds_clears_the_error(db, settings):
    settings.MEDOFFICE_SMS_BACKEND = "medoffice.messaging.tests.test_outbox.FlakySms"
    message = _queued(texting_patient())
    message_send(message.pk)
    Message.objects.filter(pk=message.pk).update(scheduled_for=timezone.now())
    assert message_send(message.pk) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")


def test_a_permanent_refusal_fails_at_once(db, settings):
    settings.MEDOFFICE_SMS_BACKEND = "medoffice.messaging.tests.test_outbox.RefusingSms"
    message = _queued(texting_patient())
    assert message_send(message.pk).startswith("failed")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert "invalid 'To' number" in message.last_error


def test_consent_withdrawn_or_opt_out_before_sending_cancels(db, sms_dir):
    patient = texting_patient()
    first, second = _queued(patient), _queued(patient, dedupe_key="second")
    OptOut.objects.create(patient=patient, channel="sms", source="link")
    assert message_send(first.pk).startswith("cancelled")
    OptOut.objects.all().delete()
    type(patient).objects.filter(pk=patient.pk).update(consent_to_text=False)
    assert message_send(second.pk).startswith("cancelled")
    assert texts_sent(sms_dir) == []
    assert set(Message.objects.values_list("status", flat=True)) == {"cancelled"}


def test_a_send_interrupted_midway_is_marked_failed_not_resent(db, sms_dir):
    message = _queued(texting_patient())
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    assert messages_release_stale() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "may not have gone out" in message.last_error


def test_send_due_command_and_scheduler_round(db, sms_dir, capsys):
    from medoffice.core.models import JobRun
    from medoffice.messaging.management.commands.messaging import scheduler_round

    patient = texting_patient()
    _queued(patient)
    _queued(patient, dedupe_key="b")
    call_command("messaging", "send-due")
    assert "2 due: 2 sent" in capsys.readouterr().out
    assert scheduler_round() == []  # nothing due: no job
    _queued(patient, dedupe_key="c")
    assert scheduler_round() == ["send due messages"]
    assert JobRun.objects.filter(idempotency_key="messaging:send-due").count() == 1


def test_failures_are_shown_first_on_the_managers_outbox_and_home(db, settings):
    settings.MEDOFFICE_SMS_BACKEND = "medoffice.messaging.tests.test_outbox.RefusingSms"
    patient = texting_patient()
    sent_email = _queued(emailing_patient(), channel="email")
    message_send(sent_email.pk)
    failed = _queued(patient, dedupe_key="x")
    message_send(failed.pk)
    manager = signed_in_client(persona("manager"))
    page = manager.get("/messaging/outbox/").content.decode()
    assert page.index("invalid &#x27;To&#x27; number") < page.index("Okafor")
    assert "Send again" in page
    home = manager.get("/").content.decode()
    assert "Failed, need attention" in home
    filtered = manager.get("/messaging/outbox/?status=sent").content.decode()
    assert "Okafor" in filtered and "Rivera" not in filtered
    assert AuditEvent.objects.filter(action="view_list", details__view="outbox").exists()


def test_manager_sends_a_failed_message_again(db, settings, django_capture_on_commit_callbacks):
    settings.MEDOFFICE_SMS_BACKEND = "medoffice.messaging.tests.test_outbox.RefusingSms"
    message = _queued(texting_patient())
    message_send(message.pk)
    settings.MEDOFFICE_SMS_BACKEND = "file"
    desk = signed_in_client(persona("frontdesk"))
    assert desk.post(f"/messaging/outbox/{message.pk}/retry/").status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    manager = signed_in_client(persona("manager"))
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(f"/messaging/outbox/{message.pk}/retry/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_manager_cancels_a_queued_message(db):
    message = _queued(texting_patient())
    manager = signed_in_client(persona("manager"))
    manager.post(f"/messaging/outbox/{message.pk}/cancel/")
    message.refresh_from_db()
    assert message.status == MessageStatus.CANCELLED and "manager" in message.last_error


@pytest.mark.parametrize(
    "role", ["frontdesk", "biller", "clinician", "nurse", "hr", "compliance", "admin", "purchasing"]
)
def test_only_the_manager_reads_the_outbox(db, role):
    assert signed_in_client(persona(role)).get("/messaging/outbox/").status_code == 403
