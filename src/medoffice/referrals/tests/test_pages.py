"""Referral and authorization pages, per role: what each sees, what a refusal leaves alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.referrals.models import PriorAuthorization, Referral
from medoffice.referrals.services import referral_create
from medoffice.referrals.services_auth import authorization_create
from medoffice.testing.personas import persona, signed_in_client

from .conftest import auth_data, make_patient

READERS = ["manager", "frontdesk", "biller", "clinician", "nurse", "compliance"]
EDITORS = ["frontdesk", "biller", "clinician"]


def referral(patient, **fields):
    data = {
        "direction": "in", "outside_provider_name": "Dr. Grace Hopper", "reason": "Changing mole",
        "diagnosis_code": "D22.9", "urgency": "routine", "received_on": timezone.localdate() - timedelta(days=20),
    }  # fmt: skip
    data.update(fields)
    return referral_create(actor=persona("frontdesk"), patient=patient, data=data)


def form_post(**overrides):
    today = timezone.localdate()
    data = {
        "direction": "in", "outside_provider_name": "Dr. Alan Turing", "reason": "Palpitations",
        "diagnosis_code": "R00.2", "urgency": "urgent", "received_on": today.isoformat(),
        "due_by": (today + timedelta(days=7)).isoformat(),
    }  # fmt: skip
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", READERS)
def test_worklist_overdue_first_and_audited(clinic, role):
    first = referral(make_patient("Later"), due_by=timezone.localdate() + timedelta(days=5))
    overdue = referral(make_patient("Overdue"), due_by=timezone.localdate() - timedelta(days=2))
    referral(make_patient("Done"), due_by=timezone.localdate() - timedelta(days=9))
    Referral.objects.filter(patient__family_name="Done").update(status="scheduled")
    response = signed_in_client(persona(role)).get("/referrals/worklist/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Overdue") < html.index("Later") and "Done," not in html
    shown = AuditEvent.objects.filter(action="view_list", details__view="referral_worklist")
    assert set(shown.values_list("patient_id", flat=True)) == {first.patient_id, overdue.patient_id}


@pytest.mark.parametrize("role", ["hr", "purchasing", "admin"])
def test_no_worklist_for_roles_without_referrals(clinic, role):
    assert signed_in_client(persona(role)).get("/referrals/worklist/").status_code == 403


@pytest.mark.parametrize("role", EDITORS)
def test_editors_record_a_referral(clinic, role):
    patient = make_patient()
    client = signed_in_client(persona(role))
    assert client.get(f"/referrals/patients/{patient.pk}/new/").status_code == 200
    bad = client.post(f"/referrals/patients/{patient.pk}/new/", form_post(diagnosis_code="E11"))
    assert bad.status_code == 400 and b"complete code" in bad.content
    response = client.post(f"/referrals/patients/{patient.pk}/new/", form_post())
    created = Referral.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{created.pk}/")
    assert created.urgency == "urgent" and created.created_by.username == role


@pytest.mark.parametrize("role", ["manager", "nurse", "compliance"])
def test_readers_see_but_do_not_change(clinic, role):
    patient = make_patient()
    existing = referral(patient)
    client = signed_in_client(persona(role))
    assert client.get(f"/referrals/patients/{patient.pk}/{existing.pk}/").status_code == 200
    assert client.get(f"/referrals/patients/{patient.pk}/new/").status_code == 403
    assert client.post(f"/referrals/patients/{patient.pk}/new/", form_post()).status_code == 403
    status = client.post(
        f"/referrals/patients/{patient.pk}/{existing.pk}/status/",
        {"status": "closed", "seen_status": "received"},
    )
    assert status.status_code == 403
    assert Referral.objects.get().status == "received" and Referral.objects.count() == 1


def test_detail_offers_booking_and_moves_the_status(clinic):
    patient = make_patient()
    existing = referral(patient, our_provider=clinic["providers"][0])
    client = signed_in_client(persona("frontdesk"))
    page = client.get(f"/referrals/patients/{patient.pk}/{existing.pk}/").content.decode()
    assert (
        f"/schedule/find/?patient={patient.pk}&amp;referral={existing.pk}&amp;provider={clinic['providers'][0].pk}"
        in page
    )
    assert AuditEvent.objects.filter(
        object_type="referral", action="view", object_id=str(existing.pk)
    ).exists()
    response = client.post(
        f"/referrals/patients/{patient.pk}/{existing.pk}/status/", {"status": "closed", "seen_status": "received", "note": "Went elsewhere"}
    )  # fmt: skip
    assert response.status_code == 302 and Referral.objects.get().status == "closed"


def test_patient_page_loads_the_referrals_box_for_those_who_may_see_it(clinic):
    patient = make_patient()
    referral(patient)
    loader = f'hx-get="/referrals/patients/{patient.pk}/summary/"'
    assert (
        loader
        in signed_in_client(persona("frontdesk")).get(f"/patients/{patient.pk}/").content.decode()
    )
    box = signed_in_client(persona("nurse")).get(f"/referrals/patients/{patient.pk}/summary/")
    assert box.status_code == 200 and b"Changing mole" in box.content


def test_authorization_pages(injections):
    patient = make_patient()
    client = signed_in_client(persona("biller"))
    post = {
        "payer": injections["payer"].pk, "auth_number": "ZX-9", "service_codes": "20610, j3301",
        "appointment_types": [injections["injection"].pk], "approved_units": "6",
        "start_date": timezone.localdate().isoformat(), "end_date": (timezone.localdate() + timedelta(days=90)).isoformat(),
        "low_units_threshold": "2",
    }  # fmt: skip
    bad = client.post(
        f"/referrals/patients/{patient.pk}/authorizations/new/",
        {**post, "service_codes": "20610 99999"},
    )
    assert bad.status_code == 400 and b"99999" in bad.content
    response = client.post(f"/referrals/patients/{patient.pk}/authorizations/new/", post)
    auth = PriorAuthorization.objects.get()
    assert response.status_code == 302 and auth.service_codes == ["20610", "J3301"]
    assert list(auth.appointment_types.all()) == [injections["injection"]]
    detail = client.get(f"/referrals/patients/{patient.pk}/authorizations/{auth.pk}/")
    assert detail.status_code == 200 and b"ZX-9" in detail.content
    edit = client.post(
        f"/referrals/patients/{patient.pk}/authorizations/{auth.pk}/edit/",
        {**post, "approved_units": "1"},
    )
    assert edit.status_code == 302 and PriorAuthorization.objects.get().approved_units == 1
    alerts = signed_in_client(persona("manager")).get("/referrals/authorizations/")
    assert alerts.status_code == 200 and b"ZX-9" in alerts.content, "1 unit left, threshold 2"
    assert (
        signed_in_client(persona("manager"))
        .post(
            f"/referrals/patients/{patient.pk}/authorizations/{auth.pk}/edit/",
            {**post, "approved_units": "9"},
        )
        .status_code
        == 403
    )
    assert PriorAuthorization.objects.get().approved_units == 1


@pytest.mark.parametrize(
    ("role", "shown"), [("frontdesk", True), ("manager", True), ("biller", False)]
)
def test_home_panel_counts(clinic, role, shown):
    referral(make_patient(), due_by=timezone.localdate() - timedelta(days=1))
    page = signed_in_client(persona(role)).get("/").content.decode()
    assert ("Referrals to schedule" in page) is shown


def test_api(injections):
    patient = make_patient()
    referral(patient)
    authorization_create(actor=persona("frontdesk"), patient=patient, data=auth_data(injections))
    client = signed_in_client(persona("biller"))
    rows = client.get("/api/referrals/worklist").json()
    assert [r["patient_id"] for r in rows] == [patient.pk]
    data = client.get(f"/api/referrals/patients/{patient.pk}").json()
    assert data["authorizations"][0]["left"] == 3 and data["referrals"][0]["status"] == "received"
    assert (
        signed_in_client(persona("hr")).get(f"/api/referrals/patients/{patient.pk}").status_code
        == 403
    )


def _document(patient, title, category):
    from medoffice.patients.models import Document

    return Document.objects.create(
        patient=patient, category=category, title=title, document_date=timezone.localdate(),
        file="documents/x.pdf", content_type="application/pdf", size=10, sha256="0" * 64,
        original_name="x.pdf", uploaded_by=persona("frontdesk"),
    )  # fmt: skip


def test_documents_come_from_the_patient_and_clinical_titles_stay_clinical(clinic):
    from django.core.exceptions import ValidationError

    patient = make_patient()
    letter = _document(patient, "Referral letter", "referral")
    echo = _document(patient, "Echo: severe mitral regurgitation", "outside_records")
    stranger = _document(make_patient("Stranger"), "Someone else's letter", "referral")
    with pytest.raises(ValidationError):
        referral_create(
            actor=persona("frontdesk"), patient=patient, documents=[stranger],
            data={"direction": "in", "outside_provider_name": "Dr. X", "reason": "Murmur",
                  "received_on": timezone.localdate()},
        )  # fmt: skip
    client = signed_in_client(persona("frontdesk"))
    form = client.get(f"/referrals/patients/{patient.pk}/new/").content.decode()
    assert "Referral letter" in form and "mitral" not in form and "Someone else" not in form
    response = client.post(
        f"/referrals/patients/{patient.pk}/new/", form_post(documents=[letter.pk, echo.pk])
    )
    created = Referral.objects.get()
    assert response.status_code == 302 and set(created.documents.all()) == {letter, echo}
    detail = f"/referrals/patients/{patient.pk}/{created.pk}/"
    assert "mitral" not in client.get(detail).content.decode()
    assert "mitral" in signed_in_client(persona("clinician")).get(detail).content.decode()
