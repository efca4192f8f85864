"""The patient overview: who sees it, what it shows, SSN masking, consent alerts, audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from medoffice.audit.models import AuditEvent
from medoffice.audit.services import emergency_access_grant
from medoffice.patients.models import Consent, Coverage
from medoffice.patients.selectors import consents_missing_or_expired
from medoffice.patients.services import patient_alert_add
from medoffice.testing.personas import persona, signed_in_client

VIEWERS = ["frontdesk", "manager", "biller", "clinician", "nurse", "compliance"]


def _page(user, patient):
    return signed_in_client(user).get(f"/patients/{patient.pk}/")


@pytest.mark.parametrize("role", VIEWERS)
def test_roles_with_demographics_see_the_overview_and_it_is_audited(patient, desk, role):
    user = desk if role == "frontdesk" else persona(role)
    response = _page(user, patient)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lucia Rivera" in page and patient.mrn in page
    entry = AuditEvent.objects.filter(action="view", object_type="patient").last()
    assert entry.actor_username == user.username and entry.patient_id == patient.pk
    assert entry.details["sections"] == ["demographics", "coverage", "documents"]


@pytest.mark.parametrize("role", ["purchasing", "hr"])
def test_roles_without_phi_are_refused(patient, role):
    before = AuditEvent.objects.filter(action="view").count()
    response = _page(persona(role), patient)
    assert response.status_code == 403
    assert b"Emergency access" not in response.content
    assert AuditEvent.objects.filter(action="view").count() == before
    assert AuditEvent.objects.filter(action="permission_denied", patient_id=patient.pk).exists()


def test_admin_reaches_the_record_only_by_breaking_the_glass(patient):
    admin = persona("admin")
    response = _page(admin, patient)
    assert response.status_code == 403
    assert b"Emergency access (break the glass)" in response.content
    emergency_access_grant(actor=admin, patient_id=patient.pk, reason="Patient collapsed in lobby")
    response = _page(admin, patient)
    assert response.status_code == 200
    entry = AuditEvent.objects.filter(action="view", object_type="patient").last()
    assert entry.emergency and entry.actor_username == "admin"
    # Emergency access does not reveal the full SSN.
    assert b"Show full SSN" not in response.content


@pytest.mark.parametrize(
    ("role", "full"),
    [("frontdesk", True), ("biller", True), ("manager", False), ("clinician", False),
     ("nurse", False), ("compliance", False)],
)  # fmt: skip
def test_ssn_is_masked_and_only_front_desk_and_billing_may_reveal_it(patient, desk, role, full):
    user = desk if role == "frontdesk" else persona(role)
    page = _page(user, patient).content.decode()
    assert "***-**-6789" in page and "123-45-6789" not in page
    assert ("Show full SSN" in page) == full
    client = signed_in_client(user)
    response = client.post(f"/patients/{patient.pk}/ssn/", headers={"HX-Request": "true"})
    reveals = AuditEvent.objects.filter(action="view", object_type="patient_ssn")
    if full:
        assert response.status_code == 200
        assert "123-45-6789" in response.content.decode()
        assert "<html" not in response.content.decode()  # the htmx partial only
        assert reveals.get().actor_username == user.username
    else:
        assert response.status_code == 403
        assert not reveals.exists()


def test_ssn_reveal_without_htmx_is_a_page_and_get_is_not_allowed(patient, desk):
    client = signed_in_client(desk)
    assert client.get(f"/patients/{patient.pk}/ssn/").status_code == 405
    response = client.post(f"/patients/{patient.pk}/ssn/")
    assert response.status_code == 200 and b"<h1>Social Security number</h1>" in response.content


def test_alerts_and_missing_consents_are_at_the_top(patient, desk):
    patient_alert_add(actor=desk, patient=patient, text="Needs wheelchair access")
    page = _page(desk, patient).content.decode()
    alerts_at = page.index("Needs wheelchair access")
    assert alerts_at < page.index("Identity")
    assert "Notice of privacy practices acknowledged: not on file." in page
    assert "Consent to treat: not on file." in page
    assert page.index("Consents needed") < page.index("Identity")


def _consent(patient, user, kind, signed_on, **kw):
    return Consent.objects.create(
        patient=patient, kind=kind, signed_on=signed_on, recorded_by=user, **kw
    )


def test_consents_missing_or_expired(patient, desk):
    today = date(2025, 6, 1)
    _consent(patient, desk, "npp", date(2024, 1, 1))
    _consent(patient, desk, "treatment", date(2024, 1, 1), expires_on=date(2025, 1, 1))
    _consent(patient, desk, "financial", date(2024, 1, 1), revoked_on=date(2025, 5, 1))
    gaps = {g.kind: g for g in consents_missing_or_expired(patient, on=today)}
    assert set(gaps) == {"treatment", "financial"}
    assert gaps["treatment"].problem == "expired"
    assert gaps["treatment"].message == "Consent to treat: expired on 2025-01-01."
    assert gaps["financial"].message == "Financial policy: revoked on 2025-05-01."
    # A newer consent covers the kind again; one signed later than `on` does not count yet.
    _consent(patient, desk, "treatment", date(2025, 2, 1))
    _consent(patient, desk, "financial", date(2025, 7, 1))
    gaps = consents_missing_or_expired(patient.pk, on=today)
    assert [g.kind for g in gaps] == ["financial"]
    assert gaps[0].problem == "revoked"
    assert consents_missing_or_expired(patient, on=date(2025, 7, 2)) == []


def test_overview_lists_coverage_contacts_identifiers_and_documents(patient, desk, payer):
    today = timezone.localdate()
    Coverage.objects.create(
        patient=patient, payer=payer, member_id="XK9-1", effective_date=today, copay="25.00"
    )
    Coverage.objects.create(
        patient=patient,
        payer=payer,
        member_id="OLD-1",
        effective_date=today - timedelta(days=400),
        end_date=today - timedelta(days=30),
    )
    patient.emergency_contacts.create(
        name="Marco Rivera", relationship="brother", phone="518-555-0111"
    )
    patient.identifiers.create(system="urn:synthea", value="abc-123", label="Synthea id")
    page = _page(desk, patient).content.decode()
    assert "Empire Health" in page and "XK9-1" in page and "$25.00" in page
    assert "Ended coverage (1)" in page and "OLD-1" in page
    assert "Marco Rivera" in page and "Synthea id" in page and "abc-123" in page


def test_no_edit_controls_for_view_only_roles(patient):
    page = _page(persona("clinician"), patient).content.decode()
    for control in ("Edit demographics", "Add coverage", "Upload a document", "Add alert",
                    "Record a consent", "Add an emergency contact"):  # fmt: skip
        assert control not in page, control
