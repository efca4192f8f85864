"""The chart page and encounters, per role: who gets in, what is audited, refusals change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.audit.services import emergency_access_grant
from medoffice.chart import services
from medoffice.chart.models import Encounter
from medoffice.chart.tests.conftest import TZ

ALLOWED = ["clinician", "nurse"]
REFUSED = ["frontdesk", "biller", "manager", "purchasing", "hr"]
BREAK_GLASS = ["admin", "compliance"]


def chart_views(patient_id):
    return AuditEvent.objects.filter(object_type="chart", action="view", patient_id=patient_id)


@pytest.mark.parametrize("role", ALLOWED)
def test_chart_page_for_chart_roles(patient, as_role, role, clinician):
    services.allergy_save(
        actor=clinician, patient_id=patient.pk,
        data={"substance": "Latex", "reaction": "Rash", "severity": "moderate", "status": "active"},
    )  # fmt: skip
    services.vitals_record(
        actor=clinician, patient_id=patient.pk, taken_at=datetime(2026, 3, 1, 9, tzinfo=TZ),
        values={"sbp": (D("150"), ""), "dbp": (D("95"), "")},
    )  # fmt: skip
    services.lab_result_save(
        actor=clinician, patient_id=patient.pk,
        data={"test_name": "Hemoglobin A1c", "value": "9.1", "unit": "%",
              "reference_low": D("4"), "reference_high": D("5.6"),
              "collected_at": datetime(2026, 3, 1, 9, tzinfo=TZ)},
    )  # fmt: skip
    _, client = as_role(role)
    response = client.get(f"/chart/patients/{patient.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert patient.mrn in page and "Latex" in page and "150" in page
    assert 'class="abnormal flag-H"' in page
    assert chart_views(patient.pk).count() == 1


def test_allergies_not_recorded_is_distinct(patient, as_role):
    _, client = as_role("clinician")
    page = client.get(f"/chart/patients/{patient.pk}/").content.decode()
    assert "Allergies not recorded" in page and "No known allergies</strong>" not in page


@pytest.mark.parametrize("role", REFUSED + BREAK_GLASS)
def test_chart_page_refused(patient, as_role, role):
    _, client = as_role(role)
    response = client.get(f"/chart/patients/{patient.pk}/")
    assert response.status_code == 403
    assert not chart_views(patient.pk).exists()
    assert AuditEvent.objects.filter(action="permission_denied", patient_id=patient.pk).exists()


@pytest.mark.parametrize("role", BREAK_GLASS)
def test_break_the_glass_opens_the_chart(patient, as_role, role):
    user, client = as_role(role)
    emergency_access_grant(actor=user, patient_id=patient.pk, reason="Patient collapsed in clinic")
    assert client.get(f"/chart/patients/{patient.pk}/").status_code == 200
    assert chart_views(patient.pk).get().emergency


def test_unknown_patient_is_404(as_role, db):
    _, client = as_role("clinician")
    assert client.get("/chart/patients/999999/").status_code == 404


@pytest.mark.parametrize("role", ALLOWED)
def test_create_and_edit_encounter(patient, as_role, clinician, role):
    _, client = as_role(role)
    form = {"start": "2026-03-05T14:15", "type": "office", "status": "planned",
            "provider": clinician.pk, "reason": "Cough"}  # fmt: skip
    response = client.post(f"/chart/patients/{patient.pk}/encounters/new/", form)
    assert response.status_code == 302
    encounter = Encounter.objects.get()
    # 14:15 in the practice's zone (New York, EST in March before DST) is 19:15 UTC.
    assert encounter.start == datetime(2026, 3, 5, 19, 15, tzinfo=UTC)
    response = client.post(
        f"/chart/patients/{patient.pk}/encounters/{encounter.pk}/edit/",
        {**form, "status": "finished", "end": "2026-03-05T14:00"},
    )
    assert response.status_code == 400  # ends before it starts
    encounter.refresh_from_db()
    assert encounter.status == "planned"


def test_encounter_provider_must_be_a_clinician(patient, as_role, nurse):
    _, client = as_role("nurse")
    response = client.post(
        f"/chart/patients/{patient.pk}/encounters/new/",
        {"start": "2026-03-05T14:15", "type": "office", "status": "planned", "provider": nurse.pk},
    )
    assert response.status_code == 400
    assert not Encounter.objects.exists()


@pytest.mark.parametrize("role", REFUSED)
def test_refused_encounter_create_changes_nothing(patient, as_role, role, clinician):
    _, client = as_role(role)
    response = client.post(
        f"/chart/patients/{patient.pk}/encounters/new/",
        {"start": "2026-03-05T14:15", "type": "office", "status": "planned"},
    )
    assert response.status_code == 403
    assert not Encounter.objects.exists()


def test_encounter_page_lists_notes_and_is_audited(encounter, as_role, clinician):
    services.note_create(actor=clinician, encounter=encounter, data={"assessment": "Stable"})
    _, client = as_role("nurse")
    page = client.get(f"/chart/patients/{encounter.patient_id}/encounters/{encounter.pk}/")
    assert page.status_code == 200 and "Stable" in page.content.decode()
    assert AuditEvent.objects.filter(object_type="encounter", action="view").count() == 1


def test_encounter_of_another_patient_is_404(encounter, as_role):
    from medoffice.chart.tests.conftest import make_patient

    other = make_patient(family_name="Other", phone_mobile="518-555-0199")
    _, client = as_role("clinician")
    assert client.get(f"/chart/patients/{other.pk}/encounters/{encounter.pk}/").status_code == 404
