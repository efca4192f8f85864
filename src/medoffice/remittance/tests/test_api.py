"""The remittance JSON API: files (list, detail, upload with the import's summary; a rejected
file is a 422 naming the segment and line; a re-import is a duplicate that posts nothing), the
unmatched queue and the denials worklist with its filters. Billing office only: the manager
and compliance read, the biller also uploads, every other role is refused and nothing changes."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from medoffice.accounts.services import api_token_create
from medoffice.audit.models import AuditEvent
from medoffice.billing.models import Journal, Posting
from medoffice.remittance.models import DenialWork, RemittanceClaim, RemittanceFile
from medoffice.remittance.services_appeals import appeal_letter_create
from medoffice.remittance.tests.conftest import cast, clp, era, svc

READERS = ["manager", "compliance"]
REFUSED = ["admin", "frontdesk", "clinician", "nurse", "hr", "purchasing"]
JSON = "application/json"


def api(user) -> Client:
    _, raw = api_token_create(actor=user, user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def paid_era(claim) -> bytes:
    pcn = claim.patient_control_number
    return era(
        clp(pcn, "1", "168", "86", "19",
            svc("99213", "150", "76", "CO*45*55", "PR*2*19", control=f"{pcn}-1", modifiers="25"),
            svc("36415", "18", "10", "CO*45*8", control=f"{pcn}-2")),
        total="86", trace="EFT1001",
    )  # fmt: skip


def denied_era(claim) -> bytes:
    """99213 denied for CO-197; 36415 denied with CO-16 and CO-45 of the same amount (the
    first of equals is the reason: 16)."""
    pcn = claim.patient_control_number
    return era(
        clp(pcn, "4", "168", "0", "0",
            svc("99213", "150", "0", "CO*197*150", control=f"{pcn}-1", modifiers="25"),
            svc("36415", "18", "0", "CO*16*9", "CO*45*9", control=f"{pcn}-2"), moa="N130"),
        total="0", trace="CHK0",
    )  # fmt: skip


def lost_era() -> bytes:
    return era(
        clp("LOST0001", "1", "100", "40", "0", svc("99213", "100", "40", "CO*45*60")),
        total="40", trace="EFT404",
    )  # fmt: skip


def test_upload_list_and_detail(claim, biller, patient):
    client = api(biller)
    response = client.post("/api/remittance/files",
                           {"name": "empire.835", "content": paid_era(claim).decode()},
                           content_type=JSON)  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    file = RemittanceFile.objects.get()
    assert body["file_id"] == file.pk and body["status"] == "posted"
    assert (body["claims_posted"], body["lines_posted"], body["claims_unmatched"]) == (1, 2, 0)
    assert body["paid"] == "86.00" and body["summary"].startswith("posted 1 claims / 2 lines")
    listed = client.get("/api/remittance/files").json()
    assert listed["count"] == 1 and listed["items"][0]["name"] == "empire.835"
    assert listed["items"][0]["uploaded_by"] == "biller"
    assert listed["items"][0]["amount_paid"] == "86.00"
    assert client.get("/api/remittance/files?status=rejected").json()["count"] == 0
    detail = client.get(f"/api/remittance/files/{file.pk}").json()
    (remittance,) = detail["remittances"]
    assert remittance["trace_number"] == "EFT1001" and remittance["amount"] == "86.00"
    (rc,) = remittance["claims"]
    assert rc["matched"] and rc["claim_id"] == claim.pk and rc["patient_id"] == patient.pk
    assert rc["status"] == "posted" and rc["paid"] == "86.00"
    assert rc["payer_claim_number"] == f"PAYER{claim.patient_control_number}"
    assert [ln["procedure_code"] for ln in rc["lines"]] == ["99213", "36415"]
    assert rc["lines"][0]["adjustments"] == [
        {"group": "CO", "reason": "45", "amount": "55.00"},
        {"group": "PR", "reason": "2", "amount": "19.00"},
    ]
    assert AuditEvent.objects.filter(action="view", object_type="remittance_file",
                                     object_id=str(file.pk)).exists()  # fmt: skip
    assert AuditEvent.objects.filter(action="view_list", patient_id=patient.pk,
                                     details__view="api_remittance_file").exists()  # fmt: skip
    assert client.get("/api/remittance/files/999999").status_code == 404


def test_base64_upload_and_a_reimport_posts_nothing(claim, biller):
    client = api(biller)
    encoded = base64.b64encode(paid_era(claim)).decode()
    first = client.post("/api/remittance/files", {"name": "a.835", "content_base64": encoded},
                        content_type=JSON)  # fmt: skip
    assert first.status_code == 201
    postings = Posting.objects.count()
    again = client.post("/api/remittance/files", {"name": "again.835", "content_base64": encoded},
                        content_type=JSON)  # fmt: skip
    assert again.status_code == 200
    body = again.json()
    assert body["status"] == "duplicate" and body["already_imported"] == 1
    assert body["claims_posted"] == 0 and body["summary"] == "already imported (nothing posted)"
    assert Posting.objects.count() == postings and RemittanceClaim.objects.count() == 1


def test_a_rejected_file_is_a_422_naming_the_segment(claim, biller):
    client = api(biller)
    broken = paid_era(claim).replace(b"CLP*", b"CLP**", 1).decode()
    response = client.post("/api/remittance/files", {"name": "bad.835", "content": broken},
                           content_type=JSON)  # fmt: skip
    assert response.status_code == 422
    body = response.json()
    file = RemittanceFile.objects.get()
    assert body["status"] == "rejected" and body["file_id"] == file.pk
    assert "CLP" in body["detail"] and "line" in body["detail"] and body["detail"] == file.error
    assert not Journal.objects.filter(source="era").exists()
    assert client.get("/api/remittance/files?status=rejected").json()["count"] == 1


def test_bad_bodies_are_400_and_change_nothing(claim, biller):
    client = api(biller)
    for payload in (None, {}, {"content": "ISA*", "content_base64": "SVNB"},
                    {"content_base64": "not base64!"}):  # fmt: skip
        if payload is None:
            response = client.post("/api/remittance/files")
        else:
            response = client.post("/api/remittance/files", payload, content_type=JSON)
        assert response.status_code == 400, payload
        assert response.json()["detail"]
    assert client.get("/api/remittance/files?limit=0").status_code == 400
    assert client.get("/api/remittance/files?status=lost").status_code == 400
    assert not RemittanceFile.objects.exists()


def test_unmatched_queue(claim, biller):
    client = api(biller)
    client.post("/api/remittance/files", {"content": lost_era().decode()}, content_type=JSON)
    page = client.get("/api/remittance/unmatched").json()
    assert page["count"] == 1
    (item,) = page["items"]
    assert item["patient_control_number"] == "LOST0001" and not item["matched"]
    assert item["claim_id"] is None and item["status"] == "unmatched"
    assert item["payer_name"] == "EMPIRE PLAN" and item["trace_number"] == "EFT404"
    assert "LOST0001" in item["unmatched_reason"] and item["lines"][0]["paid"] == "40.00"
    assert AuditEvent.objects.filter(action="view_list", object_type="remittance_claim",
                                     details__view="api_remittance_unmatched").exists()  # fmt: skip
    assert client.get("/api/remittance/unmatched?offset=-1").status_code == 400


def test_denials_worklist_filters_and_pages(claim, biller, office, patient):
    client = api(biller)
    client.post("/api/remittance/files", {"content": denied_era(claim).decode()}, content_type=JSON)
    works = {w.line.procedure_code: w for w in DenialWork.objects.select_related("line")}
    letter = appeal_letter_create(work_id=works["99213"].pk, actor=biller)

    def ids(query: str = "") -> list[int]:
        response = client.get(f"/api/remittance/denials{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    both = sorted(w.pk for w in works.values())
    assert sorted(ids()) == both
    page = client.get("/api/remittance/denials").json()
    first = next(i for i in page["items"] if i["procedure_code"] == "99213")
    assert first["reason"] == "197" and first["action"] == "appeal" and first["status"] == "open"
    assert first["denial"] == "full" and first["patient_id"] == patient.pk
    assert first["payer"] == "Empire Plan" and first["claim_id"] == claim.pk
    assert first["remarks"][0]["code"] == "N130" and first["appeal_letter_ids"] == [letter.pk]
    assert ids("?reason=197") == [works["99213"].pk] == ids("?reason=CO-197")
    assert ids("?reason=PR-197") == []
    assert ids("?reason=16") == [works["36415"].pk]
    assert ids("?reason=45") == [], "CO-45 ties with CO-16 on the line: the first is the reason"
    assert ids("?action=correct") == [works["36415"].pk]
    assert ids("?status=done") == []
    assert sorted(ids(f"?payer_id={office['primary_payer'].pk}&status=open")) == both
    assert ids(f"?payer_id={office['secondary_payer'].pk}") == []
    paged = client.get("/api/remittance/denials?limit=1&offset=1").json()
    assert paged["count"] == 2 and len(paged["items"]) == 1
    assert client.get("/api/remittance/denials?status=later").status_code == 400
    assert client.get("/api/remittance/denials?action=pray").status_code == 400
    assert AuditEvent.objects.filter(action="view_list", patient_id=patient.pk,
                                     details__view="api_remittance_denials").exists()  # fmt: skip


@pytest.mark.parametrize("role", READERS)
def test_readers_read_but_cannot_upload(claim, biller, role):
    api(biller).post("/api/remittance/files", {"content": denied_era(claim).decode()},
                     content_type=JSON)  # fmt: skip
    file = RemittanceFile.objects.get()
    client = api(cast(role))
    for path in ("/api/remittance/files", f"/api/remittance/files/{file.pk}",
                 "/api/remittance/unmatched", "/api/remittance/denials"):  # fmt: skip
        assert client.get(path).status_code == 200, path
    assert client.get("/api/remittance/denials").json()["count"] == 2
    response = client.post("/api/remittance/files", {"content": lost_era().decode()},
                           content_type=JSON)  # fmt: skip
    assert response.status_code == 403 and response.json()["detail"]
    assert (
        RemittanceFile.objects.count() == 1
        and not RemittanceClaim.objects.filter(patient_control_number="LOST0001").exists()
    )


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_are_refused_and_nothing_changes(claim, biller, role):
    api(biller).post("/api/remittance/files", {"content": denied_era(claim).decode()},
                     content_type=JSON)  # fmt: skip
    file = RemittanceFile.objects.get()
    before = (RemittanceFile.objects.count(), Posting.objects.count(), DenialWork.objects.count())
    client = api(cast(role))
    for path in ("/api/remittance/files", f"/api/remittance/files/{file.pk}",
                 "/api/remittance/unmatched", "/api/remittance/denials"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 403 and response.json()["detail"], path
    response = client.post("/api/remittance/files", {"content": lost_era().decode()},
                           content_type=JSON)  # fmt: skip
    assert response.status_code == 403
    assert (RemittanceFile.objects.count(), Posting.objects.count(),
            DenialWork.objects.count()) == before  # fmt: skip
    assert Client().get("/api/remittance/denials").status_code == 401


def test_the_operations_are_documented_in_openapi(db):
    schema = Client().get("/api/openapi.json").json()
    paths = {path for path in schema["paths"] if path.startswith("/api/remittance/")}
    assert paths == {
        "/api/remittance/files",
        "/api/remittance/files/{file_id}",
        "/api/remittance/unmatched",
        "/api/remittance/denials",
    }
    upload = schema["paths"]["/api/remittance/files"]["post"]
    assert {"200", "201", "400", "422"} <= set(upload["responses"])
    assert Client().get("/api/docs").status_code == 200
