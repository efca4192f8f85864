"""Appeal letters on the denials worklist: the biller composes one from a template chosen by the
denial's reason, with their own paragraph and enclosures; it is kept (facts, text), audited,
readable as a page and a PDF by the billing office, and may move the claim to appealed.
Every other role is refused and a refusal changes nothing."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import date

import pytest

from medoffice.accounts.models import User
from medoffice.audit.models import AuditEvent
from medoffice.claims.models import ClaimStatus, ClaimStatusChange
from medoffice.coding.models import AdjustmentReason, RemarkCode
from medoffice.core.access import AccessDenied
from medoffice.remittance import appeals
from medoffice.remittance.models import AppealLetter, DenialWork
from medoffice.remittance.selectors import appeal_facts, denial_work
from medoffice.remittance.services import era_import
from medoffice.remittance.services_appeals import appeal_letter_create
from medoffice.remittance.tests.conftest import clp, era, svc

REFUSED = ["admin", "frontdesk", "clinician", "nurse", "hr", "purchasing"]


@pytest.fixture
def codes(db):
    for code, text in (
        ("197", "Precertification/authorization/notification/pre-treatment absent."),
        ("50", "These are non-covered services because this is not deemed a medical necessity."),
        ("16", "Claim/service lacks information or has submission/billing error(s)."),
    ):
        AdjustmentReason.objects.update_or_create(code=code, defaults={"description": text})
    RemarkCode.objects.update_or_create(
        code="N130", defaults={"description": "Consult plan benefit documents."}
    )


@pytest.fixture
def denied(claim, biller, office, codes):
    """The claim partially paid: 99213 paid, 36415 denied CO-197 (suggested: appeal)."""
    payer = office["primary_payer"]
    payer.address_line1, payer.city, payer.state, payer.postal_code = (
        "PO Box 1407", "Kingston", "NY", "12402",
    )  # fmt: skip
    payer.save()
    pcn = claim.patient_control_number
    content = era(
        clp(pcn, "1", "168", "76", "19",
            svc("99213", "150", "76", "CO*45*55", "PR*2*19", control=f"{pcn}-1", modifiers="25"),
            svc("36415", "18", "0", "CO*197*18", control=f"{pcn}-2"), moa="N130"),
        total="76", trace="CHK77",
    )  # fmt: skip
    era_import(name="d.835", content=content, actor=biller)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PARTIALLY_PAID
    return DenialWork.objects.get()


def pdf_text(pdf: bytes) -> str:
    """The text drawn in a ReportLab PDF (its streams are ASCII85 and Flate encoded)."""
    text = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            raw = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        except ValueError:
            continue
        except zlib.error:
            continue
        text += re.findall(rb"\((.*?)\) Tj", raw)
    return " ".join(t.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for t in text)


def test_biller_writes_the_letter_and_the_claim_is_appealed(denied, claim, patient, as_role):
    _, client = as_role("biller")
    worklist = client.get("/remittance/denials/").content.decode()
    assert f"/remittance/denials/{denied.pk}/appeal/" in worklist
    page = client.get(f"/remittance/denials/{denied.pk}/appeal/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<option value="authorization" selected>' in html
    assert "Grace Okafor" in html and "Mark the claim appealed" in html
    assert "Precertification/authorization" in html
    assert AuditEvent.objects.filter(action="view", object_type="denial_work",
                                     object_id=str(denied.pk), patient_id=patient.pk).exists()  # fmt: skip
    response = client.post(f"/remittance/denials/{denied.pk}/appeal/", {
        "template": "authorization", "mark_appealed": "on",
        "paragraph": "The patient came in  with acute symptoms;\nthe draw could not wait.",
        "enclosures": "Lab order of March 2\n\nVisit note",
    })  # fmt: skip
    letter = AppealLetter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/remittance/appeals/{letter.pk}/"
    assert (letter.template, letter.reason, letter.work) == ("authorization", "CO-197", denied)
    assert list(letter.covered.all()) == [denied]
    assert letter.paragraph.startswith("The patient came in")
    assert "The patient came in with acute symptoms; the draw could not wait." in letter.text
    assert letter.enclosures == ["Lab order of March 2", "Visit note"]
    assert letter.created_by.username == "biller" and letter.patient == patient
    facts = letter.facts
    assert facts["patient"] == {"name": "Grace Okafor", "birth_date": patient.birth_date.isoformat(),
                                "member_id": "M1"}  # fmt: skip
    assert facts["claim"]["payer_claim_number"] == f"PAYER{claim.patient_control_number}"
    assert facts["payer"]["lines"] == ["PO Box 1407", "Kingston, NY 12402"]
    assert facts["letterhead"]["name"] == "Hudson Valley Medical Group"
    assert [ln["code"] for ln in facts["lines"]] == ["36415"]
    assert facts["remarks"] == [{"code": "N130", "text": "Consult plan benefit documents."}]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPEALED and letter.claim_moved_from == "partially_paid"
    move = ClaimStatusChange.objects.get(claim=claim, to_status=ClaimStatus.APPEALED)
    assert move.reason.startswith(f"Appeal letter {letter.pk}")
    assert AuditEvent.objects.filter(action="create", object_type="appeal_letter",
                                     object_id=str(letter.pk), patient_id=patient.pk).exists()  # fmt: skip

    shown = client.get(f"/remittance/appeals/{letter.pk}/").content.decode()
    for text in ("Hudson Valley Medical Group", "PO Box 1407", "Kingston, NY 12402", "M1",
                 f"PAYER{claim.patient_control_number}", claim.patient_control_number,
                 "March 2, 2026", "36415", "$18.00", "CO-197", "Consult plan benefit documents.",
                 "the draw could not wait", "Lab order of March 2", "Bill Coder",
                 "Appeal: authorization for the service"):  # fmt: skip
        assert text in shown, text
    assert AuditEvent.objects.filter(action="view", object_type="appeal_letter",
                                     object_id=str(letter.pk), patient_id=patient.pk).exists()  # fmt: skip
    pdf = client.get(f"/remittance/appeals/{letter.pk}/letter.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    drawn = pdf_text(pdf.content)
    for text in ("Grace Okafor", "M1", claim.patient_control_number, "CO-197", "RARC N130",
                 "Kingston, NY 12402", "Enclosures", "Visit note"):  # fmt: skip
        assert text in drawn, text
    assert AuditEvent.objects.filter(action="print", object_type="appeal_letter",
                                     object_id=str(letter.pk), patient_id=patient.pk).exists()  # fmt: skip
    assert (
        f"/remittance/appeals/{letter.pk}/" in client.get("/remittance/denials/").content.decode()
    )


def test_the_template_follows_the_reason_family():
    expected = {
        "50": "medical_necessity", "16": "missing_information", "29": "timely_filing",
        "197": "authorization", "15": "authorization", "97": "bundling", "236": "bundling",
        "96": "non_covered", "204": "non_covered", "18": "duplicate", "45": "general",
        "": "general",
    }  # fmt: skip
    assert {code: appeals.template_for(code).key for code in expected} == expected


def test_every_template_composes_a_letter(denied):
    facts = appeal_facts(denial_work(denied.pk))
    for template in appeals.TEMPLATES.values():
        text = appeals.compose(facts, template, "Our own words.")
        paragraphs = text.split("\n\n")
        assert paragraphs[0].startswith("We ask you to reconsider") and "Grace Okafor" in text
        assert paragraphs[-2] == "Our own words." and paragraphs[-1].startswith("Thank you")
        assert "{" not in text, template.key
        assert template.enclosures


def test_a_letter_covers_the_lines_denied_for_the_same_reason(claim, biller, codes):
    pcn = claim.patient_control_number
    content = era(
        clp(pcn, "4", "168", "0", "0",
            svc("99213", "150", "0", "CO*50*150", control=f"{pcn}-1", modifiers="25"),
            svc("36415", "18", "0", "CO*16*18", control=f"{pcn}-2")),
        total="0", trace="CHK0",
    )  # fmt: skip
    era_import(name="denied.835", content=content, actor=biller)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DENIED
    works = {w.line.procedure_code: w for w in DenialWork.objects.select_related("line")}
    necessity = appeal_letter_create(work_id=works["99213"].pk, actor=biller, mark_appealed=True)
    assert necessity.template == "medical_necessity" and necessity.reason == "CO-50"
    assert list(necessity.covered.all()) == [works["99213"]]
    assert necessity.enclosures == list(appeals.TEMPLATES["medical_necessity"].enclosures)
    assert "medically necessary" in necessity.text and necessity.claim_moved_from == "denied"
    # A line suggested for correction may still be appealed; the claim is appealed already.
    info = appeal_letter_create(work_id=works["36415"].pk, actor=biller, mark_appealed=True)
    assert info.template == "missing_information" and info.claim_moved_from == ""
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPEALED
    assert ClaimStatusChange.objects.filter(claim=claim, to_status="appealed").count() == 1


def test_both_lines_of_one_reason_are_one_letter(claim, biller, codes):
    pcn = claim.patient_control_number
    content = era(
        clp(pcn, "4", "168", "0", "0",
            svc("99213", "150", "0", "CO*50*150", control=f"{pcn}-1", modifiers="25"),
            svc("36415", "18", "0", "CO*50*18", control=f"{pcn}-2")),
        total="0", trace="CHK0",
    )  # fmt: skip
    era_import(name="denied.835", content=content, actor=biller)
    second = DenialWork.objects.get(line__procedure_code="36415")
    letter = appeal_letter_create(work_id=second.pk, actor=biller)
    assert [ln["code"] for ln in letter.facts["lines"]] == ["36415", "99213"]
    assert letter.facts["totals"] == {"billed": "168.00", "paid": "0.00"}
    assert "procedure 36415 and 99213-25" in letter.text
    assert set(letter.covered.all()) == set(DenialWork.objects.all())
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DENIED and letter.claim_moved_from == ""


def test_timely_filing_letter_quotes_the_first_submission(claim, biller, codes):
    pcn = claim.patient_control_number
    content = era(
        clp(pcn, "4", "168", "0", "0",
            svc("99213", "150", "0", "CO*29*150", control=f"{pcn}-1", modifiers="25"),
            svc("36415", "18", "0", "CO*29*18", control=f"{pcn}-2")),
        total="0", trace="CHK0",
    )  # fmt: skip
    era_import(name="late.835", content=content, actor=biller)
    work = DenialWork.objects.order_by("pk").first()
    letter = appeal_letter_create(work_id=work.pk, actor=biller, paragraph="")
    submitted = claim.submitted_at.date()
    days = (submitted - date(2026, 3, 2)).days
    assert letter.template == "timely_filing"
    assert (
        f"we first submitted it on {submitted:%B} {submitted.day}, {submitted.year}" in letter.text
    )
    assert f"{days} days after the date of service, within your 90-day filing limit" in letter.text


def test_the_template_choice_redraws_the_preview(denied, as_role):
    _, client = as_role("biller")
    response = client.get(
        f"/remittance/denials/{denied.pk}/appeal/?template=timely_filing&paragraph=Mine.",
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "filed within the filing limit" in html and "Clearinghouse acceptance report" in html
    assert "<p>Mine.</p>" in html
    full = client.get(f"/remittance/denials/{denied.pk}/appeal/").content.decode()
    assert "(Your own paragraph goes here.)" in full


def test_bad_input_changes_nothing(denied, biller, as_role):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        appeal_letter_create(work_id=denied.pk, actor=biller, template="poem")
    with pytest.raises(ValidationError):
        appeal_letter_create(work_id=denied.pk, actor=biller, paragraph="x" * 4001)
    _, client = as_role("biller")
    response = client.post(f"/remittance/denials/{denied.pk}/appeal/", {"template": "poem"})
    assert response.status_code == 400 and b"errorlist" in response.content
    assert not AppealLetter.objects.exists()
    assert client.get("/remittance/denials/999999/appeal/").status_code == 404
    assert client.get("/remittance/appeals/999999/").status_code == 404


@pytest.mark.parametrize("role", ["manager", "compliance"])
def test_readers_read_letters_but_do_not_write_them(denied, claim, biller, as_role, role):
    letter = appeal_letter_create(work_id=denied.pk, actor=biller, paragraph="Ours.")
    _, client = as_role(role)
    assert client.get(f"/remittance/appeals/{letter.pk}/").status_code == 200
    pdf = client.get(f"/remittance/appeals/{letter.pk}/letter.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    worklist = client.get("/remittance/denials/").content.decode()
    assert f"/remittance/appeals/{letter.pk}/" in worklist
    assert f"/remittance/denials/{denied.pk}/appeal/" not in worklist
    _refused_changes_nothing(client, role, denied, claim, letter, reads=False)


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_are_refused_and_nothing_changes(denied, claim, biller, as_role, role):
    letter = appeal_letter_create(work_id=denied.pk, actor=biller)
    _, client = as_role(role)
    _refused_changes_nothing(client, role, denied, claim, letter, reads=True)


def _refused_changes_nothing(client, role, work, claim, letter, *, reads):
    claim.refresh_from_db()
    before = (AppealLetter.objects.count(), claim.status, ClaimStatusChange.objects.count())
    path = f"/remittance/denials/{work.pk}/appeal/"
    assert client.get(path).status_code == 403
    response = client.post(path, {"template": "general", "mark_appealed": "on"})
    assert response.status_code == 403
    if reads:
        assert client.get(f"/remittance/appeals/{letter.pk}/").status_code == 403
        assert client.get(f"/remittance/appeals/{letter.pk}/letter.pdf").status_code == 403
    with pytest.raises(AccessDenied):
        appeal_letter_create(work_id=work.pk, actor=User.objects.get(username=role),
                             mark_appealed=True)  # fmt: skip
    claim.refresh_from_db()
    assert (AppealLetter.objects.count(), claim.status, ClaimStatusChange.objects.count()) == before
    assert not AuditEvent.objects.filter(
        object_type="appeal_letter", action="create", actor_username=role
    ).exists()
