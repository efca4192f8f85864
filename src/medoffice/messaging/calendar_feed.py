"""Each provider's schedule as an iCalendar feed, for their phone's calendar.

The URL's secret is Provider.calendar_token, made (or replaced, which kills the old URL) on
the calendar-feeds page. The feed says as little as it can: the patient's initials and the
visit type, never a name; the last 7 days and the next 60.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from icalendar import Calendar, Event

from medoffice.audit.services import audit_record
from medoffice.core.access import deny, effective_roles, require_capability
from medoffice.core.permissions import Capability, Need, RoleCode

PAST_DAYS = 7
FUTURE_DAYS = 60
MIN_TOKEN_LENGTH = 32


def providers_manageable(actor: Any) -> QuerySet[Any]:
    """Whose feed this person may see: the office manager all providers', a clinician their own."""
    from medoffice.scheduling.models import Provider

    roles = effective_roles(actor)
    providers = Provider.objects.select_related("user").filter(is_active=True)
    if RoleCode.MANAGER in roles:
        return providers
    if RoleCode.CLINICIAN in roles:
        return providers.filter(user_id=actor.pk)
    return providers.none()


def calendar_token_regenerate(*, actor: Any, provider: Any) -> str:
    """Make a new secret for the provider's feed; the old URL stops working."""
    require_capability(actor, Capability.SCHEDULE, Need.EDIT)
    if not providers_manageable(actor).filter(pk=provider.pk).exists():
        raise deny(
            actor, "You can manage only your own calendar feed.", capability=Capability.SCHEDULE
        )
    from medoffice.scheduling.models import Provider

    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Provider.objects.filter(pk=provider.pk).update(calendar_token=token)
        audit_record(
            action="update",
            actor=actor,
            object_type="calendar_feed",
            object_id=provider.pk,
            details={"regenerated": True},
        )
    provider.calendar_token = token
    return token


def provider_for_token(token: str) -> Any:
    from medoffice.scheduling.models import Provider

    if len(token) < MIN_TOKEN_LENGTH:
        return None
    return (
        Provider.objects.select_related("user").filter(calendar_token=token, is_active=True).first()
    )


def initials(given: str, family: str) -> str:
    parts = [p for p in (given, family) if p]
    return ".".join(p.strip()[0].upper() for p in parts) + "." if parts else "?"


def calendar_build(provider: Any) -> bytes:
    from medoffice.scheduling.models import ACTIVE_STATUSES, Appointment

    now = timezone.now()
    appointments = (
        Appointment.objects.filter(
            provider=provider,
            status__in=ACTIVE_STATUSES,
            start__gte=now - timedelta(days=PAST_DAYS),
            start__lt=now + timedelta(days=FUTURE_DAYS),
        )
        .select_related("type", "location")
        .only(
            "pk",
            "start",
            "end",
            "status",
            "updated_at",
            "type__name",
            "location__name",
            "patient__given_name",
            "patient__family_name",
        )
        .select_related("patient")
        .order_by("start")
    )
    cal = Calendar()
    cal.add("prodid", "-//MedOffice//Provider schedule//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"MedOffice: {provider}")
    cal.add("x-published-ttl", "PT15M")
    count = 0
    for appt in appointments:
        event = Event()
        event.add("uid", f"appointment-{appt.pk}@medoffice")
        event.add("dtstamp", now)
        event.add("last-modified", appt.updated_at)
        event.add("dtstart", appt.start)
        event.add("dtend", appt.end)
        who = initials(appt.patient.given_name, appt.patient.family_name)
        event.add("summary", f"{who} · {appt.type.name}")
        event.add("location", appt.location.name)
        event.add("status", "CONFIRMED" if appt.status != "scheduled" else "TENTATIVE")
        event.add("class", "CONFIDENTIAL")
        cal.add_component(event)
        count += 1
    # One entry per fetch (calendar apps poll every few minutes): which feed, how many visits.
    audit_record(
        action="view",
        actor=None,
        object_type="calendar_feed",
        object_id=provider.pk,
        details={"appointments": count, "via": "iCalendar feed"},
    )
    return cal.to_ical()
