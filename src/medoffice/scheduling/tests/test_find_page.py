"""The find-first-available page: filters, slots in the location's time, Book links per role."""

from __future__ import annotations

from datetime import timedelta

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.scheduling.services.booking import BookingRequest, appointment_book
from medoffice.testing.personas import persona, signed_in_client

from .conftest import make_patient, next_weekday_at


def query(clinic, **extra):
    day = next_weekday_at(9, days_ahead=2).date()
    params = {"type": clinic["office"].pk, "date_from": day.isoformat(), "date_to": (day + timedelta(days=7)).isoformat(), "limit": 10}  # fmt: skip
    params.update(extra)
    return params


@pytest.mark.parametrize("role", ["manager", "frontdesk"])
def test_schedulers_get_slots_with_book_links(clinic, role):
    response = signed_in_client(persona(role)).get("/schedule/find/", query(clinic))
    assert response.status_code == 200
    html = response.content.decode()
    day = next_weekday_at(9, days_ahead=2).date()
    assert html.count('role="button" href="/schedule/book/?') == 10
    assert f"location={clinic['location'].pk}&amp;provider=" in html
    assert f"&amp;type={clinic['office'].pk}&amp;date={day.isoformat()}&amp;time=09%3A00" in html


@pytest.mark.parametrize("role", ["nurse", "biller", "compliance"])
def test_readers_see_slots_without_booking(clinic, role):
    html = signed_in_client(persona(role)).get("/schedule/find/", query(clinic)).content.decode()
    assert "09:00" in html and "/schedule/book/" not in html


def test_a_clinician_finds_only_their_own_times(clinic):
    doctor = clinic["providers"][1]
    html = signed_in_client(doctor.user).get("/schedule/find/", query(clinic)).content.decode()
    assert str(doctor) in html and str(clinic["providers"][0]) not in html
    assert f"provider={doctor.pk}" in html, "and may book them"


@pytest.mark.parametrize("role", ["hr", "purchasing", "admin"])
def test_roles_without_the_schedule_are_refused(clinic, role):
    assert signed_in_client(persona(role)).get("/schedule/find/", query(clinic)).status_code == 403


def test_for_a_patient_their_visits_are_kept_free_and_the_read_audited(clinic):
    patient = make_patient()
    a, b = clinic["providers"]
    appointment_book(actor=persona("frontdesk"), request=BookingRequest(
        patient_id=patient.pk, type=clinic["office"], provider=a, location_id=clinic["location"].pk,
        start=next_weekday_at(9, days_ahead=2)))  # fmt: skip
    html = (
        signed_in_client(persona("frontdesk"))
        .get(
            "/schedule/find/",
            query(clinic, provider=b.pk, patient=patient.pk, referral=77, limit=10),
        )
        .content.decode()
    )
    assert "Rivera, Ana" in html
    assert "time=09%3A00" not in html and "time=09%3A20" in html
    assert f"patient={patient.pk}&amp;referral=77" in html, "the booking panel gets the referral"
    assert AuditEvent.objects.filter(
        object_type="patient", patient_id=patient.pk, details__view="find_first_available"
    ).exists()


def test_htmx_gets_the_results_alone_and_bad_filters_say_why(clinic):
    client = signed_in_client(persona("frontdesk"))
    partial = client.get("/schedule/find/", query(clinic), headers={"HX-Request": "true"})
    assert (
        partial.status_code == 200
        and b"<html" not in partial.content
        and b"Book" in partial.content
    )
    bad = query(clinic, date_to="2000-01-01")
    page = client.get("/schedule/find/", bad)
    assert page.status_code == 400 and b"The end comes after the start." in page.content
    assert client.get("/schedule/find/", bad, headers={"HX-Request": "true"}).status_code == 200
    assert client.get("/schedule/find/").status_code == 200, "the empty form"
