"""Scheduling setup pages per role, their validation, and the preview before saving hours."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.scheduling.models import (
    AppointmentType,
    AvailabilityBlock,
    AvailabilityTemplate,
    Holiday,
    LocationHours,
    Provider,
    TimeOff,
)
from medoffice.scheduling.services.booking import BookingRequest, appointment_book
from medoffice.testing.factories import UserFactory
from medoffice.testing.personas import persona, signed_in_client

from .conftest import NPIS, make_patient, next_weekday_at

PAGES = ["/schedule/setup/", "/schedule/setup/providers/", "/schedule/setup/rooms/", "/schedule/setup/types/",
         "/schedule/setup/hours/", "/schedule/setup/time-off/", "/schedule/setup/holidays/"]  # fmt: skip


@pytest.mark.parametrize(
    "role", ["manager", "frontdesk", "biller", "clinician", "nurse", "compliance"]
)
def test_everyone_with_the_schedule_reads_the_setup(clinic, role):
    client = signed_in_client(persona(role))
    for page in PAGES:
        assert client.get(page).status_code == 200, page


@pytest.mark.parametrize("role", ["hr", "purchasing", "admin"])
def test_others_do_not(clinic, role):
    client = signed_in_client(persona(role))
    assert all(client.get(page).status_code == 403 for page in PAGES)


def provider_post(clinic, user, npi=NPIS[2]):
    return {"user": user.pk, "npi": npi, "taxonomy": "207Q00000X", "color": "#aa3366",
            "locations": [clinic["location"].pk], "accepts_new_patients": "on", "is_active": "on"}  # fmt: skip


def test_a_manager_adds_a_provider_with_a_checked_npi(clinic):
    client = signed_in_client(persona("manager"))
    newcomer = UserFactory(username="doc-new", roles=["clinician"])
    bad = client.post(
        "/schedule/setup/providers/new/", provider_post(clinic, newcomer, npi="1234567890")
    )
    assert bad.status_code == 400 and b"check digit" in bad.content
    assert (
        client.post(
            "/schedule/setup/providers/new/", {**provider_post(clinic, newcomer), "taxonomy": "x"}
        ).status_code
        == 400
    )
    response = client.post("/schedule/setup/providers/new/", provider_post(clinic, newcomer))
    assert response.status_code == 302
    provider = Provider.objects.get(user=newcomer)
    assert list(provider.locations.all()) == [clinic["location"]] and provider.color == "#aa3366"
    assert AuditEvent.objects.filter(
        object_type="provider", action="create", object_id=str(provider.pk)
    ).exists()


def test_a_clinician_sees_the_provider_form_read_only_and_cannot_post_it(clinic):
    doctor = clinic["providers"][0].user
    client = signed_in_client(doctor)
    page = client.get(f"/schedule/setup/providers/{clinic['providers'][0].pk}/")
    assert (
        page.status_code == 200
        and b"Only schedulers" in page.content
        and b">Save<" not in page.content
    )
    post = provider_post(clinic, doctor, npi=clinic["providers"][0].npi) | {"color": "#000000"}
    assert (
        client.post(f"/schedule/setup/providers/{clinic['providers'][0].pk}/", post).status_code
        == 403
    )
    assert Provider.objects.get(pk=clinic["providers"][0].pk).color != "#000000"


def type_post(**overrides):
    data = {"name": "Spirometry", "code": "spiro", "duration_minutes": "30", "patient_kind": "any", "color": "#336699",
            "room_kind": "procedure", "equipment_kinds": "Spirometer", "reminder_hours": "48, 24",
            "service_codes": "94010", "is_active": "on"}  # fmt: skip
    data.update(overrides)
    return data


def test_visit_types_are_checked(clinic):
    client = signed_in_client(persona("frontdesk"))
    odd = client.post("/schedule/setup/types/new/", type_post(duration_minutes="22"))
    assert odd.status_code == 400 and b"multiples of 5" in odd.content
    assert (
        b"Not in the code table"
        in client.post("/schedule/setup/types/new/", type_post(service_codes="00000")).content
    )
    assert (
        client.post("/schedule/setup/types/new/", type_post(reminder_hours="soon")).status_code
        == 400
    )
    response = client.post(
        "/schedule/setup/types/new/", type_post(allowed_providers=[clinic["providers"][0].pk])
    )
    assert response.status_code == 302
    made = AppointmentType.objects.get(code="spiro")
    assert made.equipment_kinds == ["spirometer"] and made.reminder_hours == [48, 24]
    assert list(made.allowed_providers.all()) == [clinic["providers"][0]]


def test_opening_hours(clinic):
    client = signed_in_client(persona("manager"))
    url = f"/schedule/setup/locations/{clinic['location'].pk}/hours/"
    week = {
        f"day_{d}_{k}": v for d in range(5) for k, v in (("opens", "08:00"), ("closes", "17:30"))
    }
    assert client.post(url, {**week, "day_5_opens": "09:00"}).status_code == 400, (
        "Saturday needs both"
    )
    assert (
        client.post(url, {**week, "day_6_opens": "12:00", "day_6_closes": "09:00"}).status_code
        == 400
    )
    assert not LocationHours.objects.exists()
    assert client.post(url, week).status_code == 302
    assert sorted(LocationHours.objects.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]


def template_post(provider, location, **overrides):
    data = {"provider": provider.pk, "location": location.pk, "days": ["SA"], "every_weeks": "1", "rrule": "",
            "start_time": "09:00", "end_time": "12:00", "starts_on": timezone.localdate().isoformat(),
            "kind": "open", "is_active": "on", "action": "preview"}  # fmt: skip
    data.update(overrides)
    return data


def test_new_hours_are_previewed_then_saved(clinic):
    client = signed_in_client(persona("manager"))
    provider, location = clinic["providers"][0], clinic["location"]
    bad = client.post(
        "/schedule/setup/hours/new/", template_post(provider, location, rrule="FREQ=HOURLY")
    )
    assert bad.status_code == 400 and b"daily, weekly or monthly" in bad.content
    preview = client.post("/schedule/setup/hours/new/", template_post(provider, location))
    assert preview.status_code == 200 and b"+24 hours" in preview.content  # 8 Saturdays x 3 hours
    assert AvailabilityTemplate.objects.count() == 2, "a preview saves nothing"
    token = preview.context["previewed"]
    changed = template_post(provider, location, end_time="13:00", action="save", previewed=token)
    assert client.post("/schedule/setup/hours/new/", changed).status_code == 200, (
        "not what was previewed"
    )
    assert AvailabilityTemplate.objects.count() == 2
    saved = client.post(
        "/schedule/setup/hours/new/",
        template_post(provider, location, action="save", previewed=token),
    )
    assert saved.status_code == 302
    template = AvailabilityTemplate.objects.get(rrule="FREQ=WEEKLY;BYDAY=SA")
    assert AvailabilityBlock.objects.filter(template=template).exists()


def test_the_preview_shows_the_visits_a_change_strands(clinic):
    provider, location = clinic["providers"][0], clinic["location"]
    patient = make_patient("Stranded", "Sam")
    appointment_book(actor=persona("frontdesk"), request=BookingRequest(
        patient_id=patient.pk, type=clinic["office"], provider=provider, location_id=location.pk,
        start=next_weekday_at(15)))  # fmt: skip
    template = provider.templates.get()
    post = template_post(provider, location, days=["MO", "TU", "WE", "TH", "FR"], end_time="13:00",
                         starts_on=template.starts_on.isoformat())  # fmt: skip
    response = signed_in_client(persona("manager")).post(
        f"/schedule/setup/hours/{template.pk}/", post
    )
    html = response.content.decode()
    assert "Stranded, Sam" in html and "09:00-17:00" in html and "09:00-13:00" in html
    assert AuditEvent.objects.filter(
        action="view_list", patient_id=patient.pk, details__view="template_preview"
    ).exists()
    assert AvailabilityTemplate.objects.get(pk=template.pk).end_time == time(17)


def test_a_clinician_edits_only_their_own_hours(clinic):
    mine, other = clinic["providers"]
    client = signed_in_client(mine.user)
    listing = client.get("/schedule/setup/hours/").content.decode()
    assert str(mine) in listing and str(other) not in listing
    refused = client.post("/schedule/setup/hours/new/", template_post(other, clinic["location"]))
    assert refused.status_code == 400, "another provider is not a choice"
    preview = client.post("/schedule/setup/hours/new/", template_post(mine, clinic["location"]))
    token = preview.context["previewed"]
    saved = client.post(
        "/schedule/setup/hours/new/",
        template_post(mine, clinic["location"], action="save", previewed=token),
    )
    assert saved.status_code == 302 and mine.templates.count() == 2
    assert client.get(f"/schedule/setup/hours/{other.templates.get().pk}/").status_code == 200
    other_template = other.templates.get()
    post = template_post(
        other, clinic["location"], action="preview", starts_on=other_template.starts_on.isoformat()
    )
    assert client.post(f"/schedule/setup/hours/{other_template.pk}/", post).status_code == 403
    takeover = template_post(
        mine, clinic["location"], action="preview", starts_on=other_template.starts_on.isoformat()
    )
    assert client.post(f"/schedule/setup/hours/{other_template.pk}/", takeover).status_code == 403
    assert AvailabilityTemplate.objects.get(pk=other_template.pk).provider == other


def test_time_off_lists_the_visits_to_move(clinic):
    provider = clinic["providers"][0]
    patient = make_patient("Moved", "Mo")
    start = next_weekday_at(10, days_ahead=3)
    appointment_book(actor=persona("frontdesk"), request=BookingRequest(
        patient_id=patient.pk, type=clinic["office"], provider=provider, location_id=clinic["location"].pk, start=start))  # fmt: skip
    client = signed_in_client(persona("frontdesk"))
    day = start.date().isoformat()
    response = client.post(
        "/schedule/setup/time-off/new/",
        {"provider": provider.pk, "start_date": day, "end_date": day, "reason": "Conference"},
    )
    assert (
        response.status_code == 200
        and b"Moved, Mo" in response.content
        and b"1 booked visit to move" in response.content
    )
    off = TimeOff.objects.get()
    assert not AvailabilityBlock.objects.filter(
        provider=provider, start__date=start.date()
    ).exists()
    assert client.post(f"/schedule/setup/time-off/{off.pk}/delete/").status_code == 302
    assert not TimeOff.objects.exists()
    assert AvailabilityBlock.objects.filter(provider=provider, start__date=start.date()).exists(), (
        "bookable again"
    )
    backwards = client.post(
        "/schedule/setup/time-off/new/",
        {
            "provider": provider.pk,
            "start_date": day,
            "start_time": "12:00",
            "end_date": day,
            "end_time": "09:00",
        },
    )
    assert backwards.status_code == 400 and not TimeOff.objects.exists()


def test_holidays_load_edit_and_delete(clinic):
    client = signed_in_client(persona("manager"))
    year = timezone.localdate().year + 1
    assert (
        client.post(
            "/schedule/setup/holidays/load/", {"year": year, "subdivision": "NY"}
        ).status_code
        == 302
    )
    christmas = Holiday.objects.get(date=date(year, 12, 25))
    assert Holiday.objects.filter(date__year=year).count() > 8
    assert (
        client.post(
            f"/schedule/setup/holidays/{christmas.pk}/",
            {"date": christmas.date.isoformat(), "name": "Christmas (closed)"},
        ).status_code
        == 302
    )
    assert Holiday.objects.get(pk=christmas.pk).name == "Christmas (closed)"
    assert client.post(f"/schedule/setup/holidays/{christmas.pk}/delete/").status_code == 302
    assert not Holiday.objects.filter(date=date(year, 12, 25)).exists()
    doctor = signed_in_client(clinic["providers"][0].user)
    assert doctor.post("/schedule/setup/holidays/load/", {"year": year + 1}).status_code == 403
    assert not Holiday.objects.filter(date__year=year + 1).exists()


def test_a_new_holiday_closes_the_day(clinic):
    day = next_weekday_at(9, days_ahead=5).date()
    assert AvailabilityBlock.objects.filter(start__date=day).exists()
    response = signed_in_client(persona("frontdesk")).post(
        "/schedule/setup/holidays/new/", {"date": day.isoformat(), "name": "Snow day"}
    )
    assert response.status_code == 302
    assert not AvailabilityBlock.objects.filter(start__date=day).exists()
