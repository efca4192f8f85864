"""Audit pages, reports, exports, emergency access and its review."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from medoffice.audit.models import AuditEvent, EmergencyAccess
from medoffice.audit.services import audit_record, emergency_access_grant, emergency_access_review
from medoffice.core.access import AccessDenied
from medoffice.testing.personas import persona, signed_in_client


def test_compliance_sees_every_entry_and_can_filter(db):
    officer = persona("compliance")
    other = persona("frontdesk")
    audit_record(
        action="view",
        actor=other,
        object_type="patient",
        object_id=5,
        patient_id=5,
        patient_ref="MRN5",
    )
    audit_record(action="view", actor=officer, object_type="patient", object_id=6, patient_id=6)
    client = signed_in_client(officer)
    page = client.get("/audit/").content.decode()
    assert "MRN5" in page and "frontdesk" in page
    page = client.get("/audit/", {"patient": "MRN5"}).content.decode()
    assert "Who accessed this patient" in page
    assert page.count("<tr>") >= 2
    page = client.get("/audit/", {"username": "frontdesk"}).content.decode()
    assert "Patients this user accessed" in page


def test_viewing_the_log_is_itself_audited(db):
    client = signed_in_client(persona("compliance"))
    client.get("/audit/", {"username": "x"})
    entry = AuditEvent.objects.filter(object_type="audit_log").latest("seq")
    assert entry.action == "view_list" and entry.actor_username == "compliance"
    assert entry.details["filter"] == {"username": "x"}


def test_manager_sees_only_their_own_staff(db):
    manager = persona("manager")
    colleague = persona("frontdesk", location=manager.locations.first())
    stranger = persona("biller")  # works at another location
    audit_record(action="view", actor=colleague, object_type="patient", object_id=1, patient_id=1)
    audit_record(action="view", actor=stranger, object_type="patient", object_id=2, patient_id=2)
    page = signed_in_client(manager).get("/audit/").content.decode()
    assert "frontdesk" in page
    assert ">biller<" not in page


def test_csv_export_is_complete_and_audited(db):
    officer = persona("compliance")
    for i in range(3):
        audit_record(action="view", actor=officer, object_type="patient", object_id=i, patient_id=i)
    response = signed_in_client(officer).get("/audit/export.csv", {"action": "view"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "seq" and len(rows) == 4
    assert AuditEvent.objects.filter(action="export", actor_username="compliance").exists()


def test_report_command_by_patient_and_user(db, capsys, tmp_path):
    nurse = persona("nurse")
    audit_record(
        action="view",
        actor=nurse,
        object_type="chart",
        object_id=1,
        patient_id=1,
        patient_ref="M0001",
    )
    call_command("audit", "report", "--patient", "M0001")
    out = capsys.readouterr().out
    assert "Who accessed patient M0001" in out and "nurse" in out
    call_command("audit", "report", "--user", "nurse")
    assert "M0001" in capsys.readouterr().out
    target = tmp_path / "report.csv"
    call_command("audit", "report", "--user", "nurse", "--csv", str(target))
    assert "M0001" in target.read_text()


@pytest.mark.urls("medoffice.audit.tests.urls_breakglass")
def test_break_the_glass_flow(db, django_capture_on_commit_callbacks):
    """Admin has BG on the chart: refused, then given access after a reason, flagged for review."""
    persona("compliance").__class__.objects.filter(username="compliance").update(
        email="privacy@example.test"
    )
    admin = persona("admin")
    client = signed_in_client(admin)
    refused = client.get("/test-chart/987653/")
    assert refused.status_code == 403
    assert b"Emergency access (break the glass)" in refused.content

    response = client.post(
        "/audit/emergency/new/",
        {"patient": "987653", "reason": "short", "next": "/test-chart/987653/"},
    )
    assert response.status_code == 400  # a reason of at least 10 characters
    assert not EmergencyAccess.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/audit/emergency/new/",
            {
                "patient": "987653",
                "reason": "Covering on-call: patient in ER asks about meds",
                "next": "/test-chart/987653/",
            },
        )
    assert response.status_code == 302 and response["Location"] == "/test-chart/987653/"
    assert client.get("/test-chart/987653/").content == b"chart of 987653"
    viewed = AuditEvent.objects.filter(object_type="chart", patient_id=987653).get()
    assert viewed.emergency, "reads under emergency access are marked"
    grant = EmergencyAccess.objects.get()
    assert grant.audit_event.emergency and grant.audit_event.reason.startswith("Covering")
    # Compliance hears about it, without PHI in the message (an id no timestamp contains).
    assert len(mail.outbox) == 1 and "987653" not in mail.outbox[0].body
    # The grant is for this patient only.
    assert client.get("/test-chart/987654/").status_code == 403


def test_roles_without_break_glass_cannot_use_it(db):
    with pytest.raises(ValidationError):
        emergency_access_grant(
            actor=persona("frontdesk"), patient_id=1, reason="I would like to look please"
        )


@pytest.mark.urls("medoffice.audit.tests.urls_breakglass")
def test_roles_with_no_chart_access_get_no_break_glass_offer(db):
    response = signed_in_client(persona("hr")).get("/test-chart/42/")
    assert response.status_code == 403
    assert b"break the glass" not in response.content


def test_review_of_emergency_access(db):
    admin = persona("admin")
    officer = persona("compliance")
    grant = emergency_access_grant(
        actor=admin, patient_id=9, reason="Patient collapsed in the waiting room"
    )
    with pytest.raises(ValidationError):
        emergency_access_review(actor=officer, grant=grant, outcome="inappropriate", note="")
    with pytest.raises(AccessDenied):
        emergency_access_review(
            actor=persona("manager"), grant=grant, outcome="appropriate", note=""
        )
    grant.refresh_from_db()
    assert grant.reviewed_at is None, "a refused review changes nothing"
    client = signed_in_client(officer)
    assert b"Patient collapsed" in client.get("/audit/emergency/").content
    client.post(
        f"/audit/emergency/{grant.pk}/review/",
        {"outcome": "appropriate", "note": "Confirmed with ER log"},
    )
    grant.refresh_from_db()
    assert grant.review_outcome == "appropriate" and grant.reviewed_by == officer
    with pytest.raises(ValidationError):
        emergency_access_review(actor=officer, grant=grant, outcome="appropriate", note="again")


def test_flagging_an_entry(db):
    officer = persona("compliance")
    event = audit_record(action="view", actor=persona("nurse"), object_type="chart", patient_id=3)
    client = signed_in_client(officer)
    client.post(
        f"/audit/entries/{event.seq}/flag/", {"note": "Nurse not on this patient's care team"}
    )
    assert event.flags.get().note.startswith("Nurse not")


def test_verify_job_from_the_page(db, django_capture_on_commit_callbacks):
    client = signed_in_client(persona("compliance"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/audit/verify/")
    assert response.status_code == 302
    job_page = client.get(response["Location"]).content.decode()
    assert "Done" in job_page and "&#x27;ok&#x27;: True" in job_page


def test_emergency_access_is_read_only(db):
    from medoffice.core.access import patient_access
    from medoffice.core.permissions import Capability, Need

    admin = persona("admin")
    emergency_access_grant(actor=admin, patient_id=77, reason="Patient unresponsive in the lobby")
    assert patient_access(admin, Capability.CHART, Need.VIEW, 77) == "emergency"
    with pytest.raises(AccessDenied):
        patient_access(admin, Capability.CHART, Need.EDIT, 77)


def test_log_pages_by_position(db):
    officer = persona("compliance")
    for i in range(120):
        audit_record(action="view", actor=officer, object_type="patient", object_id=i, patient_id=i)
    client = signed_in_client(officer)
    first = client.get("/audit/", {"action": "view"})
    page = first.context["page"]
    assert len(page.events) == 50 and page.newer_than is None and page.older_than
    second = client.get("/audit/", {"action": "view", "before": page.older_than}).context["page"]
    assert second.events[0].seq == page.older_than - 1
    third = client.get("/audit/", {"action": "view", "before": second.older_than}).context["page"]
    assert len(third.events) == 20 and third.older_than is None
    back = client.get("/audit/", {"action": "view", "after": third.newer_than}).context["page"]
    assert [e.seq for e in back.events] == [e.seq for e in second.events]


def test_patient_report_uses_the_mrn(db):
    from medoffice.audit.selectors import AuditFilter, audit_events
    from medoffice.patients.tests.search_support import make_patient

    patient = make_patient("Lopez", "Rita")
    audit_record(action="view", actor=persona("nurse"), object_type="chart", patient_id=patient.pk)
    audit_record(
        action="view", actor=persona("nurse"), object_type="chart", patient_id=patient.pk + 1000
    )
    found = audit_events(AuditFilter(patient=patient.mrn))
    assert [e.patient_id for e in found] == [patient.pk]
    assert (
        "patient_id" in str(found.query) and "patient_ref" not in str(found.query).split("WHERE")[1]
    )
