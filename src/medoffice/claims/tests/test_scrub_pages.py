"""Scrubbing from the pages and the API, per role: billers scrub one claim or many and edit the
payers' settings; the manager and compliance read (their POSTs are refused and change nothing);
a clinician sees their own claims' findings but scrubs nothing; other roles are refused."""

from __future__ import annotations

import pytest

from medoffice.claims.models import Claim, ClaimFinding, ClaimStatus, PayerClaimRules
from medoffice.claims.tests.conftest import add_coverage, make_encounter
from medoffice.claims.tests.test_pages import _api
from medoffice.claims.tests.test_scrubbing import bill, payable  # noqa: F401 (fixture)
from medoffice.scheduling.tests.conftest import make_patient

DENIED = ["frontdesk", "nurse", "hr", "purchasing"]
READERS = ["manager", "compliance"]


@pytest.fixture
def claims(payable, patient, biller):  # noqa: F811
    """A clean claim of the clinician's; one of another doctor's with a place of service 00."""
    mine = bill(payable, patient, biller)
    other = make_patient(family="Ibsen", given="Ola")
    add_coverage(other, payable["primary_payer"], member="M2")
    theirs = bill(
        payable, other, biller, encounter=make_encounter(payable, other, provider=payable["other"])
    )
    theirs.lines.update(place_of_service="00")
    return {"mine": mine, "theirs": theirs}


def _state():
    return (
        sorted(Claim.objects.values_list("pk", "status", "first_scrub_clean")),
        ClaimFinding.objects.count(),
        list(PayerClaimRules.objects.values_list("payer_id", "disabled_rules")),
    )


def test_biller_scrubs_a_claim_from_its_page(claims, as_role):
    _, client = as_role("biller")
    theirs = claims["theirs"]
    page = client.get(f"/claims/{theirs.pk}/")
    assert b"Not scrubbed yet" in page.content and b'id="scrub-claim"' in page.content
    response = client.post(f"/claims/{theirs.pk}/scrub/", {"seen_status": "draft"})
    assert response.status_code == 302 and response["Location"] == f"/claims/{theirs.pk}/"
    page = client.get(f"/claims/{theirs.pk}/")
    assert b"POS001" in page.content and b"place of service" in page.content
    assert b"Scrub again" in page.content and b"error(s) to fix" in page.content
    assert Claim.objects.get(pk=theirs.pk).status == ClaimStatus.SCRUBBED
    # The form of a page drawn before the claim moved scrubs nothing.
    Claim.objects.filter(pk=theirs.pk).update(status=ClaimStatus.READY)
    client.post(f"/claims/{theirs.pk}/scrub/", {"seen_status": "scrubbed"})
    assert Claim.objects.get(pk=theirs.pk).status == ClaimStatus.READY


def test_worklist_bulk_scrub_counts_filter_and_rate(claims, as_role):
    _, client = as_role("biller")
    htmx = {"HX-Request": "true"}
    response = client.post("/claims/scrub/", {"all_drafts": "1"}, headers=htmx)
    assert response.status_code == 200
    assert b"2 claim(s) scrubbed: 1 ready, 1 with errors" in response.content
    assert b"<h1>" not in response.content  # the table only, for htmx
    assert b"2 errors" in response.content  # POS001 on each of its two lines
    assert response.context["clean_rate"].percent == "50%"
    errors = client.get("/claims/?has_errors=on")
    assert b"Ibsen" in errors.content and b"Okafor" not in errors.content
    assert b"50%" in client.get("/claims/").content
    later = client.get("/claims/?date_from=2026-04-01").context["clean_rate"]
    assert (later.scrubbed, later.percent) == (0, "—")  # the rate follows the filtered period
    # Ticked claims only; nothing ticked is a message, not a scrub.
    empty = client.post("/claims/scrub/", {}, headers=htmx)
    assert empty.status_code == 400 and b"Tick the claims" in empty.content
    junk = client.post("/claims/scrub/", {"claim": ["x"]}, headers=htmx)
    assert junk.status_code == 400 and b"Claim ids are numbers" in junk.content
    theirs = claims["theirs"]
    theirs.lines.update(place_of_service="11")
    fixed = client.post("/claims/scrub/", {"claim": [theirs.pk]}, headers=htmx)
    assert b"1 claim(s) scrubbed: 1 ready" in fixed.content
    assert Claim.objects.get(pk=theirs.pk).status == ClaimStatus.READY
    assert not client.get("/claims/?has_errors=on").context["page"].object_list


def test_biller_edits_payer_rules(claims, office, as_role):
    _, client = as_role("biller")
    payer = office["primary_payer"]
    assert b"Empire Plan" in client.get("/claims/payers/").content
    page = client.get(f"/claims/payers/{payer.pk}/")
    assert page.status_code == 200 and b"MOD003" in page.content
    response = client.post(
        f"/claims/payers/{payer.pk}/save/",
        {"disabled_rules": ["POS001"], "referral_required": "on", "referral_codes": "99213, 36415"},
    )
    assert response.status_code == 302
    rules = PayerClaimRules.objects.get(payer=payer)
    assert rules.disabled_rules == ["POS001"] and rules.referral_codes == ["36415", "99213"]
    bad = client.post(f"/claims/payers/{payer.pk}/save/", {"referral_codes": "9"})
    assert bad.status_code == 400 and b"five letters or digits" in bad.content
    assert PayerClaimRules.objects.get(payer=payer).referral_codes == ["36415", "99213"]
    # The settings are honoured on the next scrub: POS001 off, a referral now missing.
    client.post("/claims/scrub/", {"claim": [claims["theirs"].pk]})
    found = set(
        ClaimFinding.objects.filter(claim=claims["theirs"]).values_list("rule_id", flat=True)
    )
    assert found == {"REF001"}


@pytest.mark.parametrize("role", READERS)
def test_readers_see_findings_and_settings_but_change_nothing(claims, office, as_role, role):
    biller_client = as_role("biller")[1]
    biller_client.post(f"/claims/{claims['theirs'].pk}/scrub/")
    _, client = as_role(role)
    theirs = claims["theirs"]
    page = client.get(f"/claims/{theirs.pk}/")
    assert b"POS001" in page.content and b'id="scrub-claim"' not in page.content
    listing = client.get("/claims/")
    assert b"Scrub all draft claims" not in listing.content and b"2 errors" in listing.content
    settings_page = client.get(f"/claims/payers/{office['primary_payer'].pk}/")
    assert settings_page.status_code == 200 and b" disabled>" in settings_page.content
    before = _state()
    assert client.post(f"/claims/{claims['mine'].pk}/scrub/").status_code == 403
    assert client.post("/claims/scrub/", {"all_drafts": "1"}).status_code == 403
    saved = client.post(
        f"/claims/payers/{office['primary_payer'].pk}/save/", {"disabled_rules": ["POS001"]}
    )
    assert saved.status_code == 403
    api = _api(as_role(role)[0])
    refused = api.post("/api/claims/scrub", {"all_drafts": True}, content_type="application/json")
    assert refused.status_code == 403
    assert _state() == before


def test_a_clinician_sees_their_own_findings_and_scrubs_nothing(claims, as_role):
    _, client = as_role("clinician")
    mine, theirs = claims["mine"], claims["theirs"]
    assert client.get(f"/claims/{mine.pk}/").status_code == 200
    assert client.get(f"/claims/{theirs.pk}/").status_code == 404
    listing = client.get("/claims/")
    assert b"Okafor" in listing.content and b"Scrub selected" not in listing.content
    before = _state()
    assert client.post(f"/claims/{mine.pk}/scrub/").status_code == 403
    assert client.post(f"/claims/{theirs.pk}/scrub/").status_code == 404
    assert client.post("/claims/scrub/", {"claim": [mine.pk]}).status_code == 403
    # Another doctor's claim is not found among the clinician's: nothing is scrubbed.
    assert client.post("/claims/scrub/", {"claim": [theirs.pk]}).status_code == 302
    assert client.post(f"/claims/payers/{mine.payer_id}/save/", {}).status_code == 403
    api = _api(as_role("clinician")[0])
    refused = api.post(
        "/api/claims/scrub", {"claim_ids": [mine.pk]}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert _state() == before


@pytest.mark.parametrize("role", DENIED)
def test_other_roles_are_refused(claims, office, as_role, role):
    user, client = as_role(role)
    before = _state()
    mine = claims["mine"]
    for url in ("/claims/payers/", f"/claims/payers/{office['primary_payer'].pk}/"):
        assert client.get(url).status_code == 403, url
    for url in (f"/claims/{mine.pk}/scrub/", "/claims/scrub/",
                f"/claims/payers/{office['primary_payer'].pk}/save/"):  # fmt: skip
        assert client.post(url, {"all_drafts": "1"}).status_code == 403, url
    refused = _api(user).post(
        "/api/claims/scrub", {"all_drafts": True}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert _state() == before


def test_api_scrub(claims, as_role):
    biller, _ = as_role("biller")
    api = _api(biller)
    mine, theirs = claims["mine"], claims["theirs"]
    assert api.post("/api/claims/scrub", {}, content_type="application/json").status_code == 400
    missing = api.post(
        "/api/claims/scrub", {"claim_ids": [mine.pk, 999999]}, content_type="application/json"
    )
    assert missing.status_code == 404 and not ClaimFinding.objects.exists()
    response = api.post(
        "/api/claims/scrub", {"claim_ids": [theirs.pk, mine.pk]}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["scrubbed"], body["ready"], body["with_errors"]) == (2, 1, 1)
    first = body["claims"][0]
    assert first["claim_id"] == theirs.pk and first["status"] == "scrubbed"
    assert first["findings"][0]["rule_id"] == "POS001" and first["findings"][0]["carc"] == "16"
    assert body["claims"][1]["status"] == "ready" and body["claims"][1]["findings"] == []
    again = api.post("/api/claims/scrub", {"all_drafts": True}, content_type="application/json")
    assert again.json()["claims"] == []  # no drafts left
    ready = api.post(
        "/api/claims/scrub", {"claim_ids": [mine.pk]}, content_type="application/json"
    ).json()
    assert ready["claims"][0]["skipped"].endswith("is ready to submit")
