"""Planning an appointment's messages: the booking confirmation and the reminders.

Rules: a channel only with the patient's consent and a number or address, never one the
patient opted out of; the preferred one first, else the other consented one; reminders at the
appointment type's `reminder_hours` before the visit, skipping those already past; no texts
in quiet hours (before 8:00 or from 21:00 in the patient's zone, taken to be the visit
location's): such a text moves to 8:00, or to the evening before when 8:00 is too late.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from medoffice.messaging import conf, links, texts
from medoffice.messaging.models import Channel, Message, OptOut, Purpose
from medoffice.messaging.services import message_queue

# A text moved out of quiet hours must still land this long before the visit.
LATEST_BEFORE_VISIT = timedelta(hours=1)


@dataclass(frozen=True)
class Contact:
    channel: str
    address: str


def contact_for(patient: object, *, opted_out: set[str] | None = None) -> Contact | None:
    """The channel to use for this patient, or None when they cannot be messaged."""
    if getattr(patient, "status", "active") == "deceased" or getattr(
        patient, "merged_into_id", None
    ):
        return None
    if opted_out is None:
        opted_out = set(
            OptOut.objects.filter(patient_id=patient.pk).values_list("channel", flat=True)  # type: ignore[attr-defined]
        )
    available: dict[str, str] = {}
    mobile = getattr(patient, "phone_mobile", "")
    email = getattr(patient, "email", "")
    if getattr(patient, "consent_to_text", False) and mobile and Channel.SMS not in opted_out:
        available[Channel.SMS] = mobile
    if getattr(patient, "consent_to_email", False) and email and Channel.EMAIL not in opted_out:
        available[Channel.EMAIL] = email
    preferred = {"text": Channel.SMS, "email": Channel.EMAIL}.get(
        getattr(patient, "preferred_contact", "")
    )
    # Preferred first; otherwise the other consented channel (texts are read sooner).
    for channel in [preferred, Channel.SMS, Channel.EMAIL]:
        if channel and channel in available:
            return Contact(str(channel), available[channel])
    return None


def outside_quiet_hours(moment: datetime, zone: str, *, latest: datetime) -> datetime:
    """The moment, or the nearest time a text may be sent: 8:00 the same or next morning,
    or (when that is after `latest`) a quarter of an hour before the evening's quiet hours."""
    tz = zoneinfo.ZoneInfo(zone)
    quiet_start = int(conf.get("MEDOFFICE_QUIET_HOURS_START"))
    quiet_end = int(conf.get("MEDOFFICE_QUIET_HOURS_END"))
    local = moment.astimezone(tz)
    if quiet_end <= local.hour < quiet_start:
        return moment
    morning_day = local.date() + timedelta(days=1) if local.hour >= quiet_start else local.date()
    # Wall-clock 8:00 in the zone: combine() picks the right UTC offset on DST days.
    morning = datetime.combine(morning_day, time(quiet_end), tzinfo=tz)
    if morning <= latest:
        return morning.astimezone(zoneinfo.ZoneInfo("UTC"))
    evening_day = local.date() if local.hour >= quiet_start else local.date() - timedelta(days=1)
    evening = datetime.combine(evening_day, time(quiet_start), tzinfo=tz) - timedelta(minutes=15)
    return evening.astimezone(zoneinfo.ZoneInfo("UTC"))


def visit_for(appointment: object) -> texts.Visit:
    location = appointment.location  # type: ignore[attr-defined]
    street = ", ".join(p for p in [location.address_line1, location.city] if p)
    return texts.Visit(
        first_name=texts.first_name_of(appointment.patient),  # type: ignore[attr-defined]
        start=appointment.start,  # type: ignore[attr-defined]
        zone=location.time_zone,
        place=f"{location.name} ({street})" if street else location.name,
        practice=practice_name(),
    )


def practice_name() -> str:
    from medoffice.organization.models import Practice

    practice = Practice.objects.order_by("pk").first()
    return practice.name if practice else settings.PRACTICE_NAME


def appointment_messages_plan(appointment_id: int) -> list[Message]:
    """Queue the confirmation and the reminders of a booked appointment. Idempotent: each
    message has a dedupe key, so planning twice queues nothing new."""
    from medoffice.scheduling.models import Appointment

    appt = (
        Appointment.objects.select_related("patient", "location", "type")
        .filter(pk=appointment_id)
        .first()
    )
    if appt is None or appt.status not in ("scheduled", "confirmed"):
        return []
    now = timezone.now()
    if appt.start <= now:
        return []
    contact = contact_for(appt.patient)
    if contact is None:
        return []
    visit = visit_for(appt)
    link = links.appointment_link(
        appointment_id=appt.pk, patient_id=appt.patient_id, expires_at=appt.start
    )
    opt_out = (
        links.opt_out_link(patient_id=appt.patient_id, channel=contact.channel)
        if contact.channel == Channel.EMAIL
        else ""
    )
    zone = appt.location.time_zone
    planned: list[tuple[str, str, datetime]] = [(Purpose.CONFIRMATION, "confirmation", now)]
    hours_list = sorted({int(h) for h in (appt.type.reminder_hours or [])}, reverse=True)
    planned += [
        (Purpose.REMINDER, f"reminder:{h}", appt.start - timedelta(hours=h)) for h in hours_list
    ]
    queued: list[Message] = []
    times_used: set[datetime] = set()
    for purpose, key, at in planned:
        if purpose == Purpose.REMINDER and at <= now:
            continue  # its time has passed (booked late)
        if contact.channel == Channel.SMS:
            at = outside_quiet_hours(at, zone, latest=appt.start - LATEST_BEFORE_VISIT)
        if at < now or at in times_used or at >= appt.start:
            continue  # quiet hours left no time for it, or it now falls with another one
        times_used.add(at)
        text = texts.compose(purpose, contact.channel, visit, link=link, opt_out=opt_out)
        message = message_queue(
            patient_id=appt.patient_id, appointment_id=appt.pk, channel=contact.channel,
            to_address=contact.address, purpose=purpose, subject=text.subject, body=text.body,
            scheduled_for=max(at, now), dedupe_key=f"{key}:{appt.pk}",
        )  # fmt: skip
        if message is not None:
            queued.append(message)
    return queued
