"""Provider iCalendar feeds: made and replaced on the page, initials and type only, the window."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from medoffice.audit.models import AuditEvent
from medoffice.scheduling.models import Provider
from medoffice.testing.personas import persona, signed_in_client

from .conftest import book, make_appointment, make_patient, next_weekday_at


def _feed_path(client, provider) -> str:
    client.post(f"/messaging/calendar-feeds/{provider.pk}/regenerate/")
    provider.refresh_from_db()
    assert len(provider.calendar_token) >= 32
    return f"/messaging/ical/{provider.calendar_token}.ics"


def test_feed_shows_initials_and_type_never_names(clinic):
    provider = clinic["providers"][0]
    book(
        clinic,
        persona("frontdesk"),
        make_patient("Rivera", "Ana"),
        next_weekday_at(10, days_ahead=2),
    )
    path = _feed_path(signed_in_client(persona("manager")), provider)
    response = Client().get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "Rivera" not in body and "Ana" not in body
    events = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["A.R. · Office visit"]
    assert str(events[0]["location"]) == "Riverside"
    assert AuditEvent.objects.filter(object_type="calendar_feed", action="view").exists()


def test_feed_covers_the_last_week_and_the_next_sixty_days(clinic):
    now = timezone.now().replace(second=0, microsecond=0)
    patient = make_patient("Chen", "Li")
    inside = [now - timedelta(days=6), now + timedelta(days=59)]
    outside = [now - timedelta(days=8), now + timedelta(days=61)]
    for start in inside + outside:
        make_appointment(clinic, patient, start)
    make_appointment(clinic, patient, now + timedelta(days=3), status="cancelled")
    path = _feed_path(signed_in_client(persona("manager")), clinic["providers"][0])
    events = Calendar.from_ical(Client().get(path).content).walk("VEVENT")
    assert sorted(e.decoded("dtstart") for e in events) == inside


def test_a_new_address_retires_the_old_one(clinic):
    client = signed_in_client(persona("manager"))
    provider = clinic["providers"][0]
    old = _feed_path(client, provider)
    new = _feed_path(client, provider)
    assert old != new
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert Client().get("/messaging/ical/short.ics").status_code == 404


def test_a_clinician_manages_only_their_own_feed(clinic):
    own, other = clinic["providers"]
    client = signed_in_client(own.user)
    page = client.get("/messaging/calendar-feeds/").content.decode()
    assert str(own) in page and str(other) not in page
    assert client.post(f"/messaging/calendar-feeds/{other.pk}/regenerate/").status_code == 404
    other.refresh_from_db()
    assert other.calendar_token == ""
    client.post(f"/messaging/calendar-feeds/{own.pk}/regenerate/")
    own.refresh_from_db()
    assert own.calendar_token
    page = client.get("/messaging/calendar-feeds/").content.decode()
    assert re.search(r"/messaging/ical/[\w-]{32,}\.ics", page)


@pytest.mark.parametrize("role", ["frontdesk", "biller", "nurse", "hr", "compliance", "purchasing"])
def test_other_roles_have_no_feed_page(clinic, role):
    client = signed_in_client(persona(role))
    assert client.get("/messaging/calendar-feeds/").status_code == 403
    provider = clinic["providers"][0]
    assert client.post(f"/messaging/calendar-feeds/{provider.pk}/regenerate/").status_code == 403
    assert Provider.objects.get(pk=provider.pk).calendar_token == ""
