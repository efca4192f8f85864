"""The calendar pages: day, week, day sheet, colours; who sees them and what the audit log keeps."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.scheduling.models import AppointmentType
from medoffice.testing.personas import signed_in_client

from .calendar_support import book, raw_appointment, staff
from .conftest import make_patient, next_weekday_at

VIEWERS = ["manager", "frontdesk", "biller", "clinician", "nurse", "compliance"]
REFUSED = ["admin", "purchasing", "hr"]


@pytest.mark.parametrize("role", VIEWERS)
def test_the_day_page_shows_the_schedule_to_each_viewing_role(clinic, role):
    start = next_weekday_at(10)
    patient = make_patient("Nakamura", "Yui")
    appt = book(clinic, staff("frontdesk", clinic), start, patient=patient)
    user = staff(role, clinic)
    response = signed_in_client(user).get(f"/schedule/day/?date={start.date()}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nakamura, Yui" in html and f'data-id="{appt.pk}"' in html
    assert "10:00\u201310:20" in html and "Office visit" in html
    shown = AuditEvent.objects.filter(
        action="view_list", actor_username=user.username, patient_id=patient.pk
    )
    assert shown.count() == 1 and shown.get().details["view"] == "calendar_day"
    assert shown.get().patient_ref == patient.mrn
    schedulers = role in {"manager", "frontdesk"}  # Clara books only on her own (absent) column
    assert ("data-bookable" in html) is schedulers
    assert ("data-movable" in html) is schedulers


@pytest.mark.parametrize("role", REFUSED)
def test_roles_without_the_schedule_are_refused(clinic, role):
    start = next_weekday_at(10)
    book(clinic, staff("frontdesk", clinic), start)
    client = signed_in_client(staff(role, clinic))
    for path in ("/schedule/day/", "/schedule/week/", "/schedule/day/print/"):
        response = client.get(f"{path}?date={start.date()}")
        assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="view_list", actor_username=role).exists()


def test_the_page_keeps_filters_in_its_links(clinic):
    start = next_weekday_at(10)
    client = signed_in_client(staff("frontdesk", clinic))
    provider = clinic["providers"][1]
    url = f"/schedule/day/?date={start.date()}&provider={provider.pk}&status=confirmed"
    html = client.get(url).content.decode()
    next_day = start.date() + timedelta(days=1)
    assert f"?date={next_day}&amp;provider={provider.pk}&amp;status=confirmed" in html
    assert f'data-provider="{provider.pk}"' in html
    assert f'data-provider="{clinic["providers"][0].pk}"' not in html
    assert "/schedule/week/?date=" in html, "one provider: the week view is a click away"


def test_bad_dates_fall_back_to_today_and_nothing_breaks(clinic):
    client = signed_in_client(staff("frontdesk", clinic))
    for query in ("date=2026-02-30", "date=yesterday", "location=abc&provider=1,,x&by=%00"):
        assert client.get(f"/schedule/day/?{query}").status_code == 200
        assert client.get(f"/schedule/week/?{query}").status_code == 200
        assert client.get(f"/schedule/day/print/?{query}").status_code == 200


def test_the_grid_alone_for_htmx(clinic):
    start = next_weekday_at(10)
    book(clinic, staff("frontdesk", clinic), start)
    client = signed_in_client(staff("frontdesk", clinic))
    response = client.get(
        f"/schedule/day/?date={start.date()}&partial=grid", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="cal-grid"') and "<html" not in html


def test_the_day_sheet_is_a_plain_list_recorded_as_a_print(clinic):
    start = next_weekday_at(10)
    desk = staff("frontdesk", clinic)
    first = book(clinic, desk, start)
    second = book(clinic, desk, start + timedelta(hours=2), provider=1)
    response = signed_in_client(desk).get(f"/schedule/day/print/?date={start.date()}")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        html.count("<table>") == 2
        and "10:00\u201310:20 AM" in html
        and "12:00\u201312:20 PM" in html
    )
    assert first.patient.mrn in html and second.patient.mrn in html
    printed = AuditEvent.objects.filter(action="print", actor_username="frontdesk")
    assert set(printed.values_list("patient_id", flat=True)) == {
        first.patient_id,
        second.patient_id,
    }
    assert {e.details["view"] for e in printed} == {"calendar_day_print"}
    assert not AuditEvent.objects.filter(action="view_list", actor_username="frontdesk").exists()


def test_the_week_page(clinic):
    start = next_weekday_at(10) + timedelta(days=7)
    appt = book(clinic, staff("frontdesk", clinic), start)
    provider = clinic["providers"][0]
    client = signed_in_client(staff("nurse", clinic))
    html = client.get(f"/schedule/week/?date={start.date()}&provider={provider.pk}").content
    html = html.decode()
    assert html.count('class="cal-col ') == 7 and f'data-id="{appt.pk}"' in html
    assert "Previous week" in html
    event = AuditEvent.objects.get(action="view_list", patient_id=appt.patient_id)
    assert event.details["view"] == "calendar_week"
    empty = client.get(f"/schedule/week/?date={start.date()}").content.decode()
    assert "Choose a provider or a room for the week view." in empty


def test_type_and_provider_colours_come_as_a_stylesheet(clinic):
    client = signed_in_client(staff("biller", clinic))
    AppointmentType.objects.filter(pk=clinic["quick"].pk).update(color="#abcdef")
    bad = "}body{"  # fits the column, is no colour
    AppointmentType.objects.filter(pk=clinic["office"].pk).update(color=bad)
    response = client.get("/schedule/calendar/colors.css?v=1")
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert f".type-{clinic['quick'].pk}{{--type:#abcdef}}" in css
    assert "body" not in css, "only well-formed colours get through"
    assert re.search(r"\.prov-\d+\{--prov:#3366cc\}", css)
    assert "max-age" in response["Cache-Control"]


def test_the_day_shows_time_off_and_holidays(clinic):
    from medoffice.scheduling.models import Holiday

    start = next_weekday_at(10)
    Holiday.objects.create(date=start.date(), name="Founders Day", location=clinic["location"])
    html = signed_in_client(staff("frontdesk", clinic)).get(f"/schedule/day/?date={start.date()}")
    assert "Closed: Founders Day" in html.content.decode()


def test_raw_rows_outside_a_block_still_show(clinic):
    """An appointment the desk booked outside hours is still drawn where it is."""
    start = next_weekday_at(7)
    appt = raw_appointment(clinic, start)
    html = signed_in_client(staff("frontdesk", clinic)).get(f"/schedule/day/?date={start.date()}")
    assert f'data-id="{appt.pk}"' in html.content.decode()
