"""The scheduling JSON API, reading: types, providers, availability, slots, appointment lists.

Times: every answer gives UTC and the location's own zone; a clinic in Chicago is checked
against one in New York.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.scheduling.models import Appointment, AvailabilityTemplate, Provider, Room
from medoffice.scheduling.services.availability import availability_materialize
from medoffice.scheduling.services.booking import BookingRequest, appointment_book
from medoffice.testing.factories import LocationFactory, UserFactory
from medoffice.testing.personas import persona

from .conftest import NPIS, make_patient, next_weekday_at

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
SCHEDULE_READERS = {"manager", "frontdesk", "biller", "clinician", "nurse", "compliance"}
NO_SCHEDULE = {"admin", "purchasing", "hr"}


def api(user) -> Client:
    """A client sending the user's personal API token."""
    from medoffice.accounts.services import api_token_create

    _, raw = api_token_create(actor=user, user=user, name="scheduling api tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def chicago(clinic):
    return add_chicago(clinic)


def add_chicago(clinic):
    """A second clinic, in Chicago, with its own provider working 9-17 there, weekdays."""
    location = LocationFactory(name="Lakeside", code="lake", time_zone="America/Chicago")
    user = UserFactory(username="doc-chi", first_name="Lee", last_name="Lake", roles=["clinician"])
    provider = Provider.objects.create(user=user, npi=NPIS[2])
    provider.locations.add(location)
    Room.objects.create(location=location, name="Lake exam", kind="exam")
    AvailabilityTemplate.objects.create(
        provider=provider, location=location, start_time=time(9), end_time=time(17),
        rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", starts_on="2020-01-01",
    )  # fmt: skip
    today = timezone.localdate()
    availability_materialize(
        provider_ids=[provider.pk], start=today - timedelta(days=7), end=today + timedelta(days=60)
    )
    return {**clinic, "chicago": location, "chicago_provider": provider}


def next_local_weekday(zone, hour, minute=0, days_ahead=1) -> datetime:
    day = datetime.now(zone).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def book(clinic, start, *, provider=None, patient=None, type_key="office", location=None):
    request = BookingRequest(
        patient_id=(patient or make_patient(f"P{start:%H%M}")).pk, type=clinic[type_key],
        provider=provider or clinic["providers"][0],
        location_id=(location or clinic["location"]).pk, start=start,
    )  # fmt: skip
    return appointment_book(actor=persona("frontdesk"), request=request).appointment


def test_appointment_types_and_providers(clinic):
    client = api(persona("frontdesk"))
    types = client.get("/api/scheduling/appointment-types").json()
    assert [t["code"] for t in types] == ["nurse", "office"]  # by name: Nurse check, Office visit
    office = next(t for t in types if t["code"] == "office")
    assert office["duration_minutes"] == 20 and office["room_kind"] == "exam"
    providers = client.get("/api/scheduling/providers").json()
    assert {p["id"] for p in providers} == {p.pk for p in clinic["providers"]}
    assert providers[0]["locations"] == [
        {"id": clinic["location"].pk, "name": "Riverside", "code": "riv",
         "time_zone": "America/New_York"}
    ]  # fmt: skip
    other = LocationFactory()
    assert client.get(f"/api/scheduling/providers?location={other.pk}").json() == []


def test_availability_is_given_in_utc_and_in_the_locations_zone(chicago):
    client = api(persona("frontdesk"))
    day = next_local_weekday(CHICAGO, 9).date()
    response = client.get(
        f"/api/scheduling/availability?location={chicago['chicago'].pk}&date_from={day}"
    )
    assert response.status_code == 200, response.content
    blocks = response.json()
    first = blocks[0]
    assert first["time_zone"] == "America/Chicago"
    assert first["provider_id"] == chicago["chicago_provider"].pk
    local = parse(first["start_local"])
    assert (local.date(), local.hour) == (day, 9), "9:00 on the clinic's own clock"
    assert local.utcoffset() == datetime.combine(day, time(9), tzinfo=CHICAGO).utcoffset()
    assert first["start"].endswith("Z") and parse(first["start"]) == local
    assert len(blocks) == 7 - sum((day + timedelta(days=i)).weekday() >= 5 for i in range(7)), (
        "a week of weekdays by default"
    )


def test_availability_needs_a_start_day_and_a_sane_range(clinic):
    client = api(persona("frontdesk"))
    assert client.get("/api/scheduling/availability").status_code == 400
    assert client.get("/api/scheduling/availability?date_from=2026-01-10&date_to=2026-01-01").status_code == 400  # fmt: skip
    assert client.get("/api/scheduling/availability?date_from=2026-01-01&date_to=2026-12-31").status_code == 400  # fmt: skip
    assert client.get("/api/scheduling/availability?date_from=soon").status_code == 422


def test_slots_come_from_find_first_available(clinic):
    from medoffice.scheduling.services.find import first_available

    client = api(persona("frontdesk"))
    day = next_weekday_at(9).date()
    office = clinic["office"]
    response = client.get(
        f"/api/scheduling/slots?type={office.pk}&date_from={day}&date_to={day}&limit=5"
    )
    assert response.status_code == 200, response.content
    found = response.json()
    expected = first_available(appt_type=office, date_from=day, date_to=day, limit=5)
    assert [(s["provider_id"], parse(s["start"])) for s in found] == [
        (s.provider_id, s.start) for s in expected
    ]
    assert all(parse(s["end"]) - parse(s["start"]) == timedelta(minutes=20) for s in found)
    assert found[0]["time_zone"] == "America/New_York" and found[0]["room"].startswith("Exam")
    narrowed = client.get(
        f"/api/scheduling/slots?type={office.pk}&provider={clinic['providers'][1].pk}"
        f"&date_from={day}&weekdays=mon,tue,wed,thu,fri&time_from=14:00&time_to=15:00"
    ).json()
    assert narrowed and {s["provider_id"] for s in narrowed} == {clinic["providers"][1].pk}
    assert all(14 <= parse(s["start_local"]).hour < 15 for s in narrowed)


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "type"),
        ("type=999999", "type"),
        ("type={office}&weekdays=funday", "weekdays"),
        ("type={office}&time_from=15:00&time_to=14:00", "time_to"),
        ("type={office}&provider=999999", "provider"),
        ("type={office}&location=999999", "location"),
    ],
)
def test_slot_search_input_errors(clinic, query, field):
    client = api(persona("frontdesk"))
    response = client.get("/api/scheduling/slots?" + query.format(office=clinic["office"].pk))
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_clinician_sees_only_their_own_schedule(clinic):
    mine, theirs = clinic["providers"]
    book(clinic, next_weekday_at(10), provider=mine)
    book(clinic, next_weekday_at(11), provider=theirs)
    client = api(mine.user)
    day = next_weekday_at(10).date()
    listed = client.get(f"/api/scheduling/appointments?date={day}").json()
    assert [a["provider"]["id"] for a in listed["results"]] == [mine.pk]
    assert [p["id"] for p in client.get("/api/scheduling/providers").json()] == [mine.pk]
    blocks = client.get(f"/api/scheduling/availability?date_from={day}").json()
    assert {b["provider_id"] for b in blocks} == {mine.pk}
    slots = client.get(f"/api/scheduling/slots?type={clinic['office'].pk}&date_from={day}").json()
    assert slots and {s["provider_id"] for s in slots} == {mine.pk}
    other = Appointment.objects.get(provider=theirs)
    refused = client.get(f"/api/scheduling/appointments/{other.pk}")
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(
        action="permission_denied", object_type="appointment", object_id=str(other.pk)
    ).exists()


@pytest.mark.parametrize("role", sorted(SCHEDULE_READERS | NO_SCHEDULE))
def test_who_reads_appointments(clinic, role):
    appt = book(clinic, next_weekday_at(10), provider=clinic["providers"][0])
    client = api(persona(role))
    day = appt.start.astimezone(NEW_YORK).date()
    listed = client.get(f"/api/scheduling/appointments?date={day}")
    detail = client.get(f"/api/scheduling/appointments/{appt.pk}")
    if role in NO_SCHEDULE:
        assert (listed.status_code, detail.status_code) == (403, 403)
        assert "detail" in listed.json()
        return
    assert listed.status_code == 200
    expected = [] if role == "clinician" else [appt.pk]  # persona's own schedule is empty
    assert [a["id"] for a in listed.json()["results"]] == expected
    assert detail.status_code == (403 if role == "clinician" else 200)


def test_lists_and_reads_are_audited(clinic):
    first = book(clinic, next_weekday_at(10))
    second = book(clinic, next_weekday_at(11))
    client = api(persona("biller"))
    day = first.start.astimezone(NEW_YORK).date()
    before = AuditEvent.objects.count()
    listed = client.get(f"/api/scheduling/appointments?date={day}").json()
    assert listed["count"] == 2
    shown = AuditEvent.objects.filter(pk__gt=0, action="view_list", object_type="appointment")
    assert set(shown.values_list("patient_id", flat=True)) == {first.patient_id, second.patient_id}
    assert all(e.details["view"] == "api_appointments" for e in shown)
    client.get(f"/api/scheduling/appointments/{first.pk}")
    viewed = AuditEvent.objects.filter(action="view", object_type="appointment").get()
    assert (viewed.object_id, viewed.patient_id) == (str(first.pk), first.patient_id)
    assert AuditEvent.objects.count() == before + 3
    assert client.get("/api/scheduling/appointments/999999").status_code == 404


def test_appointment_answers_give_both_clocks(chicago):
    start = next_local_weekday(CHICAGO, 16)
    appt = book(chicago, start, provider=chicago["chicago_provider"], location=chicago["chicago"])
    body = api(persona("frontdesk")).get(f"/api/scheduling/appointments/{appt.pk}").json()
    assert body["time_zone"] == "America/Chicago"
    assert parse(body["start_local"]).hour == 16 and parse(body["start_local"]) == start
    utc = parse(body["start"])
    assert body["start"].endswith("Z") and utc == start and utc.utcoffset() == timedelta(0)
    assert utc.hour == (16 + (6 if start.dst() == timedelta(0) else 5)) % 24
    assert body["location"]["time_zone"] == "America/Chicago"


def test_a_day_is_the_locations_day(chicago):
    """22:30 in Chicago on a Monday is already Tuesday in New York and in UTC: it is listed
    under Monday for the Chicago clinic."""
    chicago_provider = chicago["chicago_provider"]
    AvailabilityTemplate.objects.filter(provider=chicago_provider).update(end_time=time(23, 30))
    today = timezone.localdate()
    availability_materialize(
        provider_ids=[chicago_provider.pk], start=today, end=today + timedelta(days=14)
    )
    late = next_local_weekday(CHICAGO, 22, 30)
    appt = book(chicago, late, provider=chicago_provider, location=chicago["chicago"])
    client = api(persona("frontdesk"))
    day = late.date()
    on_the_day = client.get(f"/api/scheduling/appointments?date={day}").json()
    assert [a["id"] for a in on_the_day["results"]] == [appt.pk]
    next_day = client.get(f"/api/scheduling/appointments?date={day + timedelta(days=1)}").json()
    assert appt.pk not in [a["id"] for a in next_day["results"]]


def test_filters_of_the_list(chicago):
    ny = book(chicago, next_weekday_at(10))
    chi = book(
        chicago, next_local_weekday(CHICAGO, 10), provider=chicago["chicago_provider"],
        location=chicago["chicago"],
    )  # fmt: skip
    client = api(persona("frontdesk"))
    day = next_weekday_at(10).date()
    base = f"/api/scheduling/appointments?date={day}"

    def ids(query):
        response = client.get(base + query)
        assert response.status_code == 200, response.content
        return [a["id"] for a in response.json()["results"]]

    assert ids("") == [ny.pk, chi.pk]  # 10:00 New York, then 10:00 Chicago
    assert ids(f"&location={chicago['chicago'].pk}") == [chi.pk]
    assert ids(f"&provider={chicago['providers'][0].pk}") == [ny.pk]
    assert ids(f"&patient={chi.patient_id}") == [chi.pk]
    assert ids("&status=cancelled") == []
    everything = client.get(f"/api/scheduling/appointments?patient={ny.patient_id}").json()
    assert [a["id"] for a in everything["results"]] == [ny.pk], "a patient's, any day"


def test_the_operations_are_documented_in_openapi(db):
    schema = Client().get("/api/openapi.json").json()
    paths = {path for path in schema["paths"] if path.startswith("/api/scheduling/")}
    assert paths == {
        "/api/scheduling/appointment-types",
        "/api/scheduling/providers",
        "/api/scheduling/availability",
        "/api/scheduling/slots",
        "/api/scheduling/appointments",
        "/api/scheduling/appointments/{appointment_id}",
        "/api/scheduling/appointments/{appointment_id}/reschedule",
        "/api/scheduling/appointments/{appointment_id}/cancel",
        "/api/scheduling/appointments/{appointment_id}/status",
    }
    booking = schema["paths"]["/api/scheduling/appointments"]["post"]
    assert {"201", "400", "409"} <= set(booking["responses"])
    assert Client().get("/api/docs").status_code == 200


def test_slots_of_one_department(clinic):
    from medoffice.testing.factories import DepartmentFactory

    cardiology = DepartmentFactory(name="Cardiology", code="cardio")
    clinic["providers"][1].departments.add(cardiology)
    client = api(persona("frontdesk"))
    day = next_weekday_at(9).date()
    found = client.get(
        f"/api/scheduling/slots?type={clinic['office'].pk}&department={cardiology.pk}"
        f"&date_from={day}&limit=4"
    ).json()
    assert len(found) == 4 and {s["provider_id"] for s in found} == {clinic["providers"][1].pk}


def test_a_days_list_costs_the_same_whatever_its_length(clinic):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(persona("frontdesk"))
    day = next_weekday_at(10).date()
    path = f"/api/scheduling/appointments?date={day}"
    for hour in (10, 11):
        book(clinic, next_weekday_at(hour))
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).json()["count"] == 2
    for hour in (12, 13, 14, 15):
        book(clinic, next_weekday_at(hour), provider=clinic["providers"][hour % 2])
    with CaptureQueriesContext(connection) as many:
        assert client.get(path).json()["count"] == 6
    assert len(many) == len(few), [q["sql"][:120] for q in many]
