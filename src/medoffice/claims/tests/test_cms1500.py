"""The CMS-1500 paper claim: each value at its item's line and column (read back both from the
recording canvas and from the PDF's own text operators), pages of six lines each totalling their
own, secondary and replacement claims, and who may print it (audited)."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import date
from decimal import Decimal

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.claims.cms1500 import BOXES, cms1500_render, paper_claim, position
from medoffice.claims.models import Claim
from medoffice.claims.services import (
    ChargeInput,
    charges_capture,
    claim_build_secondary,
    claim_correct,
    claim_line_adjudication_record,
    claim_transition,
    claims_build_for_encounter,
)
from medoffice.claims.tests.conftest import add_coverage, make_encounter, visit_lines
from medoffice.coding.models import ProcedureCode
from medoffice.patients.models import Payer
from medoffice.referrals.models import Referral
from medoffice.scheduling.tests.conftest import make_patient

SIGNED = date(2026, 3, 5)
DENIED = ["frontdesk", "nurse", "hr", "purchasing"]
PRINTERS = ["biller", "manager", "compliance"]


def pdf_strings(pdf: bytes) -> list[tuple[int, float, float, str]]:
    """(page, x, y, text) of every string in a ReportLab PDF, read from its content streams."""
    found = []
    streams = re.findall(rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream", pdf, re.S)  # fmt: skip
    for page, raw in enumerate(streams, start=1):
        content = zlib.decompress(base64.a85decode(raw.strip(), adobe=True)).decode("latin-1")
        for x, y, text in re.findall(r"BT 1 0 0 1 ([\d.]+) ([\d.]+) Tm \(((?:\\.|[^\\)])*)\) Tj", content):  # fmt: skip
            text = re.sub(r"\\(.)", r"\1", text)
            found.append((page, float(x), float(y), text))
    return found


def at(placed, line: int, column: int, page: int = 1) -> str | None:
    """The text drawn at the form's (line, column) cell, if any."""
    x, y = position(line, column)
    hits = [
        p.text for p in placed
        if p.page == page and abs(p.x - x) < 0.01 and abs(p.y - y) < 0.01 and p.size == 10
    ]  # fmt: skip
    assert len(hits) <= 1, hits
    return hits[0] if hits else None


@pytest.fixture
def billable(office, patient):
    """Addresses and phones the form prints, and a group plan."""
    location = office["location"]
    location.address_line1, location.postal_code, location.phone = "12 State St", "12207", "518-555-0100"  # fmt: skip
    location.npi = "1477546549"
    location.save()
    Payer.objects.filter(pk=office["primary_payer"].pk).update(
        address_line1="PO Box 1600", city="Kingston", state="NY", postal_code="12402"
    )
    Payer.objects.filter(pk=office["secondary_payer"].pk).update(filing_indicator="MC")
    patient.address_line1, patient.city, patient.state = "4 Elm St", "Troy", "NY"
    patient.postal_code, patient.phone_home = "12180", "518-555-0142"
    patient.save()
    return office


def _claim(encounter, biller, lines=None) -> Claim:
    charges_capture(encounter=encounter, lines=lines or visit_lines(), actor=biller)
    return claims_build_for_encounter(encounter=encounter, actor=biller).claim


def _render(claim, background=False):
    return cms1500_render(paper_claim(claim), background=background, signed_on=SIGNED)


def test_primary_claim_values_land_in_their_boxes(billable, patient, encounter, biller):
    coverage = add_coverage(patient, billable["primary_payer"])
    coverage.group_number, coverage.plan_name = "GRP-77", "Empire Gold"
    coverage.save()
    claim = _claim(encounter, biller)
    pdf, placed = _render(claim)
    assert pdf.startswith(b"%PDF")
    # What the recording canvas saw is what the PDF holds, at the same points.
    assert [(p.page, round(p.x, 2), round(p.y, 2), p.text) for p in placed] == [
        (page, round(x, 2), round(y, 2), text) for page, x, y, text in pdf_strings(pdf)
    ]
    assert [at(placed, line, 41) for line in (2, 3, 4)] == ["EMPIRE PLAN", "PO BOX 1600", "KINGSTON, NY 12402"]  # fmt: skip
    assert at(placed, 8, 31) == "X" and at(placed, 8, 1) is None  # group health plan
    assert at(placed, 8, 50) == "M1"
    member = next(p for p in placed if p.text == "M1")
    assert BOXES["1a"].contains(member.x, member.y) and not BOXES["1"].contains(member.x, member.y)
    assert at(placed, 10, 1) == "OKAFOR, GRACE" and at(placed, 10, 31) == "03 04 1980"
    assert at(placed, 10, 47) == "X" and at(placed, 10, 42) is None  # female
    assert at(placed, 10, 50) == "OKAFOR, GRACE" and at(placed, 12, 33) == "X"  # self
    assert (at(placed, 12, 1), at(placed, 14, 1), at(placed, 14, 26)) == ("4 ELM ST", "TROY", "NY")
    assert (at(placed, 16, 1), at(placed, 16, 15), at(placed, 16, 19)) == ("12180", "518", "555-0142")  # fmt: skip
    assert at(placed, 12, 50) == "4 ELM ST" and at(placed, 16, 69) == "555-0142"
    assert at(placed, 18, 1) is None and at(placed, 26, 57) == "X"  # no other plan: 11d no
    assert [at(placed, line, 41) for line in (20, 22, 24)] == ["X", "X", "X"]  # 10a-c no
    assert at(placed, 18, 50) == "GRP-77" and at(placed, 24, 50) == "EMPIRE GOLD"
    assert at(placed, 20, 53) == "03 04 1980" and at(placed, 20, 75) == "X"
    assert at(placed, 29, 7) == at(placed, 29, 55) == "SIGNATURE ON FILE"
    assert (at(placed, 32, 2), at(placed, 32, 16)) == ("03 02 2026", "431")
    assert at(placed, 34, 4) is None  # no referral
    assert (at(placed, 37, 42), at(placed, 38, 3), at(placed, 38, 16)) == ("0", "E119", "I10")
    assert at(placed, 38, 50) is None and at(placed, 40, 50) is None
    npi = billable["provider"].npi
    first = [at(placed, 44, col) for col in (1, 10, 19, 25, 33, 45, 50, 59, 68)]
    assert first == ["03 02 26", "03 02 26", "11", "99213", "25", "AB", "  150 00", "  1", npi]
    second = [at(placed, 46, col) for col in (25, 33, 45, 50)]
    assert second == ["36415", None, "A", "   18 00"]
    assert not [p for p in placed if 43 <= (position(1, 1)[1] - p.y) / 12 + 1 <= 53.5
                and round((position(1, 1)[1] - p.y) / 12 + 1) % 2]  # shaded halves empty  # fmt: skip
    assert (at(placed, 56, 1), at(placed, 56, 19), at(placed, 56, 38)) == ("141234567", "X", "X")
    assert at(placed, 56, 23) == claim.patient_control_number
    assert at(placed, 56, 52) == "  168 00" and at(placed, 56, 62) is None
    total = next(p for p in placed if p.text == "  168 00")
    assert BOXES["28"].contains(total.x, total.y)
    assert (at(placed, 57, 66), at(placed, 57, 70)) == ("518", "555-0100")
    assert [at(placed, line, 23) for line in (58, 59, 60)] == ["ALBANY", "12 STATE ST", "ALBANY, NY 12207"]  # fmt: skip
    assert [at(placed, line, 50) for line in (58, 59)] == ["HUDSON VALLEY MEDICAL GROUP", "12 STATE ST"]  # fmt: skip
    assert at(placed, 60, 1) == billable["clinician"].last_name.upper() + ", " + billable["clinician"].first_name.upper()  # fmt: skip
    # 32a the site's NPI; 33a the billing NPI captured with the charges (the site's, as it has one)
    assert claim.billing_npi == "1477546549"
    assert (at(placed, 61, 6), at(placed, 61, 23), at(placed, 61, 50)) == ("03/05/26", "1477546549", "1477546549")  # fmt: skip


def test_background_draws_boxes_and_labels_around_the_data(billable, patient, encounter, biller):
    add_coverage(patient, billable["primary_payer"])
    claim = _claim(encounter, biller)
    bare, bare_placed = _render(claim)
    pdf, placed = _render(claim, background=True)
    label = next(p for p in placed if p.text == "1a INSURED'S ID NUMBER")
    member = next(p for p in placed if p.text == "M1")
    assert BOXES["1a"].contains(label.x, label.y) and label.y > member.y
    assert {p.text for p in placed} > {p.text for p in bare_placed}
    assert "1a INSURED'S ID NUMBER" in [t for *_, t in pdf_strings(pdf)]
    assert "1a INSURED'S ID NUMBER" not in [t for *_, t in pdf_strings(bare)]
    data = [p for p in placed if p.size == 10]
    assert [(p.x, p.y, p.text) for p in data] == [(p.x, p.y, p.text) for p in bare_placed]


def _adjudicated_primary(office, patient, encounter, biller) -> Claim:
    claim = _claim(encounter, biller)
    for to in ("scrubbed", "ready", "submitted", "accepted", "partially_paid"):
        claim = claim_transition(claim=claim, to=to, actor=biller, reason="per payer")
    visit, draw = claim.lines.order_by("line_number")
    claim_line_adjudication_record(
        claim_line=visit, payer_id=claim.payer_id, paid_amount="95.00",
        adjustments=[{"group": "CO", "reason": "45", "amount": "30.00"},
                     {"group": "PR", "reason": "2", "amount": "25.00"}],
        adjudicated_on=date(2026, 3, 20), actor=biller, source_reference="ERA-1",
    )  # fmt: skip
    claim_line_adjudication_record(
        claim_line=draw, payer_id=claim.payer_id, paid_amount="0",
        adjustments=[{"group": "CO", "reason": "97", "amount": "18.00"}],
        adjudicated_on=date(2026, 3, 20), actor=biller, source_reference="ERA-1",
    )  # fmt: skip
    return claim


def test_secondary_claim_names_the_other_insured_and_what_the_primary_paid(
    billable, patient, encounter, biller
):
    add_coverage(patient, billable["primary_payer"])
    add_coverage(patient, billable["secondary_payer"], priority=2, member="S1")
    primary = _adjudicated_primary(billable, patient, encounter, biller)
    secondary = claim_build_secondary(claim=primary, actor=biller)
    pdf, placed = _render(secondary)
    assert pdf.startswith(b"%PDF")
    assert at(placed, 2, 41) == "MEDICAID NY" and at(placed, 8, 8) == "X"  # Medicaid
    assert at(placed, 8, 50) == "S1"
    assert (at(placed, 18, 1), at(placed, 20, 1), at(placed, 26, 1)) == ("OKAFOR, GRACE", "M1", "EMPIRE PLAN")  # fmt: skip
    assert at(placed, 26, 52) == "X" and at(placed, 26, 57) is None  # 11d yes
    assert at(placed, 56, 52) == "  168 00" and at(placed, 56, 62) == "   95 00"
    paid = next(p for p in placed if p.text == "   95 00")
    assert BOXES["29"].contains(paid.x, paid.y)


def test_eight_lines_print_on_two_pages_each_with_its_own_total(billable, patient, encounter, biller):  # fmt: skip
    add_coverage(patient, billable["primary_payer"])
    codes = ["80053", "85025", "81002", "93000", "82947", "83036"]
    for code in codes:
        ProcedureCode.objects.get_or_create(code=code, defaults={"system": "CPT", "description": code})  # fmt: skip
    lines = visit_lines() + [
        ChargeInput(procedure_code=code, diagnosis_pointers=[1], billed_amount=f"{10 + i}.00")
        for i, code in enumerate(codes)
    ]
    claim = _claim(encounter, biller, lines)
    pdf, placed = _render(claim)
    assert pdf.count(b"/Type /Page\n") == 2
    assert {p.page for p in placed} == {1, 2}
    assert [at(placed, 44 + 2 * n, 25) for n in range(6)] == ["99213", "36415", *codes[:4]]
    assert [at(placed, 44 + 2 * n, 25, page=2) for n in range(6)] == [*codes[4:], None, None, None, None]  # fmt: skip
    assert at(placed, 56, 52) == "  214 00"  # 150 + 18 + 10 + 11 + 12 + 13
    assert at(placed, 56, 52, page=2) == "   29 00"  # 14 + 15
    for page in (1, 2):  # everything but item 24 repeats on each page
        assert at(placed, 8, 50, page=page) == "M1"
        assert at(placed, 56, 23, page=page) == claim.patient_control_number
    assert "  214 00" in [t for pg, *_, t in pdf_strings(pdf) if pg == 1]


def test_replacement_claim_shows_code_7_and_the_original_reference(billable, patient, encounter, biller):  # fmt: skip
    add_coverage(patient, billable["primary_payer"])
    claim = _claim(encounter, biller)
    for to in ("scrubbed", "ready", "submitted"):
        claim = claim_transition(claim=claim, to=to, actor=biller)
    claim = claim_transition(claim=claim, to="accepted", actor=biller, payer_claim_number="EMP-9")
    fixed = claim_correct(claim=claim, frequency="7", actor=biller, reason="wrong units")
    _pdf, placed = _render(fixed)
    assert (at(placed, 38, 50), at(placed, 38, 62)) == ("7", "EMP-9")
    code = next(p for p in placed if p.text == "EMP-9")
    assert BOXES["22"].contains(code.x, code.y)
    _pdf, original = _render(claim)
    assert at(original, 38, 50) is None and at(original, 38, 62) is None


def test_referral_and_prior_authorization(billable, patient, encounter, biller):
    add_coverage(patient, billable["primary_payer"])
    claim = _claim(encounter, biller)
    referral = Referral.objects.create(
        patient=patient, direction="in", outside_provider_name="Lee, Ana",
        outside_provider_npi="1003000126", reason="Diabetes", received_on=date(2026, 2, 1),
        created_by=biller,
    )  # fmt: skip
    Claim.objects.filter(pk=claim.pk).update(
        referral=referral, referral_number="R-1", prior_authorization_number="PA-555"
    )
    _pdf, placed = _render(Claim.objects.get(pk=claim.pk))
    assert (at(placed, 34, 1), at(placed, 34, 4), at(placed, 34, 33)) == ("DN", "LEE, ANA", "1003000126")  # fmt: skip
    assert at(placed, 40, 50) == "PA-555"
    npi = next(p for p in placed if p.text == "1003000126")
    assert BOXES["17b"].contains(npi.x, npi.y)


@pytest.fixture
def two_claims(billable, patient, encounter, biller):
    add_coverage(patient, billable["primary_payer"])
    mine = _claim(encounter, biller)
    other_patient = make_patient(family="Ibsen", given="Ola")
    add_coverage(other_patient, billable["primary_payer"], member="M2")
    theirs = _claim(make_encounter(billable, other_patient, provider=billable["other"]), biller)
    return mine, theirs


@pytest.mark.parametrize("role", PRINTERS)
def test_billing_roles_print_and_the_print_is_audited(two_claims, as_role, role):
    claim, _ = two_claims
    user, client = as_role(role)
    page = client.get(f"/claims/{claim.pk}/")
    assert b"CMS-1500 (paper)" in page.content and f"/claims/{claim.pk}/cms1500.pdf".encode() in page.content  # fmt: skip
    response = client.get(f"/claims/{claim.pk}/cms1500.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'inline; filename="cms1500-{claim.patient_control_number}.pdf"'  # fmt: skip
    assert "1a INSURED'S ID NUMBER" in [t for *_, t in pdf_strings(response.content)]
    entry = AuditEvent.objects.get(action="print", object_type="claim", actor_username=user.username)  # fmt: skip
    assert entry.patient_id == claim.patient_id and entry.object_id == str(claim.pk)
    assert entry.details["form"] == "cms1500" and entry.details["pages"] == 1
    preprinted = client.get(f"/claims/{claim.pk}/cms1500.pdf?form=preprinted")
    texts = [t for *_, t in pdf_strings(preprinted.content)]
    assert "M1" in texts and "1a INSURED'S ID NUMBER" not in texts


@pytest.mark.parametrize("role", DENIED)
def test_other_roles_may_not_print(two_claims, as_role, role):
    claim, _ = two_claims
    _, client = as_role(role)
    assert client.get(f"/claims/{claim.pk}/cms1500.pdf").status_code == 403
    assert not AuditEvent.objects.filter(actor_username=role, action="print").exists()


def test_a_clinician_prints_only_their_own_claims(two_claims, as_role):
    mine, theirs = two_claims
    _, client = as_role("clinician")
    assert client.get(f"/claims/{mine.pk}/cms1500.pdf").content.startswith(b"%PDF")
    assert client.get(f"/claims/{theirs.pk}/cms1500.pdf").status_code == 404
    printed = AuditEvent.objects.filter(action="print", object_type="claim")
    assert [e.object_id for e in printed] == [str(mine.pk)]


def test_amounts_are_decimal_cells():
    from medoffice.claims.cms1500 import _money

    assert _money(Decimal("1234.5"), 8) == " 1234 50" and _money(Decimal("0"), 8) == "    0 00"
