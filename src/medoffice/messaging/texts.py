"""The words of each message. Minimum necessary: the patient's first name, the date, time and
place, and a link. Never the visit type's name, the reason, the provider's specialty or
anything else that hints at why the patient is seen."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from medoffice.messaging.models import Channel, Purpose


@dataclass(frozen=True)
class Visit:
    """What a message may say about a visit."""

    first_name: str
    start: datetime
    zone: str
    place: str  # the location's name and street address
    practice: str


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def when(start: datetime, zone: str) -> str:
    local = start.astimezone(zoneinfo.ZoneInfo(zone))
    hour = local.strftime("%I:%M %p").lstrip("0")
    return f"{local:%a, %b} {local.day} at {hour}"


def first_name_of(patient: object) -> str:
    preferred = (getattr(patient, "preferred_name", "") or "").strip()
    given = (getattr(patient, "given_name", "") or "").strip()
    return (preferred or given).split(" ")[0] or "there"


def compose(
    purpose: str, channel: str, visit: Visit, *, link: str, opt_out: str = "", expires: str = ""
) -> Text:
    moment = when(visit.start, visit.zone)
    greeting = f"Hi {visit.first_name},"
    if purpose == Purpose.WAITLIST_OFFER:
        subject = f"An earlier appointment is open: {moment}"
        lead = (
            f"{greeting} an earlier appointment opened up at {visit.place} on {moment}. "
            f"The first to accept gets it; this offer ends {expires}."
        )
        action = f"Accept or decline: {link}"
    elif purpose == Purpose.CONFIRMATION:
        subject = f"Your appointment on {moment}"
        lead = f"{greeting} your appointment at {visit.place} is booked for {moment}."
        action = f"Confirm or cancel: {link}"
    elif purpose == Purpose.CANCELLATION:
        subject = f"Your appointment on {moment} is cancelled"
        lead = f"{greeting} your appointment at {visit.place} on {moment} is cancelled."
        action = "Call us to book another time."
    else:
        subject = f"Reminder: your appointment on {moment}"
        lead = f"{greeting} a reminder of your appointment at {visit.place} on {moment}."
        action = f"Please confirm or cancel: {link}"
    if channel == Channel.SMS:
        return Text(subject="", body=f"{visit.practice}: {lead} {action} Reply STOP to opt out.")
    footer = f"\n\nTo stop e-mails from {visit.practice}: {opt_out}" if opt_out else ""
    body = f"{lead}\n\n{action}\n\n{visit.practice}{footer}\n"
    return Text(subject=f"{visit.practice}: {subject}", body=body)
