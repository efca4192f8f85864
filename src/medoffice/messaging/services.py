"""The outbox: queue a message, send it once (claimed by one worker), retry, record failures.

Sending is a compare-and-set claim (queued -> sending) so two workers never send the same
message; a failure is written on the message with its reason and either retried later
(with back-off, up to MEDOFFICE_MESSAGE_ATTEMPTS tries) or marked failed for the manager's
outbox page. Nothing fails silently.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import deny, effective_roles
from medoffice.core.permissions import RoleCode
from medoffice.messaging import conf
from medoffice.messaging.models import (
    Channel,
    Message,
    MessageStatus,
    OptOut,
    Purpose,
)
from medoffice.messaging.sms import SmsError, get_sms_backend

logger = logging.getLogger(__name__)

# Wait before the 2nd and 3rd tries.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
# A message claimed longer ago than this was lost with its worker.
STALE_CLAIM = timedelta(minutes=15)
ACTIVE_APPOINTMENT = ("scheduled", "confirmed")


def message_queue(
    *,
    patient_id: int,
    channel: str,
    to_address: str,
    purpose: str,
    body: str,
    subject: str = "",
    scheduled_for: datetime | None = None,
    appointment_id: int | None = None,
    dedupe_key: str | None = None,
) -> Message | None:
    """Put one message in the outbox (system action). With a dedupe key, queueing the same
    message twice returns None the second time. Due messages are sent right after commit."""
    when = scheduled_for or timezone.now()
    with transaction.atomic():
        if dedupe_key and Message.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        message = Message.objects.create(
            patient_id=patient_id, appointment_id=appointment_id, channel=channel,
            to_address=to_address[:254], subject=subject[:200], body=body, purpose=purpose,
            scheduled_for=when, dedupe_key=dedupe_key,
        )  # fmt: skip
        if when <= timezone.now():
            transaction.on_commit(lambda: send_soon(message.pk))
    return message


def send_soon(message_id: int) -> None:
    from medoffice.core.jobs import enqueue_system
    from medoffice.messaging.tasks import send_message

    enqueue_system(
        send_message,
        message_id,
        label="Send a patient message",
        idempotency_key=f"message:{message_id}",
    )


def _stale_reason(message: Message) -> str:
    """Why a queued message should no longer go out (consent withdrawn, visit cancelled)."""
    patient = message.patient
    if OptOut.objects.filter(patient_id=patient.pk, channel=message.channel).exists():
        return "The patient opted out of this channel."
    if message.channel == Channel.SMS and not patient.consent_to_text:
        return "The patient no longer agrees to texts."
    if message.channel == Channel.EMAIL and not patient.consent_to_email:
        return "The patient no longer agrees to e-mail."
    if message.purpose in (Purpose.REMINDER, Purpose.CONFIRMATION) and message.appointment_id:
        appt = message.appointment
        if appt is None or appt.status not in ACTIVE_APPOINTMENT:
            return f"The appointment is {appt.get_status_display().lower() if appt else 'gone'}."
        if appt.start <= timezone.now():
            return "The visit has already started."
    return ""


def _deliver(message: Message) -> str:
    if message.channel == Channel.SMS:
        return get_sms_backend().send(to=message.to_address, body=message.body)
    msgid = make_msgid(domain="medoffice")
    EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        headers={"Message-ID": msgid},
    ).send()
    return msgid


def _audit(message: Message, status: str, **details: Any) -> None:
    audit_record(
        action="update", actor=None, object_type="message", object_id=message.pk,
        patient_id=message.patient_id,
        details={"status": status, "channel": message.channel, "purpose": message.purpose, **details},
    )  # fmt: skip


def message_send(message_id: int) -> str:
    """Send one due message if this caller wins the claim. Returns what happened."""
    now = timezone.now()
    claimed = Message.objects.filter(
        pk=message_id, status=MessageStatus.QUEUED, scheduled_for__lte=now
    ).update(status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "not due, or taken by another worker"
    message = Message.objects.select_related("patient", "appointment").get(pk=message_id)
    reason = _stale_reason(message)
    if reason:
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.CANCELLED, last_error=reason
        )
        return f"cancelled: {reason}"
    try:
        provider_id = _deliver(message)
    except SmsError as exc:
        return _failed(message, str(exc), permanent=exc.permanent)
    except Exception as exc:  # SMTP and network errors: worth another try
        logger.warning("Message %s failed: %s", message.pk, exc)
        return _failed(message, f"{type(exc).__name__}: {exc}", permanent=False)
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.SENT, sent_at=timezone.now(), provider_message_id=provider_id[:100],
            last_error="",
        )  # fmt: skip
        _audit(message, "sent")
    return "sent"


def _failed(message: Message, error: str, *, permanent: bool) -> str:
    attempts_allowed = int(conf.get("MEDOFFICE_MESSAGE_ATTEMPTS"))
    final = permanent or message.attempts >= attempts_allowed
    with transaction.atomic():
        if final:
            Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                status=MessageStatus.FAILED, last_error=error[:500]
            )
            _audit(message, "failed", error=error[:200])
            return f"failed: {error}"
        wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.QUEUED,
            last_error=error[:500],
            scheduled_for=timezone.now() + wait,
        )
    return f"will retry: {error}"


def messages_due(now: datetime | None = None) -> Iterable[int]:
    now = now or timezone.now()
    return Message.objects.filter(status=MessageStatus.QUEUED, scheduled_for__lte=now).values_list(
        "pk", flat=True
    )


def messages_stale(now: datetime | None = None) -> QuerySet[Message]:
    now = now or timezone.now()
    return Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)


def messages_release_stale(now: datetime | None = None) -> int:
    """Messages whose worker died mid-send: we cannot know whether they went out, so they are
    marked failed (visible, and a manager can retry them) rather than sent twice."""
    return messages_stale(now).update(
        status=MessageStatus.FAILED,
        last_error="The sender stopped while sending: it may not have gone out. Retry if needed.",
    )


def messages_send_due(*, limit: int = 500, progress: Any = None) -> dict[str, int]:
    """Send what is due now (the scheduler's and `medoffice messaging send-due`'s work)."""
    released = messages_release_stale()
    ids = list(messages_due()[:limit])
    outcome = {"due": len(ids), "sent": 0, "failed": 0, "retrying": 0, "stale": released}
    for done, message_id in enumerate(ids, start=1):
        result = message_send(message_id)
        if result == "sent":
            outcome["sent"] += 1
        elif result.startswith("failed"):
            outcome["failed"] += 1
        elif result.startswith("will retry"):
            outcome["retrying"] += 1
        if progress:
            progress(done, len(ids))
    return outcome


def _require_manager(actor: Any) -> None:
    if RoleCode.MANAGER not in effective_roles(actor):
        raise deny(actor, "Only the office manager handles the outbox.")


def message_retry(*, actor: Any, message: Message) -> Message:
    """Send a failed (or cancelled) message again, now."""
    _require_manager(actor)
    with transaction.atomic():
        changed = Message.objects.filter(
            pk=message.pk, status__in=[MessageStatus.FAILED, MessageStatus.CANCELLED]
        ).update(
            status=MessageStatus.QUEUED, scheduled_for=timezone.now(), attempts=0, claimed_at=None
        )
        if not changed:
            raise ValidationError("Only a failed or cancelled message can be sent again.")
        audit_record(
            action="update", actor=actor, object_type="message", object_id=message.pk,
            patient_id=message.patient_id, details={"status": "queued", "retry": True},
        )  # fmt: skip
        transaction.on_commit(lambda: send_soon(message.pk))
    message.refresh_from_db()
    return message


def message_cancel(*, actor: Any, message: Message) -> Message:
    _require_manager(actor)
    with transaction.atomic():
        changed = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
            status=MessageStatus.CANCELLED, last_error=f"Cancelled by {actor.get_username()}."
        )
        if not changed:
            raise ValidationError("Only a message still waiting to go out can be cancelled.")
        audit_record(
            action="update", actor=actor, object_type="message", object_id=message.pk,
            patient_id=message.patient_id, details={"status": "cancelled"},
        )  # fmt: skip
    message.refresh_from_db()
    return message


def messages_cancel_for_appointment(appointment_id: int, reason: str) -> int:
    """Pending reminders and confirmations of a visit that was cancelled, moved or has begun."""
    return Message.objects.filter(
        appointment_id=appointment_id,
        status=MessageStatus.QUEUED,
        purpose__in=[Purpose.REMINDER, Purpose.CONFIRMATION],
    ).update(status=MessageStatus.CANCELLED, last_error=reason[:500])


def opt_out_record(*, patient_id: int, channel: str, source: str) -> bool:
    """The patient asked to stop this channel; True when it is new. Pending messages on it
    are cancelled at once."""
    if channel not in Channel.values:
        raise ValidationError("Unknown channel.")
    with transaction.atomic():
        _, created = OptOut.objects.get_or_create(
            patient_id=patient_id, channel=channel, defaults={"source": source}
        )
        Message.objects.filter(
            patient_id=patient_id, channel=channel, status=MessageStatus.QUEUED
        ).update(
            status=MessageStatus.CANCELLED, last_error="The patient opted out of this channel."
        )
        if created:
            audit_record(
                action="update", actor=None, object_type="message_opt_out", object_id=patient_id,
                patient_id=patient_id, details={"channel": channel, "source": source},
            )  # fmt: skip
    return created


def opt_out_remove(*, patient_id: int, channel: str, source: str) -> bool:
    with transaction.atomic():
        removed, _ = OptOut.objects.filter(patient_id=patient_id, channel=channel).delete()
        if removed:
            audit_record(
                action="update", actor=None, object_type="message_opt_out", object_id=patient_id,
                patient_id=patient_id, details={"channel": channel, "source": source, "opted_in": True},
            )  # fmt: skip
    return bool(removed)


STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"}
START_WORDS = {"START", "UNSTOP", "YES"}


def sms_keyword_received(*, from_number: str, text: str) -> int:
    """An incoming text (provider webhook): STOP and its synonyms opt the sender out of texts,
    START opts back in. Returns how many patient records the number matched."""
    from medoffice.patients.models import Patient

    word = (text or "").strip().upper().rstrip(".!")
    if word not in STOP_WORDS | START_WORDS:
        return 0
    digits = "".join(ch for ch in from_number if ch.isdigit())[-10:]
    if len(digits) != 10:
        return 0
    # phone_digits holds the mobile number when there is one (the registry's search column).
    patients = [
        pk
        for pk, mobile in Patient.objects.filter(phone_digits=digits).values_list(
            "pk", "phone_mobile"
        )
        if "".join(ch for ch in mobile if ch.isdigit())[-10:] == digits
    ]
    for patient_id in patients:
        if word in STOP_WORDS:
            opt_out_record(patient_id=patient_id, channel=Channel.SMS, source="keyword")
        else:
            opt_out_remove(patient_id=patient_id, channel=Channel.SMS, source="keyword")
    return len(patients)
