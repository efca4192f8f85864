"""The revenue cycle in the browser, from a signed encounter to a paid claim and a statement.

A clinician's signed visit (set up through the chart's services) is charged and billed by the
biller on the Charges page, scrubbed on the claim's page, sent in an 837P batch from Claim
submission, paid by an 835 uploaded on the ERAs page (part paid, a contractual adjustment and
coinsurance left to the patient), then the patient's share shows on their ledger and in a
statement; the manager finds the balance in the A/R report.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from medoffice.billing.models import FeeSchedule, FeeScheduleItem
from medoffice.chart.services.coding import diagnosis_add, procedure_add
from medoffice.chart.services.encounters import encounter_create
from medoffice.chart.services.notes import note_create, note_sign
from medoffice.claims.models import ChargeLine, Claim, ClaimStatus
from medoffice.claims.services import payer_claim_rules_save
from medoffice.coding.models import ProcedureCode
from medoffice.coding.starter import load_starter_codes, load_starter_tables
from medoffice.interop.x12.envelope import ControlNumbers, Envelope, Party
from medoffice.interop.x12.remit835 import Adjustment, ClaimPayment, Remittance, ServicePayment
from medoffice.interop.x12.remit835_writer import Payee, PayerContact, write_835
from medoffice.interop.x12.validation import validate_with_pyx12
from medoffice.organization.models import Location, Practice
from medoffice.patients.models import Coverage, Payer
from medoffice.patients.services import patient_register
from medoffice.scheduling.models import Provider
from medoffice.testing.personas import persona

from .conftest import PHONE
from .flows import check_accessibility_basics, nav_link, open_sign_in, sign_in

pytestmark = pytest.mark.browser

D = Decimal
FEE = D("150.00")  # the payer's fee schedule for 99213
PAID, CONTRACTUAL, COINSURANCE = D("104.00"), D("26.00"), D("20.00")


def _billable_visit() -> dict[str, Any]:
    """A practice, a payer with an EDI id and a fee schedule, an insured patient, and a visit
    coded and signed by the clinician: everything through the services a person would use."""
    # As after `migrate`: an earlier transactional test's flush may have emptied the code tables.
    load_starter_codes()
    load_starter_tables()
    practice = Practice.objects.create(
        name="Hudson Valley Medical Group", legal_name="Hudson Valley MG PC",
        tax_id="141234567", group_npi="1234567893", phone="5185550100",
    )  # fmt: skip
    location = Location.objects.create(
        practice=practice, name="Albany", code="alb", address_line1="100 State St",
        city="Albany", state="NY", postal_code="122071234", time_zone="America/New_York",
    )  # fmt: skip
    clinician = persona("clinician", location=location)
    clinician.first_name, clinician.last_name = "Maria", "Alvarez"
    clinician.save(update_fields=["first_name", "last_name"])
    Provider.objects.create(user=clinician, npi="1245319599", taxonomy="207Q00000X")
    for role in ("frontdesk", "biller", "manager"):
        persona(role, location=location)
    payer = Payer.objects.create(
        name="Empire Plan", payer_id="87726", address_line1="PO Box 1600", city="Kingston",
        state="NY", postal_code="12402",
    )  # fmt: skip
    schedule = FeeSchedule.objects.create(
        payer=payer, name="Empire Plan 2026", effective_from=date(2026, 1, 1)
    )
    FeeScheduleItem.objects.create(
        schedule=schedule, code=ProcedureCode.objects.get(code="99213"), billed_amount=FEE,
        expected_amount=D("130.00"),
    )  # fmt: skip
    patient = patient_register(
        actor=persona("frontdesk"),
        data={"family_name": "Okafor", "given_name": "Grace", "birth_date": date(1970, 3, 4),
              "sex_at_birth": "F", "address_line1": "12 Elm St", "city": "Albany",
              "state": "NY", "postal_code": "12207"},
    )  # fmt: skip
    # Grace is covered as her husband's dependent; the subscriber's date of birth did not come
    # with the card (an import brings what it has), and this payer wants it on every claim.
    coverage = Coverage.objects.create(
        patient=patient, payer=payer, member_id="M1", priority=1,
        effective_date=date(2025, 1, 1), relationship="01", subscriber_family_name="Okafor",
        subscriber_given_name="James",
    )  # fmt: skip
    payer_claim_rules_save(
        payer=payer, values={"required_fields": ["subscriber.birth_date"]},
        actor=persona("biller"),
    )  # fmt: skip
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)
    encounter = encounter_create(
        actor=clinician, patient_id=patient.pk,
        data={"provider": clinician, "location": location, "start": start,
              "status": "finished", "reason": "Diabetes follow-up"},
    )  # fmt: skip
    diagnosis_add(actor=clinician, encounter=encounter, code="E11.9")
    procedure_add(actor=clinician, encounter=encounter, code="99213", pointers=[1])
    note = note_create(
        actor=clinician, encounter=encounter,
        data={"subjective": "Feels well.", "assessment": "Type 2 diabetes, stable.",
              "plan": "A1c in three months."},
    )  # fmt: skip
    note_sign(actor=clinician, note=note)
    return {"payer": payer, "patient": patient, "coverage": coverage, "encounter": encounter}


def _era_for(claim: Claim) -> str:
    """What the payer answers: part paid, a contractual adjustment, coinsurance for the patient."""
    line = claim.lines.get()
    today = timezone.localdate()
    payment = ClaimPayment(
        patient_control_number=claim.patient_control_number, status_code="1", billed=FEE,
        paid=PAID, patient_responsibility=COINSURANCE, filing_indicator="12",
        payer_claim_number="EMP2026000123", patient_name="OKAFOR GRACE", patient_member_id="M1",
        services=[ServicePayment(
            "HC", "99213", (), FEE, PAID, D("1"), service_date=line.date_of_service,
            line_control_number=line.line_control_number, allowed=PAID + COINSURANCE,
            adjustments=[Adjustment("CO", "45", CONTRACTUAL), Adjustment("PR", "2", COINSURANCE)],
        )],
    )  # fmt: skip
    remittance = Remittance(
        control_number="0001", payment_amount=PAID, credit_debit="C", payment_method="ACH",
        payment_date=today, trace_number="EFT20261125", payer_trace_id="1512345678",
        production_date=today, payer_name="EMPIRE PLAN", payer_id="87726", claims=[payment],
    )  # fmt: skip
    envelope = Envelope(sender=Party("EMPIRE"), receiver=Party("MEDOFFICE"), created=timezone.now())
    return write_835(
        [(remittance, PayerContact("PO BOX 1600", "KINGSTON", "NY", "12402", "8005551212"))],
        Payee("HUDSON VALLEY MEDICAL GROUP", "1234567893", "141234567"),
        envelope,
        ControlNumbers(1, 1, 1),
    )


def _go(page: Any, label: str) -> None:
    """Follow a main-menu entry, as a person would."""
    with page.expect_navigation():
        nav_link(page, label).click()


def _fits_the_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways on a phone ({width}px)"


def test_revenue_cycle_from_signed_visit_to_statement(new_page, screenshot, tmp_path):
    visit = _billable_visit()
    encounter = visit["encounter"]

    # Charges: the signed visit waits for its charges.
    biller = new_page()
    open_sign_in(biller)
    sign_in(biller, "biller")
    _go(biller, "Charges")
    expect(biller.get_by_role("heading", level=1)).to_have_text("Charges to review")
    waiting = biller.locator("#encounters-to-charge tr", has_text="Okafor, Grace")
    expect(waiting).to_contain_text("Diabetes follow-up")
    check_accessibility_basics(biller)
    screenshot(biller, "revenue-charge-review-desktop")
    waiting.get_by_role("link", name="Capture charges").click()
    expect(biller.get_by_role("heading", level=1)).to_contain_text("Charges:")
    expect(biller.locator("#charge-diagnoses")).to_contain_text("E11.9")

    # The capture form is filled in from the coded procedure; without a pointer it is refused.
    expect(biller.get_by_label("Code, line 1")).to_have_value("99213")
    expect(biller.get_by_label("Diagnosis pointers, line 1")).to_have_value("1")
    biller.get_by_label("Diagnosis pointers, line 1").fill("")
    biller.get_by_role("button", name="Capture charges").click()
    expect(biller.locator("#capture-form .errorlist")).to_contain_text(
        "Line 1: point to at least one of the encounter's diagnoses"
    )
    assert not ChargeLine.objects.exists()
    biller.get_by_label("Diagnosis pointers, line 1").fill("1")
    biller.get_by_label("Units, line 1").fill("1")
    check_accessibility_basics(biller)
    screenshot(biller, "revenue-charge-capture-desktop")
    biller.get_by_role("button", name="Capture charges").click()
    expect(biller.locator(".messages")).to_contain_text("1 charge(s) captured")
    # The amount is the payer's fee schedule's.
    expect(biller.locator("#charges")).to_contain_text(f"${FEE}")
    charge = ChargeLine.objects.get(encounter=encounter)
    assert charge.billed_amount == FEE and charge.diagnosis_pointers == [1]

    # Bill it: a draft claim to the primary payer.
    biller.get_by_role("button", name="Bill the open charges").click()
    expect(biller).to_have_url(re.compile(r"/claims/\d+/$"))
    claim = Claim.objects.get(encounter=encounter)
    pcn = claim.patient_control_number
    expect(biller.locator(".messages")).to_contain_text(f"Claim {pcn} built (draft)")

    # The Claims worklist lists it; open it there and scrub it: it becomes ready.
    _go(biller, "Claims")
    row = biller.locator("tr", has_text=pcn)
    expect(row).to_contain_text("Okafor")
    expect(row).to_contain_text("Draft")
    check_accessibility_basics(biller)
    screenshot(biller, "revenue-claims-worklist-desktop")
    with biller.expect_navigation():
        row.get_by_role("link", name=pcn).click()
    expect(biller.get_by_role("heading", level=1)).to_have_text(f"Claim {pcn}")
    expect(biller.locator("#h-findings + p")).to_have_text("Not scrubbed yet.")
    biller.get_by_role("button", name="Scrub", exact=True).click()
    # The scrubber holds the claim: the payer wants the subscriber's date of birth.
    expect(biller.locator("#claim-status")).to_have_text("Scrubbed")
    finding = biller.locator("#claim-findings tbody tr")
    expect(finding).to_have_count(1)
    expect(finding).to_contain_text("REQ001")
    expect(finding).to_contain_text("subscriber's date of birth is missing")
    screenshot(biller, "revenue-claim-finding-desktop")
    claim_url = biller.url

    # The biller fixes the coverage (billers edit coverage) and scrubs again.
    biller.goto(f"/patients/{visit['patient'].pk}/")
    with biller.expect_navigation():
        biller.get_by_role("link", name="Edit or end coverage Empire Plan M1").click()
    biller.get_by_label("Subscriber's date of birth").fill("1968-07-14")
    biller.get_by_role("button", name="Save coverage").click()
    expect(biller.locator(".messages")).to_contain_text("Coverage saved.")
    biller.goto(claim_url)
    biller.get_by_role("button", name="Scrub again").click()
    expect(biller.locator("#claim-status")).to_have_text("Ready to submit")
    expect(biller.locator("#h-findings ~ p")).to_contain_text("found nothing to fix")
    expect(biller.locator("#claim-history")).to_contain_text("Scrubbed")
    check_accessibility_basics(biller)
    screenshot(biller, "revenue-claim-ready-desktop")

    # Claim submission: a batch for the payer, and its 837P downloaded.
    _go(biller, "Claim submission")
    ready = biller.locator("#ready-by-payer tr", has_text="Empire Plan")
    expect(ready).to_contain_text("87726")
    expect(ready).to_contain_text(f"${FEE}")
    ready.get_by_role("button", name="Create batch").click()
    batch = biller.locator("#batches tbody tr").first
    expect(batch).to_contain_text("Empire Plan")
    check_accessibility_basics(biller)
    screenshot(biller, "revenue-submission-desktop")
    with biller.expect_download() as download_info:
        batch.get_by_role("link", name="Download").click()
    text = download_info.value.path().read_text()
    assert text.startswith("ISA") and f"CLM*{pcn}*" in text
    assert validate_with_pyx12(text) == []
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SUBMITTED

    # ERAs: the payer's 835 is uploaded and posted.
    era = tmp_path / "empire-era.835"
    era.write_text(_era_for(claim))
    _go(biller, "ERAs")
    expect(biller.get_by_role("heading", level=1)).to_have_text("ERA files")
    biller.get_by_label("File").set_input_files(str(era))
    biller.get_by_role("button", name="Post").click()
    expect(biller.get_by_role("heading", level=1)).to_have_text("ERA empire-era.835")
    expect(biller.locator(".messages")).to_contain_text("empire-era.835")
    expect(biller.locator("main")).to_contain_text(f"Posted 1 claims / 1 lines, paid ${PAID}")
    posted = biller.get_by_role("region", name=f"Claim {pcn}")
    expect(posted).to_contain_text(f"patient ${COINSURANCE}")
    expect(posted).to_contain_text(f"CO-45 ${CONTRACTUAL}, PR-2 ${COINSURANCE}")
    check_accessibility_basics(biller)
    screenshot(biller, "revenue-era-posted-desktop")

    # The claim is paid, with the adjudication on its line.
    with biller.expect_navigation():
        posted.get_by_role("link", name="claim").click()
    expect(biller.locator("#claim-status")).to_have_text("Paid")
    expect(biller.locator("#claim-lines")).to_contain_text(f"paid ${PAID}")
    expect(biller.locator("#claim-lines")).to_contain_text(f"CO-45 ${CONTRACTUAL}")
    expect(biller.locator("#claim-lines")).to_contain_text(f"PR-2 ${COINSURANCE}")
    expect(biller.locator("#build-secondary")).to_have_count(0)  # no other coverage to bill
    screenshot(biller, "revenue-claim-paid-desktop")

    # The patient's ledger: the coinsurance is the patient's to pay.
    with biller.expect_navigation():
        biller.get_by_role("link", name="Patient ledger").click()
    expect(biller.get_by_role("heading", level=1)).to_contain_text("Ledger: Okafor, Grace")
    expect(biller.locator("#patient-balance")).to_contain_text(f"${COINSURANCE}")
    check_accessibility_basics(biller)
    screenshot(biller, "revenue-ledger-desktop")

    # Statements: a run with a minimum below the patient's share makes hers.
    _go(biller, "Patient statements")
    biller.get_by_label("Minimum balance ($)").fill("10.00")
    biller.get_by_role("button", name="Make today's statements").click()
    # The run is a background job with its own page (the tests' task backend runs it at once).
    expect(biller.locator(".messages")).to_contain_text("The statements are being made.")
    expect(biller.locator("#job-status")).to_contain_text("finished")
    screenshot(biller, "revenue-statement-job-desktop")
    _go(biller, "Patient statements")
    expect(biller.locator("#statement-runs tbody tr").first).to_contain_text("$10.00")
    statement = biller.locator("#statements tbody tr", has_text="Okafor, Grace")
    expect(statement).to_contain_text(f"${COINSURANCE}")
    check_accessibility_basics(biller)
    screenshot(biller, "revenue-statements-desktop")
    pdf_url = statement.get_by_role("link", name="Print").get_attribute("href")
    response = biller.request.get(pdf_url)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # The phone: the worklist and the claim.
    phone = new_page(viewport=PHONE)
    open_sign_in(phone)
    sign_in(phone, "biller")
    phone.goto("/claims/")
    expect(phone.locator("body")).to_contain_text(pcn)
    _fits_the_phone(phone)
    screenshot(phone, "revenue-claims-worklist-phone")
    phone.goto(f"/claims/{claim.pk}/")
    expect(phone.locator("#claim-status")).to_have_text("Paid")
    _fits_the_phone(phone)
    screenshot(phone, "revenue-claim-detail-phone")

    # The manager's A/R report shows the patient's balance, in the current bucket.
    manager = new_page()
    open_sign_in(manager)
    sign_in(manager, "manager")
    _go(manager, "Accounts receivable")
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Accounts receivable")
    mine = manager.locator("#ar-patients tbody tr", has_text="Okafor")
    cells = mine.locator("td")
    expect(cells.nth(2)).to_have_text(f"${COINSURANCE}")  # 0-30 days
    expect(cells.last).to_have_text(f"${COINSURANCE}")
    check_accessibility_basics(manager)
    screenshot(manager, "revenue-ar-desktop")
