"""Alerts, emergency contacts, guarantor, identifiers, and consents through the pages."""

from __future__ import annotations

from datetime import date

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.patients.models import (
    Consent,
    Document,
    EmergencyContact,
    Guarantor,
    PatientAlert,
    PatientIdentifier,
)
from medoffice.patients.services import identifier_add, patient_alert_add
from medoffice.testing.personas import persona, signed_in_client

from .conftest import make_patient, pdf_bytes, stored_files, upload

READ_ONLY = ["manager", "biller", "clinician", "nurse", "compliance", "hr"]


def _url(patient, rest):
    return f"/patients/{patient.pk}/{rest}"


def test_alerts_add_and_deactivate_with_htmx(patient, desk):
    client = signed_in_client(desk)
    response = client.post(
        _url(patient, "alerts/new/"),
        {"text": "  Needs   wheelchair access "},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert '<section id="alerts"' in body and "<html" not in body
    alert = PatientAlert.objects.get()
    assert alert.text == "Needs wheelchair access" and alert.created_by == desk
    response = client.post(
        _url(patient, f"alerts/{alert.pk}/deactivate/"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "No alerts." in response.content.decode()
    alert.refresh_from_db()
    assert not alert.active
    assert list(
        AuditEvent.objects.filter(object_type="patientalert")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["create", "update"]
    # A second deactivation changes nothing and records nothing.
    client.post(_url(patient, f"alerts/{alert.pk}/deactivate/"))
    assert AuditEvent.objects.filter(object_type="patientalert").count() == 2


def test_empty_alert_is_a_field_error(patient, desk):
    client = signed_in_client(desk)
    response = client.post(
        _url(patient, "alerts/new/"), {"text": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = client.post(_url(patient, "alerts/new/"), {"text": ""})
    assert response.status_code == 400
    assert not PatientAlert.objects.exists()


def test_emergency_contacts(patient, desk):
    client = signed_in_client(desk)
    new = {
        "name": "Marco Rivera",
        "relationship": "brother",
        "phone": "518-555-0111",
        "is_primary": "on",
    }
    assert client.post(_url(patient, "contacts/new/"), new).status_code == 302
    second = {
        "name": "Ana Rivera",
        "relationship": "mother",
        "phone": "518-555-0112",
        "is_primary": "on",
    }
    client.post(_url(patient, "contacts/new/"), second)
    marco, ana = EmergencyContact.objects.order_by("pk")
    marco.refresh_from_db()
    assert ana.is_primary and not marco.is_primary, "one primary contact"
    response = client.post(_url(patient, f"contacts/{marco.pk}/edit/"), {**new, "phone": "bad!"})
    assert response.status_code == 400 and "Enter a phone number" in response.content.decode()
    response = client.post(
        _url(patient, f"contacts/{marco.pk}/edit/"), {**new, "phone": "518-555-0199"}
    )
    assert response.status_code == 302
    marco.refresh_from_db()
    assert marco.phone == "518-555-0199" and marco.is_primary
    assert client.post(_url(patient, f"contacts/{ana.pk}/remove/")).status_code == 302
    assert list(EmergencyContact.objects.all()) == [marco]
    actions = (
        AuditEvent.objects.filter(object_type="emergencycontact")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert list(actions) == ["create", "create", "update", "delete"]


def test_guarantor_set_change_and_clear(patient, desk):
    client = signed_in_client(desk)
    data = {
        "relationship": "parent",
        "family_name": "Rivera",
        "given_name": "Ana",
        "address_line1": "12 Elm St",
        "city": "Albany",
        "state": "ny",
        "postal_code": "12207",
    }
    response = client.post(_url(patient, "guarantor/"), {**data, "postal_code": ""})
    assert response.status_code == 400 and not Guarantor.objects.exists()
    assert client.post(_url(patient, "guarantor/"), data).status_code == 302
    assert client.post(_url(patient, "guarantor/"), {**data, "city": "Troy"}).status_code == 302
    guarantor = Guarantor.objects.get()
    assert guarantor.city == "Troy" and guarantor.state == "NY"
    page = client.get(_url(patient, "")).content.decode()
    assert "Ana Rivera" in page and "Legal guardian" not in page
    assert client.post(_url(patient, "guarantor/clear/")).status_code == 302
    assert not Guarantor.objects.exists()
    actions = (
        AuditEvent.objects.filter(object_type="guarantor")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert list(actions) == ["create", "update", "delete"]


def test_identifiers_are_unique_per_system(patient, desk):
    client = signed_in_client(desk)
    data = {"system": "urn:oid:2.16.840.1.113883.19.5", "value": "A-1001", "label": "Old EHR"}
    assert client.post(_url(patient, "identifiers/new/"), data).status_code == 302
    other = make_patient(desk, family_name="Okafor", given_name="Ben", phone_mobile="")
    response = client.post(_url(other, "identifiers/new/"), data)
    assert response.status_code == 400
    assert PatientIdentifier.objects.count() == 1
    with pytest.raises(Exception, match="already recorded"):
        identifier_add(actor=desk, patient=other, system=data["system"], value="A-1001")
    # The same value in another system is a different identifier.
    identifier_add(actor=desk, patient=other, system="Quest Lab", value="A-1001")
    ident = PatientIdentifier.objects.get(patient=patient)
    assert client.post(_url(patient, f"identifiers/{ident.pk}/remove/")).status_code == 302
    assert not PatientIdentifier.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_roles_change_nothing(patient, desk, role):
    alert = patient_alert_add(actor=desk, patient=patient, text="Bring interpreter")
    contact = patient.emergency_contacts.create(
        name="X", relationship="friend", phone="518-555-0000"
    )
    ident = identifier_add(actor=desk, patient=patient, system="S", value="V")
    client = signed_in_client(persona(role))
    posts = {
        "alerts/new/": {"text": "x"},
        f"alerts/{alert.pk}/deactivate/": {},
        "contacts/new/": {"name": "Y", "relationship": "z", "phone": "518-555-0000"},
        f"contacts/{contact.pk}/edit/": {"name": "Z", "relationship": "z", "phone": "518-555-0000"},
        f"contacts/{contact.pk}/remove/": {},
        "guarantor/": {"relationship": "parent", "family_name": "A", "given_name": "B"},
        "guarantor/clear/": {},
        "identifiers/new/": {"system": "T", "value": "W"},
        f"identifiers/{ident.pk}/remove/": {},
        "consents/new/": {"kind": "npp", "signed_on": "2024-01-01"},
        "documents/new/": {},
    }
    for rest, data in posts.items():
        assert client.post(_url(patient, rest), data).status_code == 403, rest
    alert.refresh_from_db()
    contact.refresh_from_db()
    assert alert.active and contact.name == "X"
    assert PatientAlert.objects.count() == 1 and EmergencyContact.objects.count() == 1
    assert PatientIdentifier.objects.count() == 1 and not Guarantor.objects.exists()
    assert not Consent.objects.exists()


# --- Consents --------------------------------------------------------------------------------


def test_record_a_consent_with_a_new_scan(patient, desk, media_root):
    client = signed_in_client(desk)
    response = client.post(
        _url(patient, "consents/new/"),
        {
            "kind": "treatment",
            "signed_on": "2024-04-01",
            "upload": upload("consent.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    scan = Document.objects.get()
    assert consent.document == scan and scan.category == "consent"
    assert scan.title == "Consent to treat (signed 2024-04-01)"
    assert len(stored_files(media_root)) == 1
    assert AuditEvent.objects.filter(action="create", object_type="consent").exists()
    assert AuditEvent.objects.filter(action="create", object_type="document").exists()


def test_record_a_consent_pointing_at_a_document_on_file(patient, desk):
    from medoffice.patients.services_documents import document_upload

    scan = document_upload(
        actor=desk,
        patient=patient,
        upload=upload("roi.pdf", pdf_bytes("release")),
        category="consent",
        title="Release to Dr Smith",
        document_date=date(2024, 2, 1),
    )
    response = signed_in_client(desk).post(
        _url(patient, "consents/new/"),
        {
            "kind": "release",
            "signed_on": "2024-02-01",
            "expires_on": "2025-02-01",
            "release_to": "Dr Smith, Albany Cardiology",
            "release_scope": "Visit notes 2023-2024",
            "document": scan.pk,
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.document == scan and consent.release_to.startswith("Dr Smith")


def test_release_of_information_needs_recipient_scope_and_expiry(patient, desk, media_root):
    response = signed_in_client(desk).post(
        _url(patient, "consents/new/"),
        {"kind": "release", "signed_on": "2024-02-01", "upload": upload("roi.pdf", pdf_bytes())},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say to whom information may be released." in page
    assert "Say what may be released." in page
    assert "A release of information needs an expiry date." in page
    assert not Consent.objects.exists() and not Document.objects.exists()
    assert stored_files(media_root) == []


def test_consent_with_a_corrupt_scan_is_refused(patient, desk, media_root):
    response = signed_in_client(desk).post(
        _url(patient, "consents/new/"),
        {
            "kind": "npp",
            "signed_on": "2024-02-01",
            "upload": upload("scan.pdf", b"hello, not a pdf"),
        },
    )
    assert response.status_code == 400
    assert "named .pdf, but it contains plain text" in response.content.decode()
    assert not Consent.objects.exists() and stored_files(media_root) == []


def test_consent_cannot_use_another_patients_document(patient, desk):
    from medoffice.patients.services_documents import consent_record, document_upload

    other = make_patient(desk, family_name="Okafor", given_name="Ben", phone_mobile="")
    scan = document_upload(
        actor=desk,
        patient=other,
        upload=upload("x.pdf", pdf_bytes()),
        category="consent",
        title="Other",
        document_date=date(2024, 2, 1),
    )
    with pytest.raises(Exception, match="this patient"):
        consent_record(
            actor=desk,
            patient=patient,
            data={"kind": "npp", "signed_on": date(2024, 2, 1)},
            document=scan,
        )


def test_revoke_a_consent(patient, desk):
    consent = Consent.objects.create(
        patient=patient, kind="financial", signed_on=date(2024, 1, 1), recorded_by=desk
    )
    client = signed_in_client(desk)
    url = _url(patient, f"consents/{consent.pk}/revoke/")
    assert client.post(url, {"revoked_on": "2023-01-01"}).status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_on is None
    client.post(url, {"revoked_on": "2024-06-01"})
    consent.refresh_from_db()
    assert consent.revoked_on == date(2024, 6, 1)
    client.post(url, {"revoked_on": "2024-07-01"})
    consent.refresh_from_db()
    assert consent.revoked_on == date(2024, 6, 1), "revoked once"
    assert AuditEvent.objects.filter(action="update", object_type="consent").count() == 1
    assert (
        "Financial policy: revoked on 2024-06-01." in client.get(_url(patient, "")).content.decode()
    )
