"""The New patient and Edit pages: fieldsets, field errors, the duplicate warning, SSN input."""

from __future__ import annotations

import re
from datetime import date

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.patients.models import Patient
from medoffice.testing.factories import UserFactory
from medoffice.testing.personas import persona, signed_in_client

from .conftest import make_patient

DOB = date(1990, 2, 14)
FORM = {
    "family_name": "Nguyen",
    "given_name": "Thao",
    "birth_date": "1990-02-14",
    "sex_at_birth": "F",
    "preferred_language": "vi",
    "interpreter_needed": "on",
    "race": ["2028-9"],
    "phone_mobile": "(518) 555-0199",
    "preferred_contact": "text",
    "consent_to_text": "on",
    "address_line1": "12 Elm St",
    "city": "Albany",
    "state": "ny",
    "postal_code": "12207",
    "country": "US",
    "ssn": "987-65-4321",
    "status": "active",
}


def test_new_patient_form_shows_every_fieldset(desk):
    page = signed_in_client(desk).get("/patients/new/").content.decode()
    for legend in (
        "Name", "Birth and identity", "Language", "Contact and preferences", "Address",
        "Social Security number", "Care team", "Status",
    ):  # fmt: skip
        assert f"<legend>{legend}</legend>" in page
    assert page.count('type="checkbox" name="race"') == 6
    assert 'name="ssn"' in page and 'autocomplete="off"' in page
    assert "Merged into another record" not in page


def test_register_through_the_page(desk):
    clinician = persona("clinician")
    response = signed_in_client(desk).post(
        "/patients/new/", {**FORM, "primary_care_provider": clinician.pk}
    )
    patient = Patient.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/patients/{patient.pk}/"
    assert patient.state == "NY" and patient.race == ["2028-9"]
    assert patient.ssn == "987-65-4321" and patient.primary_care_provider == clinician
    assert patient.interpreter_needed and patient.preferred_language == "vi"
    assert AuditEvent.objects.filter(action="create", patient_id=patient.pk).exists()


def test_field_errors_are_shown_and_nothing_is_saved(desk):
    bad = {
        **FORM,
        "family_name": "",
        "birth_date": "2999-01-01",
        "ssn": "12-34",
        "postal_code": "ABCDE",
        "consent_to_text": "",
        "email": "not-an-email",
    }
    response = signed_in_client(desk).post("/patients/new/", bad)
    assert response.status_code == 400
    page = response.content.decode()
    for message in (
        "This field is required.",
        "The date of birth is in the future.",
        "A Social Security number has nine digits.",
        "Use a 5-digit ZIP code or ZIP+4.",
        "The patient has not agreed to texts.",
        "Enter a valid email address.",
    ):
        assert message in page, message
    assert 'aria-invalid="true"' in page
    assert not Patient.objects.exists()


def test_primary_care_provider_must_be_an_active_clinician(desk):
    biller = persona("biller")
    response = signed_in_client(desk).post(
        "/patients/new/", {**FORM, "primary_care_provider": biller.pk}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    inactive = UserFactory(username="drgone", roles=["clinician"], is_active=False)
    from django.core.exceptions import ValidationError

    from medoffice.patients.services import patient_register

    with pytest.raises(ValidationError, match="active clinician"):
        patient_register(
            actor=desk,
            data={
                "family_name": "A",
                "given_name": "B",
                "birth_date": "2000-01-01",
                "sex_at_birth": "M",
                "primary_care_provider_id": inactive.pk,
            },
        )


def test_duplicate_warning_then_confirmation(desk):
    existing = make_patient(
        desk, family_name="Nguyen", given_name="Thao", phone_mobile="", birth_date=DOB
    )
    existing_entry_count = AuditEvent.objects.count()
    client = signed_in_client(desk)

    response = client.post("/patients/new/", FORM)
    page = response.content.decode()
    assert response.status_code == 200
    assert "This patient may already be registered" in page
    assert f'href="/patients/{existing.pk}/"' in page
    assert "same name and date of birth" in page
    assert "None of these: register a new patient" in page
    assert Patient.objects.count() == 1
    shown = AuditEvent.objects.filter(seq__gt=existing_entry_count, action="view_list")
    assert [e.patient_id for e in shown] == [existing.pk]
    # The form keeps what was typed.
    assert 'value="Nguyen"' in page and 'value="(518) 555-0199"' in page
    seen = re.search(r'name="duplicates_seen" value="([^"]*)"', page)[1]
    assert seen == str(existing.pk)

    # Submitting again without ticking the box shows the warning again.
    response = client.post("/patients/new/", {**FORM, "duplicates_seen": seen})
    assert "This patient may already be registered" in response.content.decode()
    assert Patient.objects.count() == 1

    # Ticked, for the candidates shown: registered.
    response = client.post(
        "/patients/new/", {**FORM, "duplicates_seen": seen, "confirm_not_duplicate": "on"}
    )
    assert response.status_code == 302
    assert Patient.objects.count() == 2


def test_confirmation_covers_only_the_candidates_that_were_shown(desk):
    first = make_patient(
        desk, family_name="Nguyen", given_name="Thao", phone_mobile="", birth_date=DOB
    )
    client = signed_in_client(desk)
    # A second look-alike appears after the warning was shown for the first.
    make_patient(
        desk, family_name="Nguyen", given_name="Thao", phone_mobile="518-555-0000", birth_date=DOB
    )
    response = client.post(
        "/patients/new/",
        {**FORM, "duplicates_seen": str(first.pk), "confirm_not_duplicate": "on"},
    )
    assert response.status_code == 200
    assert "This patient may already be registered" in response.content.decode()
    assert Patient.objects.count() == 2


@pytest.mark.parametrize("role", ["manager", "biller", "clinician", "nurse", "compliance", "admin"])
def test_only_the_front_desk_registers(db, role):
    client = signed_in_client(persona(role))
    assert client.get("/patients/new/").status_code == 403
    assert client.post("/patients/new/", FORM).status_code == 403
    assert not Patient.objects.exists()


def test_edit_keeps_replaces_or_removes_the_ssn(patient, desk):
    client = signed_in_client(desk)
    page = client.get(f"/patients/{patient.pk}/edit/").content.decode()
    assert "123-45-6789" not in page and "***-**-6789" in page
    assert 'value="Rivera"' in page

    data = {
        **FORM,
        "family_name": "Rivera",
        "given_name": "Lucia",
        "birth_date": "1984-06-12",
        "ssn": "",
    }
    assert client.post(f"/patients/{patient.pk}/edit/", data).status_code == 302
    patient.refresh_from_db()
    assert patient.ssn == "123-45-6789" and patient.city == "Albany"
    entry = AuditEvent.objects.filter(action="update", patient_id=patient.pk).last()
    assert "ssn" not in entry.details["fields"] and "city" in entry.details["fields"]

    client.post(f"/patients/{patient.pk}/edit/", {**data, "ssn": "111223333"})
    patient.refresh_from_db()
    assert patient.ssn == "111-22-3333"

    client.post(f"/patients/{patient.pk}/edit/", {**data, "ssn_remove": "on"})
    patient.refresh_from_db()
    assert patient.ssn == "" and patient.ssn_last4 == ""


def test_edit_errors_change_nothing(patient, desk):
    response = signed_in_client(desk).post(
        f"/patients/{patient.pk}/edit/",
        {**FORM, "status": "deceased", "deceased_date": ""},
    )
    assert response.status_code == 400
    assert "Give the date of death." in response.content.decode()
    patient.refresh_from_db()
    assert patient.family_name == "Rivera" and patient.status == "active"


@pytest.mark.parametrize("role", ["manager", "biller", "clinician", "nurse", "compliance"])
def test_other_roles_cannot_edit(patient, role):
    client = signed_in_client(persona(role))
    assert client.get(f"/patients/{patient.pk}/edit/").status_code == 403
    assert client.post(f"/patients/{patient.pk}/edit/", FORM).status_code == 403
    patient.refresh_from_db()
    assert patient.family_name == "Rivera"


def test_unknown_patient_is_404_for_allowed_roles(desk):
    assert signed_in_client(desk).get("/patients/424242/").status_code == 404
    assert signed_in_client(desk).get("/patients/424242/edit/").status_code == 404
