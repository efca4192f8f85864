"""Booking from the calendar: the panel, its patient search, warnings, errors (400), taken
times (409), and who may book for whom."""

from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.scheduling.models import Appointment
from medoffice.testing.personas import signed_in_client

from .calendar_support import book, staff
from .conftest import make_patient, next_weekday_at

HTMX = {"HX-Request": "true"}


def slot(clinic, start, *, provider=0, **more):
    local = start.astimezone(ZoneInfo(clinic["location"].time_zone))
    data = {
        "location": clinic["location"].pk, "provider": clinic["providers"][provider].pk,
        "date": local.date().isoformat(), "time": local.strftime("%H:%M"),
    }  # fmt: skip
    data.update(more)
    return data


def booking(clinic, start, patient, *, provider=0, **more):
    data = slot(
        clinic, start, provider=provider, patient=patient.pk, type=clinic["office"].pk,
        reason="Knee pain", view="day", **{"return": f"date={start.date()}"},
    )  # fmt: skip
    data.update(more)
    return data


def test_the_panel_opens_prefilled_from_the_clicked_slot(clinic):
    start = next_weekday_at(10, 15)
    client = signed_in_client(staff("frontdesk", clinic))
    response = client.get(f"/schedule/book/?{urlencode(slot(clinic, start))}", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Book an appointment" in html and "<html" not in html
    assert f'<option value="{clinic["providers"][0].pk}" selected>' in html
    assert f'value="{start.date().isoformat()}"' in html and 'value="10:15"' in html
    assert "Office visit (20 min)" in html and "Nurse check (10 min)" in html
    assert "aria-invalid" not in html, "nothing chosen yet is not an error"
    assert "Overbook" not in html


def test_booking_a_patient_books_and_redraws_the_grid(clinic):
    start = next_weekday_at(10)
    patient = make_patient("Oduya", "Grace")
    desk = staff("frontdesk", clinic)
    response = signed_in_client(desk).post(
        "/schedule/book/", booking(clinic, start, patient), headers=HTMX
    )
    assert response.status_code == 200
    appt = Appointment.objects.get()
    assert (appt.patient_id, appt.start, appt.reason) == (patient.pk, start, "Knee pain")
    assert appt.room is not None, "a free exam room was chosen automatically"
    html = response.content.decode()
    assert "Grace Oduya</strong> is booked" in html and "10:00 \u2013 10:20 AM" in html
    assert "No insurance is active on that date" in html, "the warning comes with the result"
    assert 'id="cal-grid"' in html and 'hx-swap-oob="outerHTML"' in html
    assert f'data-id="{appt.pk}"' in html, "the redrawn grid has the new card"
    assert AuditEvent.objects.filter(action="create", object_id=str(appt.pk)).exists()


def test_warnings_show_before_booking(clinic):
    start = next_weekday_at(10)
    patient = make_patient()
    client = signed_in_client(staff("frontdesk", clinic))
    query = urlencode(slot(clinic, start, patient=patient.pk, type=clinic["office"].pk))
    html = client.get(f"/schedule/book/?{query}", headers=HTMX).content.decode()
    assert "Before you book" in html and "No insurance is active" in html
    assert patient.mrn in html and "Change patient" in html
    assert AuditEvent.objects.filter(object_type="booking_check", patient_id=patient.pk).exists()
    assert AuditEvent.objects.filter(
        action="view", object_type="patient", patient_id=patient.pk
    ).exists()


def test_field_errors_answer_400_and_book_nothing(clinic):
    start = next_weekday_at(10)
    client = signed_in_client(staff("frontdesk", clinic))
    response = client.post("/schedule/book/", slot(clinic, start), headers=HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Find and choose the patient." in html and "Choose the kind of visit." in html
    odd = booking(clinic, start, make_patient(), time="10:03")
    response = client.post("/schedule/book/", odd, headers=HTMX)
    assert response.status_code == 400 and "5-minute marks" in response.content.decode()
    nobody = {**booking(clinic, start, make_patient()), "patient": "999999"}
    response = client.post("/schedule/book/", nobody, headers=HTMX)
    assert response.status_code == 400 and "search results" in response.content.decode()
    junk = {"provider": "x", "location": "-1", "date": "2026-13-45", "time": "25:99", "type": "0"}
    assert client.post("/schedule/book/", junk, headers=HTMX).status_code == 400
    assert not Appointment.objects.exists()


def test_a_taken_time_answers_409_with_the_reason(clinic):
    start = next_weekday_at(10)
    desk = staff("frontdesk", clinic)
    book(clinic, desk, start)
    response = signed_in_client(desk).post(
        "/schedule/book/", booking(clinic, start, make_patient("Second")), headers=HTMX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "That time is taken." in html and "is already booked at 10:00" in html
    assert 'name="patient"' in html, "the form stays filled in to pick another time"
    assert Appointment.objects.count() == 1


def test_outside_the_providers_hours_is_refused(clinic):
    start = next_weekday_at(7)
    response = signed_in_client(staff("frontdesk", clinic)).post(
        "/schedule/book/", booking(clinic, start, make_patient()), headers=HTMX
    )
    assert response.status_code == 409
    assert "is not available then" in response.content.decode()
    assert not Appointment.objects.exists()


def test_clinicians_book_only_on_their_own_schedule(clinic):
    start = next_weekday_at(10)
    doctor = clinic["providers"][0].user
    client = signed_in_client(doctor)
    other = booking(clinic, start, make_patient(), provider=1)
    response = client.post("/schedule/book/", other, headers=HTMX)
    assert response.status_code == 400
    assert "You cannot book on this provider" in response.content.decode()
    assert not Appointment.objects.exists()
    panel = client.get(f"/schedule/book/?{urlencode(slot(clinic, start, provider=1))}")
    provider_select = panel.content.decode().split('name="provider"')[1].split("</select>")[0]
    assert f'value="{clinic["providers"][1].pk}"' not in provider_select, "only herself to pick"
    own = client.post("/schedule/book/", booking(clinic, start, make_patient()), headers=HTMX)
    assert own.status_code == 200
    assert Appointment.objects.get().provider == clinic["providers"][0]


@pytest.mark.parametrize("role", ["biller", "nurse", "compliance", "admin", "hr"])
def test_roles_that_may_not_book_change_nothing(clinic, role):
    start = next_weekday_at(10)
    client = signed_in_client(staff(role, clinic))
    response = client.post("/schedule/book/", booking(clinic, start, make_patient()))
    assert response.status_code == 403
    assert client.get(f"/schedule/book/?{urlencode(slot(clinic, start))}").status_code == 403
    assert client.get("/schedule/book/patients/?q=rivera").status_code == 403
    assert not Appointment.objects.exists()


def test_overbooking_is_offered_only_where_allowed(clinic):
    start = next_weekday_at(10)
    desk = staff("frontdesk", clinic)
    book(clinic, desk, start, type_="quick")
    client = signed_in_client(desk)
    quick = urlencode(slot(clinic, start, type=clinic["quick"].pk))
    office = urlencode(slot(clinic, start, type=clinic["office"].pk))
    assert "Overbook" not in client.get(f"/schedule/book/?{quick}").content.decode()
    desk.may_overbook = True
    desk.save(update_fields=["may_overbook"])
    assert "Overbook" in client.get(f"/schedule/book/?{quick}").content.decode()
    assert "Overbook" not in client.get(f"/schedule/book/?{office}").content.decode()
    data = booking(clinic, start, make_patient("Over"), type=clinic["quick"].pk, overbook="on")
    response = client.post("/schedule/book/", data, headers=HTMX)
    assert response.status_code == 200 and "overbooking" in response.content.decode()
    assert Appointment.objects.filter(overbooked=True).count() == 1


def test_the_patient_search_inside_the_panel(clinic):
    patient = make_patient("Rivera", "Ana")
    make_patient("Smith", "John")
    client = signed_in_client(staff("frontdesk", clinic))
    html = client.get("/schedule/book/patients/?q=rivera", headers=HTMX).content.decode()
    assert f'type="radio" name="patient" value="{patient.pk}"' in html
    assert "Smith" not in html and patient.mrn in html
    event = AuditEvent.objects.get(action="view_list", patient_id=patient.pk)
    assert event.details["view"] == "booking_search"
    assert (
        "Type at least two letters" in client.get("/schedule/book/patients/?q=r").content.decode()
    )
    none = client.get("/schedule/book/patients/?q=zzzzzz").content.decode()
    assert "No patient matches" in none


def test_without_javascript_booking_returns_to_the_day(clinic):
    start = next_weekday_at(10)
    client = signed_in_client(staff("frontdesk", clinic))
    page = client.get(f"/schedule/book/?{urlencode(slot(clinic, start))}&q=rivera")
    assert page.status_code == 200 and "<html" in page.content.decode()
    response = client.post("/schedule/book/", booking(clinic, start, make_patient()))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/schedule/day/?date={start.date()}")
    follow = client.get(response["Location"]).content.decode()
    assert "Booked" in follow


def test_a_follow_up_from_the_desk_carries_the_patient_to_the_booking_panel(clinic):
    desk = staff("frontdesk", clinic)
    first = book(clinic, desk, next_weekday_at(9))
    later = next_weekday_at(10, days_ahead=14)
    client = signed_in_client(desk)
    day = client.get(
        f"/schedule/day/?date={later.date()}&provider={first.provider_id}"
        f"&patient={first.patient_id}&visit_type={clinic['quick'].pk}&follow_up_of={first.pk}"
    ).content.decode()
    assert f"Booking for <strong>{first.patient.family_name}, {first.patient.given_name}" in day
    extra = f"patient={first.patient_id}&amp;visit_type={clinic['quick'].pk}"
    assert f'data-book-extra="{extra}&amp;follow_up_of={first.pk}"' in day
    assert f"&amp;follow_up_of={first.pk}" in day.split('rel="next"')[0], "kept day to day"
    panel = client.get(
        f"/schedule/book/?{urlencode(slot(clinic, later))}&patient={first.patient_id}"
        f"&visit_type={clinic['quick'].pk}&follow_up_of={first.pk}",
        headers=HTMX,
    ).content.decode()
    assert f'<option value="{clinic["quick"].pk}" selected>' in panel
    assert "Follow-up of the Office visit" in panel
    assert f'name="follow_up_of" value="{first.pk}"' in panel
    viewer = signed_in_client(staff("nurse", clinic)).get(
        f"/schedule/day/?date={later.date()}&patient={first.patient_id}"
    )
    assert "Booking for" not in viewer.content.decode(), "only for those who book"


def test_booking_for_a_referral_links_the_visit(clinic):
    from datetime import date

    from medoffice.referrals.models import Referral, ReferralStatus

    patient = make_patient("Adeyemi", "Tolu")
    referral = Referral.objects.create(
        patient=patient, direction="in", outside_provider_name="Dr. Outside",
        reason="Palpitations", received_on=date(2026, 1, 5), created_by=staff("frontdesk", clinic),
    )  # fmt: skip
    start = next_weekday_at(11)
    client = signed_in_client(staff("frontdesk", clinic))
    response = client.post(
        "/schedule/book/", booking(clinic, start, patient, referral=referral.pk), headers=HTMX
    )
    assert response.status_code == 200
    referral.refresh_from_db()
    appt = Appointment.objects.get()
    assert (referral.appointment, referral.status) == (appt, ReferralStatus.SCHEDULED)
    other = make_patient("Someone", "Else")
    response = client.post(
        "/schedule/book/",
        booking(clinic, start.replace(hour=13), other, referral=referral.pk),
        headers=HTMX,
    )
    assert response.status_code == 200, "the booking stands"
    assert "The referral was not linked" in response.content.decode()
    referral.refresh_from_db()
    assert referral.appointment == appt
