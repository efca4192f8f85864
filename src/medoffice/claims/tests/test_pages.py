"""The charge and claim pages and API for each role: billers work, the manager and compliance
read, a clinician sees their own, the other roles are refused; reads are audited."""

from __future__ import annotations

import pytest

from medoffice.accounts.services import api_token_create
from medoffice.audit.models import AuditEvent
from medoffice.claims.models import ChargeLine, Claim, ClaimStatus, ClaimStatusChange
from medoffice.claims.services import (
    charges_capture,
    claim_transition,
    claims_build_for_encounter,
)
from medoffice.claims.tests.conftest import add_coverage, make_encounter, visit_lines

DENIED = ["frontdesk", "nurse", "hr", "purchasing"]
READERS = ["manager", "compliance"]


@pytest.fixture
def billed(office, patient, encounter, biller):
    """A claim for the clinician's encounter, and a second patient's claim for another doctor."""
    add_coverage(patient, office["primary_payer"])
    charges_capture(encounter=encounter, lines=visit_lines(), actor=biller)
    claim = claims_build_for_encounter(encounter=encounter, actor=biller).claim
    from medoffice.scheduling.tests.conftest import make_patient

    other_patient = make_patient(family="Ibsen", given="Ola")
    add_coverage(other_patient, office["primary_payer"], member="M2")
    theirs = make_encounter(office, other_patient, provider=office["other"])
    charges_capture(encounter=theirs, lines=visit_lines(), actor=biller)
    other_claim = claims_build_for_encounter(encounter=theirs, actor=biller).claim
    return {"claim": claim, "other_claim": other_claim, "other_encounter": theirs}


def _counts():
    return (ChargeLine.objects.count(), Claim.objects.count(), ClaimStatusChange.objects.count(),
            list(Claim.objects.values_list("status", flat=True)))  # fmt: skip


def test_biller_captures_bills_and_moves_a_claim(office, patient, encounter, as_role):
    add_coverage(patient, office["primary_payer"])
    _biller, client = as_role("biller")
    review = client.get("/claims/charges/")
    assert review.status_code == 200 and b"Okafor" in review.content
    assert AuditEvent.objects.filter(
        action="view_list", patient_id=patient.pk, details__view="charge_review"
    ).exists()
    page = client.get(f"/claims/encounters/{encounter.pk}/")
    assert (
        page.status_code == 200 and b"E11.9" in page.content and b"Capture charges" in page.content
    )
    assert AuditEvent.objects.filter(action="view", object_type="encounter_charges").exists()
    data = {
        "line-TOTAL_FORMS": "2", "line-INITIAL_FORMS": "0",
        "line-0-procedure_code": "99213", "line-0-units": "1", "line-0-pointers": "1,2",
        "line-0-modifiers": "25",
        "line-1-procedure_code": "36415", "line-1-units": "1", "line-1-pointers": "1",
        "line-1-billed_amount": "18.00",
    }  # fmt: skip
    assert client.post(f"/claims/encounters/{encounter.pk}/capture/", data).status_code == 302
    assert ChargeLine.objects.filter(encounter=encounter).count() == 2
    bad = dict(data, **{"line-0-pointers": "7"})
    response = client.post(f"/claims/encounters/{encounter.pk}/capture/", bad)
    assert response.status_code == 400 and b"pointer 7 names no diagnosis" in response.content
    assert ChargeLine.objects.filter(encounter=encounter).count() == 2
    response = client.post(f"/claims/encounters/{encounter.pk}/bill/")
    claim = Claim.objects.get()
    assert response["Location"] == f"/claims/{claim.pk}/"
    detail = client.get(f"/claims/{claim.pk}/")
    assert detail.status_code == 200 and b"Change status" in detail.content
    assert claim.patient_control_number.encode() in detail.content
    response = client.post(
        f"/claims/{claim.pk}/transition/", {"to": "scrubbed", "seen_status": "draft"}
    )
    assert response.status_code == 302
    assert Claim.objects.get().status == ClaimStatus.SCRUBBED
    # The same form sent again from the stale page moves nothing.
    client.post(
        f"/claims/{claim.pk}/transition/", {"to": "closed", "reason": "x", "seen_status": "draft"}
    )
    assert Claim.objects.get().status == ClaimStatus.SCRUBBED


def test_worklist_filters_counts_and_audits(office, billed, as_role):
    _, client = as_role("biller")
    response = client.get("/claims/")
    assert response.status_code == 200
    assert b"Okafor" in response.content and b"Ibsen" in response.content
    assert response.context["counts"][0] == ("draft", "Draft", 2)
    shown = AuditEvent.objects.filter(action="view_list", details__view="claim_worklist")
    assert shown.count() == 2
    only = client.get(
        f"/claims/?provider={office['other_provider'].pk}", headers={"HX-Request": "true"}
    )
    assert b"Ibsen" in only.content and b"Okafor" not in only.content
    assert b"<h1>" not in only.content  # the table only, for htmx
    none = client.get("/claims/?status=paid")
    assert b"No claims match" in none.content


def test_superbill_pdf_is_audited_as_a_print(office, billed, encounter, as_role):
    _, client = as_role("biller")
    response = client.get(f"/claims/encounters/{encounter.pk}/superbill.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    entry = AuditEvent.objects.get(action="print", object_type="superbill")
    assert entry.patient_id == encounter.patient_id and entry.object_id == str(encounter.pk)


@pytest.mark.parametrize("role", READERS)
def test_readers_see_but_change_nothing(office, billed, encounter, as_role, role):
    _, client = as_role(role)
    claim = billed["claim"]
    assert client.get("/claims/").status_code == 200
    detail = client.get(f"/claims/{claim.pk}/")
    assert detail.status_code == 200 and b"Change status" not in detail.content
    assert client.get(f"/claims/encounters/{encounter.pk}/").status_code == 200
    assert client.get(f"/claims/encounters/{encounter.pk}/superbill.pdf").content.startswith(
        b"%PDF"
    )
    before = _counts()
    assert client.post(f"/claims/{claim.pk}/transition/", {"to": "scrubbed"}).status_code == 403
    assert client.post(f"/claims/encounters/{encounter.pk}/bill/").status_code == 403
    assert _counts() == before


@pytest.mark.parametrize("role", DENIED)
def test_other_roles_are_refused_everywhere(office, billed, encounter, as_role, role):
    _, client = as_role(role)
    claim = billed["claim"]
    before = _counts()
    for url in ("/claims/", f"/claims/{claim.pk}/", "/claims/charges/",
                f"/claims/encounters/{encounter.pk}/", f"/claims/encounters/{encounter.pk}/superbill.pdf"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert client.post(f"/claims/{claim.pk}/transition/", {"to": "scrubbed"}).status_code == 403
    assert _counts() == before
    reads = AuditEvent.objects.filter(
        actor_username=role, action__in=["view", "view_list", "print"]
    )
    assert not reads.exists()


def test_a_clinician_sees_only_their_own(office, billed, encounter, as_role):
    _clinician, client = as_role("clinician")
    mine, theirs = billed["claim"], billed["other_claim"]
    listing = client.get("/claims/")
    assert b"Okafor" in listing.content and b"Ibsen" not in listing.content
    assert client.get(f"/claims/{mine.pk}/").status_code == 200
    assert client.get(f"/claims/{theirs.pk}/").status_code == 404
    assert client.get(f"/claims/encounters/{billed['other_encounter'].pk}/").status_code == 404
    before = _counts()
    # Claims are moved by the billing office, even the clinician's own.
    assert client.post(f"/claims/{mine.pk}/transition/", {"to": "scrubbed"}).status_code == 403
    assert _counts() == before


def _api(user):
    from django.test import Client

    _, raw = api_token_create(actor=user, user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_api_list_detail_transition(office, billed, as_role):
    biller, _ = as_role("biller")
    api = _api(biller)
    claim = billed["claim"]
    page = api.get("/api/claims/?limit=1").json()
    assert page["count"] == 2 and len(page["items"]) == 1
    detail = api.get(f"/api/claims/{claim.pk}").json()
    assert detail["patient_control_number"] == claim.patient_control_number
    assert [ln["procedure_code"] for ln in detail["lines"]] == ["99213", "36415"]
    assert detail["allowed_next"] == ["scrubbed", "closed"]
    moved = api.post(
        f"/api/claims/{claim.pk}/transition", {"to": "scrubbed"}, content_type="application/json"
    )
    assert moved.status_code == 200 and moved.json()["status"] == "scrubbed"
    illegal = api.post(
        f"/api/claims/{claim.pk}/transition", {"to": "paid"}, content_type="application/json"
    )
    assert illegal.status_code == 400 and "cannot become paid" in illegal.json()["detail"]
    stale = api.post(
        f"/api/claims/{claim.pk}/transition", {"to": "closed", "reason": "dup", "from_status": "draft"},
        content_type="application/json",
    )  # fmt: skip
    assert stale.status_code == 400 and "changed meanwhile" in stale.json()["detail"]
    assert api.get("/api/claims/?status=lost").status_code == 400
    assert api.get("/api/claims/999999").status_code == 404
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SCRUBBED


def test_api_per_role(office, billed, as_role):
    claim = billed["claim"]
    clinician, _ = as_role("clinician")
    mine = _api(clinician).get("/api/claims/").json()
    assert [c["id"] for c in mine["items"]] == [claim.pk]
    assert _api(clinician).get(f"/api/claims/{billed['other_claim'].pk}").status_code == 404
    manager, _ = as_role("manager")
    before = _counts()
    refused = _api(manager).post(
        f"/api/claims/{claim.pk}/transition", {"to": "scrubbed"}, content_type="application/json"
    )
    assert refused.status_code == 403 and "detail" in refused.json()
    nurse, _ = as_role("nurse")
    assert _api(nurse).get("/api/claims/").status_code == 403
    assert _counts() == before


@pytest.mark.parametrize("role", ["biller", *READERS])
def test_claim_page_links_the_patients_ledger(office, billed, as_role, role):
    _, client = as_role(role)
    claim = billed["claim"]
    link = f'href="/billing/patients/{claim.patient_id}/ledger/"'.encode()
    assert link in client.get(f"/claims/{claim.pk}/").content
    assert client.get(f"/billing/patients/{claim.patient_id}/ledger/").status_code == 200


def test_clinician_gets_no_ledger_link_on_their_own_claim(office, billed, as_role):
    # Clinicians hold billing for their own records only; the practice's ledger is not one.
    _, client = as_role("clinician")
    claim = billed["claim"]
    page = client.get(f"/claims/{claim.pk}/")
    assert page.status_code == 200 and b"/ledger/" not in page.content
    assert client.get(f"/billing/patients/{claim.patient_id}/ledger/").status_code == 403


def test_status_history_shows_the_detail_in_words(office, billed, as_role):
    biller, client = as_role("biller")
    claim = claim_transition(
        claim=billed["claim"], to="scrubbed", actor=biller,
        detail={"carc": ["CO-45", "PR-2"], "rarc": [], "isa13": 7},
    )  # fmt: skip
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "<small>carc CO-45, PR-2; isa13 7</small>" in page
    assert "['CO-45'" not in page and "rarc" not in page


def test_bill_the_next_payer_only_when_there_is_one(office, billed, patient, as_role):
    biller, client = as_role("biller")
    claim = billed["claim"]
    for step in ("scrubbed", "ready", "submitted", "accepted", "paid"):
        claim = claim_transition(claim=claim, to=step, actor=biller)
    # Only the primary coverage: nobody left to bill, so no button that can only fail.
    assert b'id="build-secondary"' not in client.get(f"/claims/{claim.pk}/").content
    add_coverage(patient, office["secondary_payer"], priority=2, member="S1")
    assert b'id="build-secondary"' in client.get(f"/claims/{claim.pk}/").content
