"""Changing an appointment from the calendar: its panel, moves (drag and drop and the Move
form, with stale versions and taken times), cancel and no-show."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.scheduling.models import Appointment, AppointmentStatus
from medoffice.testing.factories import LocationFactory
from medoffice.testing.personas import signed_in_client

from .calendar_support import book, raw_appointment, staff
from .conftest import next_weekday_at

HTMX = {"HX-Request": "true"}
S = AppointmentStatus


def move_data(clinic, appt, start, *, provider=None, source="drag", version=None):
    local = start.astimezone(ZoneInfo(clinic["location"].time_zone))
    return {
        "version": version or appt.version, "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"), "location": clinic["location"].pk,
        "provider": (provider or appt.provider).pk, "source": source, "view": "day",
        "return": f"date={local.date()}",
    }  # fmt: skip


def unchanged(appt):
    fresh = Appointment.objects.get(pk=appt.pk)
    return (fresh.status, fresh.start, fresh.provider_id, fresh.version) == (
        appt.status, appt.start, appt.provider_id, appt.version,
    )  # fmt: skip


def test_the_appointment_panel_shows_the_visit_and_its_flow(clinic):
    appt = book(clinic, staff("frontdesk", clinic), next_weekday_at(10))
    Appointment.objects.filter(pk=appt.pk).update(
        status=S.CONFIRMED, confirmed_at=timezone.now(), front_desk_note="Bring new card"
    )
    desk = staff("frontdesk", clinic)
    html = signed_in_client(desk).get(f"/schedule/appointments/{appt.pk}/panel/?view=day")
    html = html.content.decode()
    assert appt.patient.mrn in html and "Office visit" in html and "Bring new card" in html
    assert "10:00 \u2013 10:20 AM" in html and "Visit flow" in html and "Confirmed" in html
    assert ">Move</a>" in html and "Cancel…" in html
    event = AuditEvent.objects.get(action="view", object_type="appointment", object_id=appt.pk)
    assert event.patient_id == appt.patient_id
    biller = signed_in_client(staff("biller", clinic))
    seen = biller.get(f"/schedule/appointments/{appt.pk}/panel/").content.decode()
    assert appt.patient.mrn in seen and ">Move</a>" not in seen and "No-show" not in seen


def test_appointments_elsewhere_are_not_found(clinic):
    appt = book(clinic, staff("frontdesk", clinic), next_weekday_at(10))
    outsider = staff("frontdesk", {"location": LocationFactory(code="far", name="Far away")})
    client = signed_in_client(outsider)
    assert client.get(f"/schedule/appointments/{appt.pk}/panel/").status_code == 404
    response = client.post(
        f"/schedule/appointments/{appt.pk}/move/", move_data(clinic, appt, appt.start)
    )
    assert response.status_code == 404 and unchanged(appt)


def test_dragging_to_another_time_and_provider_moves_the_visit(clinic):
    desk = staff("frontdesk", clinic)
    appt = book(clinic, desk, next_weekday_at(10))
    client = signed_in_client(desk)
    later = appt.start + timedelta(hours=1, minutes=15)
    response = client.post(
        f"/schedule/appointments/{appt.pk}/move/", move_data(clinic, appt, later), headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="cal-grid"') and "Moved to" in html and "11:15" in html
    assert Appointment.objects.get(pk=appt.pk).status == S.RESCHEDULED
    moved = Appointment.objects.get(rescheduled_from=appt)
    assert moved.start == later and f'data-id="{moved.pk}"' in html
    other = clinic["providers"][1]
    response = client.post(
        f"/schedule/appointments/{moved.pk}/move/",
        move_data(clinic, moved, later, provider=other),
        headers=HTMX,
    )
    assert response.status_code == 200
    again = Appointment.objects.get(rescheduled_from=moved)
    assert (again.provider, again.start) == (other, later)


def test_a_stale_drag_is_refused_and_changes_nothing(clinic):
    desk = staff("frontdesk", clinic)
    appt = book(clinic, desk, next_weekday_at(10))
    data = move_data(clinic, appt, appt.start + timedelta(hours=1), version=appt.version + 5)
    response = signed_in_client(desk).post(
        f"/schedule/appointments/{appt.pk}/move/", data, headers=HTMX
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#cal-status"
    assert "changed this appointment meanwhile" in response.content.decode()
    assert unchanged(appt) and Appointment.objects.count() == 1


def test_dropping_on_a_taken_time_is_refused_with_the_reason(clinic):
    desk = staff("frontdesk", clinic)
    taken = book(clinic, desk, next_weekday_at(11), provider=1)
    appt = book(clinic, desk, next_weekday_at(10))
    data = move_data(clinic, appt, taken.start, provider=clinic["providers"][1])
    response = signed_in_client(desk).post(
        f"/schedule/appointments/{appt.pk}/move/", data, headers=HTMX
    )
    assert response.status_code == 409
    assert "is already booked at 11:00" in response.content.decode()
    assert unchanged(appt) and unchanged(taken) and Appointment.objects.count() == 2


def test_the_move_form_for_the_keyboard(clinic):
    desk = staff("frontdesk", clinic)
    appt = book(clinic, desk, next_weekday_at(10))
    client = signed_in_client(desk)
    form = client.get(f"/schedule/appointments/{appt.pk}/move/?view=day", headers=HTMX)
    html = form.content.decode()
    assert form.status_code == 200 and "Move the appointment" in html
    assert 'value="10:00"' in html and f'name="version" value="{appt.version}"' in html
    bad = move_data(clinic, appt, appt.start, source="form") | {"time": "10:02"}
    response = client.post(f"/schedule/appointments/{appt.pk}/move/", bad, headers=HTMX)
    assert response.status_code == 400 and "5-minute marks" in response.content.decode()
    early = move_data(clinic, appt, appt.start.replace(hour=6), source="form")
    response = client.post(f"/schedule/appointments/{appt.pk}/move/", early, headers=HTMX)
    assert response.status_code == 409 and "not available then" in response.content.decode()
    assert unchanged(appt)
    good = move_data(clinic, appt, appt.start + timedelta(hours=2), source="form")
    response = client.post(f"/schedule/appointments/{appt.pk}/move/", good, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "Moved" in html and 'hx-swap-oob="outerHTML"' in html


def test_clinicians_move_and_cancel_only_their_own_visits(clinic):
    desk = staff("frontdesk", clinic)
    theirs = book(clinic, desk, next_weekday_at(10), provider=1)
    doctor = clinic["providers"][0].user
    client = signed_in_client(doctor)
    data = move_data(clinic, theirs, theirs.start + timedelta(hours=1))
    response = client.post(f"/schedule/appointments/{theirs.pk}/move/", data, headers=HTMX)
    assert response.status_code == 403 and unchanged(theirs)
    cancel = {"reason": "Sick", "cancelled_by": "patient"}
    response = client.post(f"/schedule/appointments/{theirs.pk}/cancel/", cancel, headers=HTMX)
    assert response.status_code == 403 and unchanged(theirs)
    mine = book(clinic, desk, next_weekday_at(10))
    data = move_data(clinic, mine, mine.start + timedelta(hours=1))
    assert client.post(f"/schedule/appointments/{mine.pk}/move/", data).status_code == 302


@pytest.mark.parametrize("role", ["biller", "nurse", "compliance", "hr"])
def test_roles_that_may_not_change_the_schedule_change_nothing(clinic, role):
    appt = book(clinic, staff("frontdesk", clinic), next_weekday_at(10))
    client = signed_in_client(staff(role, clinic))
    data = move_data(clinic, appt, appt.start + timedelta(hours=1))
    assert client.post(f"/schedule/appointments/{appt.pk}/move/", data).status_code == 403
    cancel = {"reason": "Sick", "cancelled_by": "patient"}
    assert client.post(f"/schedule/appointments/{appt.pk}/cancel/", cancel).status_code == 403
    assert unchanged(appt) and Appointment.objects.count() == 1


def test_cancel_with_a_reason_and_who_cancelled(clinic):
    desk = staff("frontdesk", clinic)
    appt = book(clinic, desk, next_weekday_at(10))
    client = signed_in_client(desk)
    url = f"/schedule/appointments/{appt.pk}/cancel/"
    assert "Who cancelled" in client.get(url, headers=HTMX).content.decode()
    response = client.post(url, {"cancelled_by": "patient", "view": "day"}, headers=HTMX)
    assert response.status_code == 400
    assert "Say why the appointment is cancelled." in response.content.decode()
    assert unchanged(appt)
    response = client.post(
        url,
        {"cancelled_by": "patient", "reason": "Feeling better", "view": "day",
         "return": f"date={appt.start.date()}"},
        headers=HTMX,
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "is cancelled" in html and 'id="cal-grid"' in html and f'data-id="{appt.pk}"' not in html
    appt.refresh_from_db()
    assert (appt.status, appt.cancelled_by, appt.cancel_reason) == (
        S.CANCELLED, "patient", "Feeling better",
    )  # fmt: skip
    again = client.post(url, {"cancelled_by": "patient", "reason": "Twice"}, headers=HTMX)
    assert again.status_code == 400 and "cannot be cancelled" in again.content.decode()


def test_no_show_from_the_panel(clinic):
    desk = staff("frontdesk", clinic)
    future = book(clinic, desk, next_weekday_at(10))
    client = signed_in_client(desk)
    response = client.post(f"/schedule/appointments/{future.pk}/no-show/", headers=HTMX)
    assert response.status_code == 400
    assert "15 minutes after the start" in response.content.decode() and unchanged(future)
    panel = client.get(f"/schedule/appointments/{future.pk}/panel/").content.decode()
    assert "No-show can be recorded from" in panel
    past = raw_appointment(
        clinic, timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    )
    manager = signed_in_client(staff("manager", clinic))
    assert manager.post(f"/schedule/appointments/{past.pk}/no-show/").status_code == 403
    assert unchanged(past)
    response = client.post(
        f"/schedule/appointments/{past.pk}/no-show/",
        {"view": "day", "return": f"date={past.start.date()}"},
        headers=HTMX,
    )
    assert response.status_code == 200 and "Recorded as a no-show." in response.content.decode()
    past.refresh_from_db()
    assert past.status == S.NO_SHOW and past.no_show_at is not None
    assert "No-show recorded" in response.content.decode(), "the flow shows when"
