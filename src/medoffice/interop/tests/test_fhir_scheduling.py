"""FHIR Schedule, Slot and Appointment: reading and searching, the mappings, paging, time
zones (a clinic in Chicago beside one in New York), R4B validity and the audit trail."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.interop.tests.conftest import assert_valid_fhir, fhir_json
from medoffice.patients.models import Patient
from medoffice.patients.services import apply_derived_fields, new_mrns
from medoffice.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    AvailabilityTemplate,
    Provider,
    Room,
)
from medoffice.scheduling.services.availability import availability_materialize
from medoffice.scheduling.services.booking import BookingRequest, appointment_book
from medoffice.testing.factories import LocationFactory, UserFactory
from medoffice.testing.personas import persona

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
NPIS = ["1234567893", "1245319599", "1679576722"]


def make_practice() -> dict[str, Any]:
    """Riverside (New York) with two providers, Lakeside (Chicago) with one; all 9-17 local
    on weekdays; an office visit (20 minutes, exam room) and a nurse check (10 minutes)."""
    riverside = LocationFactory(name="Riverside", code="riv", time_zone="America/New_York")
    lakeside = LocationFactory(name="Lakeside", code="lake", time_zone="America/Chicago")
    providers = []
    for i, (location, last) in enumerate([(riverside, "Adams"), (riverside, "Baker"), (lakeside, "Carter")]):  # fmt: skip
        user = UserFactory(
            username=f"doc{i}", first_name="Dana", last_name=last, roles=["clinician"]
        )
        provider = Provider.objects.create(user=user, npi=NPIS[i])
        provider.locations.add(location)
        AvailabilityTemplate.objects.create(
            provider=provider, location=location, start_time=time(9), end_time=time(17),
            rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", starts_on=date(2020, 1, 1),
        )  # fmt: skip
        providers.append(provider)
    for location in (riverside, lakeside):
        for n in (1, 2):
            Room.objects.create(location=location, name=f"Exam {n}", kind="exam")
    office = AppointmentType.objects.create(
        name="Office visit", code="office", duration_minutes=20, room_kind="exam",
        prep_instructions="Bring your medication list.",
    )  # fmt: skip
    quick = AppointmentType.objects.create(name="Nurse check", code="nurse", duration_minutes=10)
    today = timezone.localdate()
    availability_materialize(start=today - timedelta(days=7), end=today + timedelta(days=60))
    return {"riverside": riverside, "lakeside": lakeside, "providers": providers,
            "office": office, "quick": quick}  # fmt: skip


def make_patient(family: str = "Rivera", given: str = "Ana", **fields: Any) -> Patient:
    patient = Patient(family_name=family, given_name=given, birth_date=date(1980, 3, 4),
                      sex_at_birth="F", **fields)  # fmt: skip
    apply_derived_fields(patient)
    patient.mrn = new_mrns(1)[0]
    patient.save()
    return patient


def weekday_at(zone: ZoneInfo, hour: int, minute: int = 0, days_ahead: int = 1) -> datetime:
    day = datetime.now(zone).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def book(practice, start, *, provider=0, patient=None, type_key="office", **extra) -> Appointment:
    who = practice["providers"][provider]
    request = BookingRequest(
        patient_id=(patient or make_patient(f"P{start:%H%M}{provider}")).pk, type=practice[type_key],
        provider=who, location_id=who.locations.get().pk, start=start, **extra,
    )  # fmt: skip
    return appointment_book(actor=persona("frontdesk"), request=request).appointment


def schedule_of(practice, provider=0) -> str:
    who = practice["providers"][provider]
    return f"{who.pk}-{who.locations.get().pk}"


def search(client, query: str) -> dict:
    response = client.get(f"/fhir/r4/{query}")
    assert response.status_code == 200, response.content
    bundle = fhir_json(response)
    assert_valid_fhir(bundle)
    for entry in bundle.get("entry", []):
        assert_valid_fhir(entry["resource"])
    return bundle


def ids(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def practice(db):
    return make_practice()


@pytest.fixture
def desk(token_client):
    return token_client("frontdesk")[0]


# --- Schedule ----------------------------------------------------------------------------------


def test_one_schedule_per_provider_and_location(practice, desk):
    bundle = search(desk, "Schedule")
    assert bundle["total"] == 3
    assert ids(bundle) == [schedule_of(practice, i) for i in range(3)]  # Adams, Baker, Carter
    first = bundle["entry"][0]["resource"]
    adams = practice["providers"][0]
    assert first["actor"] == [
        {"reference": f"Practitioner/{adams.user_id}", "display": str(adams)},
        {"reference": f"Location/{practice['riverside'].pk}", "display": "Riverside"},
    ]
    assert first["active"] is True
    assert {c["coding"][0]["code"] for c in first["serviceType"]} == {"office", "nurse"}
    end = instant(first["planningHorizon"]["end"])
    assert end.date() >= timezone.localdate() + timedelta(days=55), "until the last laid-out day"
    assert first["planningHorizon"]["end"].endswith(("-05:00", "-04:00"))
    read = desk.get(f"/fhir/r4/Schedule/{schedule_of(practice)}")
    assert read.status_code == 200 and fhir_json(read) == first
    assert desk.get("/fhir/r4/Schedule/99-99").status_code == 404
    assert desk.get("/fhir/r4/Schedule/nonsense").status_code == 404


def test_schedule_search_parameters(practice, desk):
    carter = practice["providers"][2]
    assert ids(search(desk, f"Schedule?actor=Practitioner/{carter.user_id}")) == [schedule_of(practice, 2)]  # fmt: skip
    lake = f"Location/{practice['lakeside'].pk}"
    assert ids(search(desk, f"Schedule?actor={lake}")) == [schedule_of(practice, 2)]
    assert search(desk, "Schedule?active=false")["total"] == 0
    assert search(desk, f"Schedule?_id={schedule_of(practice, 1)}")["total"] == 1
    paged = search(desk, "Schedule?_count=2")
    assert len(paged["entry"]) == 2 and any(link["relation"] == "next" for link in paged["link"])
    assert desk.get("/fhir/r4/Schedule?actor=Patient/1").status_code == 400
    assert desk.get("/fhir/r4/Schedule?active=maybe").status_code == 400


# --- Slot --------------------------------------------------------------------------------------


def test_free_slots_are_find_first_available(practice, desk):
    from medoffice.scheduling.services.find import first_available

    day = weekday_at(NEW_YORK, 9).date()
    bundle = search(
        desk, f"Slot?appointment-type=office&schedule=Schedule/{schedule_of(practice)}"
        f"&start=ge{day}&start=lt{day + timedelta(days=1)}&_count=100",
    )  # fmt: skip
    adams = practice["providers"][0]
    expected = first_available(
        appt_type=practice["office"], provider=adams, location=practice["riverside"],
        date_from=day, date_to=day, limit=100,
    )  # fmt: skip
    assert [instant(e["resource"]["start"]) for e in bundle["entry"]] == [s.start for s in expected]
    assert len(expected) == 24, "9:00 to 17:00 in 20-minute visits"
    first = bundle["entry"][0]["resource"]
    assert first["status"] == "free" and first["schedule"]["reference"] == f"Schedule/{schedule_of(practice)}"  # fmt: skip
    assert first["serviceType"][0]["coding"][0] == {
        "system": "urn:medoffice:appointment-type", "code": "office", "display": "Office visit",
    }  # fmt: skip
    assert first["id"] == f"{adams.pk}-{practice['riverside'].pk}-{practice['office'].pk}-{expected[0].start.astimezone(UTC):%Y%m%d%H%M}"  # fmt: skip
    assert instant(first["end"]) - instant(first["start"]) == timedelta(minutes=20)
    assert "total" not in bundle


def test_slots_are_written_on_the_clinics_clock(practice, desk):
    day = weekday_at(CHICAGO, 9).date()
    bundle = search(
        desk, f"Slot?service-type=urn:medoffice:appointment-type|office"
        f"&schedule={schedule_of(practice, 2)}&start=ge{day}&_count=1",
    )  # fmt: skip
    start = bundle["entry"][0]["resource"]["start"]
    expected = datetime.combine(day, time(9), tzinfo=CHICAGO)
    assert start == expected.isoformat(), "9:00 with Chicago's offset"
    assert start.endswith(("-06:00", "-05:00"))


def test_without_a_schedule_every_provider_is_searched(practice, desk):
    day = weekday_at(NEW_YORK, 9).date()
    bundle = search(desk, f"Slot?appointment-type=nurse&start=ge{day}&start=lt{day + timedelta(days=1)}&_count=100")  # fmt: skip
    schedules = {e["resource"]["schedule"]["reference"] for e in bundle["entry"]}
    assert len(schedules) == 3
    starts = [instant(e["resource"]["start"]) for e in bundle["entry"]]
    assert starts == sorted(starts)


def test_booked_time_is_a_busy_slot_without_the_patient(practice, desk):
    appt = book(practice, weekday_at(NEW_YORK, 10), patient=make_patient("Secret"))
    query = f"Slot?status=busy,busy-tentative&schedule={schedule_of(practice)}"
    tentative = search(desk, query)["entry"][0]["resource"]
    assert tentative["id"] == f"busy-{appt.pk}" and tentative["status"] == "busy-tentative"
    text = json.dumps(tentative)
    assert "Patient" not in text and "Secret" not in text and "participant" not in tentative
    Appointment.objects.filter(pk=appt.pk).update(status=AppointmentStatus.CONFIRMED)
    assert search(desk, query.replace("busy,busy-tentative", "busy"))["entry"][0]["resource"]["status"] == "busy"  # fmt: skip
    assert search(desk, f"Slot?schedule={schedule_of(practice)}")["entry"][0]["resource"]["id"] == f"busy-{appt.pk}", "no type: the booked time"  # fmt: skip
    assert fhir_json(desk.get(f"/fhir/r4/Slot/busy-{appt.pk}"))["status"] == "busy"


def test_a_free_slot_read_again_tells_what_became_of_it(practice, desk):
    start = weekday_at(NEW_YORK, 10)
    adams, riverside, office = practice["providers"][0], practice["riverside"], practice["office"]
    slot_id = f"{adams.pk}-{riverside.pk}-{office.pk}-{start.astimezone(UTC):%Y%m%d%H%M}"
    free = fhir_json(desk.get(f"/fhir/r4/Slot/{slot_id}"))
    assert_valid_fhir(free)
    assert free["status"] == "free" and instant(free["start"]) == start
    appt = book(practice, start)
    assert fhir_json(desk.get(f"/fhir/r4/Slot/{slot_id}"))["status"] == "busy"
    Appointment.objects.filter(pk=appt.pk).delete()
    assert fhir_json(desk.get(f"/fhir/r4/Slot/{slot_id}"))["status"] == "free"
    closed = start.replace(hour=7).astimezone(UTC)
    gone = f"{adams.pk}-{riverside.pk}-{office.pk}-{closed:%Y%m%d%H%M}"
    assert desk.get(f"/fhir/r4/Slot/{gone}").status_code == 404, "before opening hours"
    assert desk.get(f"/fhir/r4/Slot/{adams.pk}-{riverside.pk}-999-{closed:%Y%m%d%H%M}").status_code == 404  # fmt: skip
    assert desk.get("/fhir/r4/Slot/busy-999999").status_code == 404


def test_slot_paging_follows_next_links(practice, desk):
    day = weekday_at(NEW_YORK, 9).date()
    query = f"Slot?appointment-type=office&schedule={schedule_of(practice)}&start=ge{day}&_count=5"
    first = search(desk, query)
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "next" in links and "previous" not in links
    second_response = desk.get(links["next"])
    second = fhir_json(second_response)
    assert_valid_fhir(second)
    assert len(second["entry"]) == 5 and not set(ids(first)) & set(ids(second))
    assert instant(second["entry"][0]["resource"]["start"]) > instant(first["entry"][-1]["resource"]["start"])  # fmt: skip
    assert any(link["relation"] == "previous" for link in second["link"])


@pytest.mark.parametrize(
    "query",
    [
        "Slot?status=free",  # free slots need a type
        "Slot?appointment-type=office&schedule=Practitioner/1",
        "Slot?status=open",
        "Slot?appointment-type=office&start=ge2030-01-01&start=le2030-12-31",
        "Slot?appointment-type=office&start=ne2030-01-01",
        "Slot?appointment-type=office&specialty=cardiology",
        "Slot?appointment-type=office&schedule=1-1&schedule=2-2",
    ],
)
def test_slot_search_errors(practice, desk, query):
    response = desk.get(f"/fhir/r4/{query}")
    assert response.status_code == 400, response.content
    assert_valid_fhir(fhir_json(response))


# --- Appointment -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ours, theirs",
    [
        ("scheduled", "booked"), ("confirmed", "booked"), ("arrived", "arrived"),
        ("roomed", "checked-in"), ("with_provider", "checked-in"), ("checked_out", "fulfilled"),
        ("completed", "fulfilled"), ("cancelled", "cancelled"), ("no_show", "noshow"),
        ("rescheduled", "cancelled"),
    ],
)  # fmt: skip
def test_appointment_statuses(practice, desk, ours, theirs):
    appt = book(practice, weekday_at(NEW_YORK, 10))
    Appointment.objects.filter(pk=appt.pk).update(
        status=ours, cancelled_by="patient", cancel_reason="Feeling better"
    )
    resource = fhir_json(desk.get(f"/fhir/r4/Appointment/{appt.pk}"))
    assert_valid_fhir(resource)
    assert resource["status"] == theirs
    if ours == "rescheduled":
        assert resource["cancelationReason"] == {"text": "rescheduled"}
    elif ours == "cancelled":
        assert resource["cancelationReason"]["coding"][0]["code"] == "pat"
        assert resource["cancelationReason"]["text"] == "Feeling better"
        assert resource["participant"][0]["status"] == "declined"
    else:
        assert "cancelationReason" not in resource
    assert bool(resource.get("slot")) == (ours not in {"cancelled", "no_show", "rescheduled"})


def test_appointment_mapping(practice, desk):
    patient = make_patient("Okafor", "Chidi")
    start = weekday_at(CHICAGO, 11)
    appt = book(practice, start, provider=2, patient=patient, reason="Knee pain",
                front_desk_note="Bring the new insurance card")  # fmt: skip
    response = desk.get(f"/fhir/r4/Appointment/{appt.pk}")
    resource = fhir_json(response)
    assert_valid_fhir(resource)
    carter = practice["providers"][2]
    assert resource["start"] == start.isoformat() and resource["end"] == (start + timedelta(minutes=20)).isoformat()  # fmt: skip
    assert resource["minutesDuration"] == 20
    assert [p["actor"]["reference"] for p in resource["participant"]] == [
        f"Patient/{patient.pk}", f"Practitioner/{carter.user_id}",
        f"Location/{practice['lakeside'].pk}",
    ]  # fmt: skip
    assert resource["participant"][0]["actor"]["display"] == "Chidi Okafor"
    assert resource["serviceType"][0]["coding"][0]["code"] == "office"
    assert resource["appointmentType"]["text"] == "Office visit"
    assert resource["reasonCode"] == [{"text": "Knee pain"}]
    assert resource["patientInstruction"] == "Bring your medication list."
    assert "comment" not in resource and "insurance card" not in json.dumps(resource)
    assert resource["meta"]["versionId"] == "1" and response["ETag"] == 'W/"1"'
    assert desk.get("/fhir/r4/Appointment/999999").status_code == 404


def test_appointment_search_parameters(practice, desk):
    ana, ben = make_patient("Ana"), make_patient("Ben")
    a1 = book(practice, weekday_at(NEW_YORK, 10), patient=ana)
    a2 = book(practice, weekday_at(NEW_YORK, 10), provider=1, patient=ben, type_key="quick")
    a3 = book(practice, weekday_at(CHICAGO, 10, days_ahead=8), provider=2, patient=ana)
    Appointment.objects.filter(pk=a2.pk).update(status=AppointmentStatus.ARRIVED)
    adams, carter = practice["providers"][0], practice["providers"][2]

    def found(query):
        return ids(search(desk, f"Appointment?{query}"))

    assert found("") == [str(a1.pk), str(a2.pk), str(a3.pk)]
    assert found(f"patient={ana.pk}") == [str(a1.pk), str(a3.pk)]
    assert found(f"patient=Patient/{ben.pk}") == [str(a2.pk)]
    assert found(f"actor=Patient/{ben.pk}") == [str(a2.pk)]
    assert found(f"actor=Practitioner/{carter.user_id}") == [str(a3.pk)]
    assert found(f"practitioner={adams.user_id}") == [str(a1.pk)]
    assert found(f"location=Location/{practice['lakeside'].pk}") == [str(a3.pk)]
    assert found(f"actor=Location/{practice['riverside'].pk}") == [str(a1.pk), str(a2.pk)]
    assert found("status=arrived") == [str(a2.pk)]
    assert found("status=booked,arrived") == [str(a1.pk), str(a2.pk), str(a3.pk)]
    assert found("status=fulfilled") == []
    assert found("service-type=nurse") == [str(a2.pk)]
    assert found("appointment-type=urn:medoffice:appointment-type|office") == [str(a1.pk), str(a3.pk)]  # fmt: skip
    day = a3.start.astimezone(NEW_YORK).date()
    assert found(f"date=ge{day}") == [str(a3.pk)]
    assert found(f"date=lt{day}") == [str(a1.pk), str(a2.pk)]
    paged = search(desk, "Appointment?_count=2")
    assert paged["total"] == 3 and len(paged["entry"]) == 2
    assert any(link["relation"] == "next" for link in paged["link"])
    assert desk.get("/fhir/r4/Appointment?actor=Device/1").status_code == 400
    assert desk.get("/fhir/r4/Appointment?comment=x").status_code == 400


def test_appointment_reads_are_audited(practice, token_client):
    client, user = token_client("nurse")
    ana, ben = make_patient("Ana"), make_patient("Ben")
    first = book(practice, weekday_at(NEW_YORK, 10), patient=ana)
    book(practice, weekday_at(NEW_YORK, 11), patient=ben)
    before = AuditEvent.objects.count()
    search(client, "Appointment")
    listed = AuditEvent.objects.filter(action="view_list", object_type="fhir:Appointment")
    assert set(listed.values_list("patient_id", flat=True)) == {ana.pk, ben.pk}
    assert all(e.actor_id == user.pk and e.source == "api" for e in listed)
    client.get(f"/fhir/r4/Appointment/{first.pk}")
    read = AuditEvent.objects.get(action="view", object_type="fhir:Appointment")
    assert (read.object_id, read.patient_id) == (str(first.pk), ana.pk)
    assert AuditEvent.objects.count() == before + 3
    search(client, "Schedule")
    search(client, "Slot?appointment-type=office&_count=3")
    assert AuditEvent.objects.count() == before + 3, "schedules and slots carry no patient"
