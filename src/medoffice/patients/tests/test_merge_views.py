"""The merge pages: pick two records, see everything that moves, propose, review, run."""

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.chart.models import Encounter
from medoffice.patients.models import MergeStatus, Patient, PatientMerge, PatientStatus
from medoffice.patients.tests.search_support import add_coverage, make_patient
from medoffice.patients.tests.test_merge import WHEN
from medoffice.testing.factories import LocationFactory
from medoffice.testing.personas import persona, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    target = make_patient("Smith", "John", "1980-03-04")
    source = make_patient("Smyth", "Jon", "1980-03-04", email="jon@example.test")
    add_coverage(source, "XK9-1")
    Encounter.objects.create(patient=source, start=WHEN)
    return source, target


def test_pick_by_mrn(pair):
    source, target = pair
    client = signed_in_client(persona("frontdesk"))
    assert "MRN of the duplicate" in client.get("/patients/merges/new/").content.decode()
    response = client.get(
        "/patients/merges/new/", {"source_mrn": source.mrn, "target_mrn": "9999999"}
    )
    assert response.status_code == 400 and "No patient has MRN 9999999" in response.content.decode()
    response = client.get(
        "/patients/merges/new/", {"source_mrn": source.mrn, "target_mrn": target.mrn}
    )
    assert response.status_code == 200 and "Propose a merge" in response.content.decode()


def test_proposal_page_shows_both_records_and_what_moves(pair):
    source, target = pair
    client = signed_in_client(persona("frontdesk"))
    response = client.get("/patients/merges/new/", {"source": source.pk, "target": target.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Smyth, Jon" in page and "Smith, John" in page
    assert "Coverages" in page and "Encounters" in page
    assert "jon@example.test" in page  # the e-mail the target lacks, to be copied
    assert f"?source={target.pk}&amp;target={source.pk}" in page  # swap
    shown = AuditEvent.objects.filter(action="view_list", details__view="merge_new")
    assert {e.patient_id for e in shown} == {source.pk, target.pk}


def test_propose_review_run(pair):
    source, target = pair
    proposer = signed_in_client(persona("frontdesk"))
    response = proposer.post(
        "/patients/merges/new/",
        {"source": source.pk, "target": target.pk, "reason": "Registered twice"},
    )
    merge = PatientMerge.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/patients/merges/{merge.pk}/"
    page = proposer.get(response["Location"]).content.decode()
    assert "Waiting for review" in page and "Run the merge" in page
    assert "You proposed this merge" in page

    # A colleague runs it.
    reviewer = signed_in_client(persona("frontdesk", username="desk2", location=LocationFactory()))
    response = reviewer.post(f"/patients/merges/{merge.pk}/execute/")
    assert response.status_code == 302
    merge.refresh_from_db()
    assert merge.status == MergeStatus.DONE and merge.decided_by.username == "desk2"
    assert merge.proposed_by.username == "frontdesk"
    page = reviewer.get(f"/patients/merges/{merge.pk}/").content.decode()
    assert "What was done" in page and "Encounters" in page and "Run the merge" not in page
    assert Patient.objects.get(pk=source.pk).status == PatientStatus.MERGED
    # Running it again changes nothing and says so.
    response = reviewer.post(f"/patients/merges/{merge.pk}/execute/", follow=True)
    assert "already been run" in response.content.decode()


def test_cancel(pair):
    source, target = pair
    client = signed_in_client(persona("frontdesk"))
    client.post(
        "/patients/merges/new/", {"source": source.pk, "target": target.pk, "reason": "dup"}
    )
    merge = PatientMerge.objects.get()
    client.post(f"/patients/merges/{merge.pk}/cancel/")
    merge.refresh_from_db()
    assert merge.status == MergeStatus.CANCELLED
    assert "was cancelled" in client.get(f"/patients/merges/{merge.pk}/").content.decode()


def test_bad_proposals_answer_400_and_change_nothing(pair):
    source, target = pair
    client = signed_in_client(persona("frontdesk"))
    assert client.post("/patients/merges/new/", {"source": "x"}).status_code == 400
    same = {"source": source.pk, "target": source.pk, "reason": "dup"}
    response = client.post("/patients/merges/new/", same)
    assert (
        response.status_code == 400 and "cannot be merged into itself" in response.content.decode()
    )
    no_reason = {"source": source.pk, "target": target.pk, "reason": ""}
    assert client.post("/patients/merges/new/", no_reason).status_code == 400
    assert not PatientMerge.objects.exists()
    missing = {"source": source.pk, "target": 999999, "reason": "dup"}
    assert client.post("/patients/merges/new/", missing).status_code == 404


def test_manager_reviews_but_cannot_run(pair):
    source, target = pair
    signed_in_client(persona("frontdesk")).post(
        "/patients/merges/new/", {"source": source.pk, "target": target.pk, "reason": "dup"}
    )
    merge = PatientMerge.objects.get()
    manager = signed_in_client(persona("manager"))
    page = manager.get(f"/patients/merges/{merge.pk}/").content.decode()
    assert "Only the front desk" in page and "Run the merge" not in page
    assert manager.post(f"/patients/merges/{merge.pk}/execute/").status_code == 403
    assert manager.post(f"/patients/merges/{merge.pk}/cancel/").status_code == 403
    assert manager.get("/patients/merges/new/").status_code == 403
    merge.refresh_from_db()
    assert merge.status == MergeStatus.PROPOSED
    assert Encounter.objects.get().patient_id == source.pk


def test_reading_a_merged_record_leads_to_the_survivor(db):
    from medoffice.patients.models import Patient
    from medoffice.testing.personas import persona, signed_in_client

    from .search_support import make_patient

    survivor = make_patient("Keep", "Anna")
    merged = make_patient("Kepe", "Anna")
    Patient.objects.filter(pk=merged.pk).update(status="merged", merged_into=survivor)
    client = signed_in_client(persona("frontdesk"))
    response = client.get(f"/patients/{merged.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/patients/{survivor.pk}/"
    clinician = signed_in_client(persona("clinician"))
    response = clinician.get(f"/chart/patients/{merged.pk}/")
    assert response.status_code == 302 and str(survivor.pk) in response["Location"]
