"""The front desk registers a patient (past a duplicate warning), adds insurance and files a
signed consent, on a desktop and on a phone."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from medoffice.audit.models import AuditEvent
from medoffice.patients.models import Consent, Coverage, Document, Patient, Payer
from medoffice.patients.services import patient_register
from medoffice.testing.personas import persona

from .conftest import PHONE
from .flows import check_accessibility_basics, nav_link, open_sign_in, path_is, sign_in

pytestmark = pytest.mark.browser


def png_card() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (340, 214), (235, 242, 250))
    ImageDraw.Draw(image).text((16, 16), "EMPIRE HEALTH  member XK9-123456", fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def pdf_scan() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Consent to treat - signed")
    page.save()
    return buffer.getvalue()


def test_front_desk_registers_a_patient_with_coverage_and_consent(page, new_page, screenshot):
    desk = persona("frontdesk")
    persona("clinician")
    Payer.objects.create(name="Empire Health", payer_id="EMP01")
    existing = patient_register(
        actor=desk,
        data={
            "family_name": "Nguyen",
            "given_name": "Thao",
            "birth_date": date(1990, 2, 14),
            "sex_at_birth": "F",
        },
    )

    open_sign_in(page)
    sign_in(page, "frontdesk")
    expect(page).to_have_url(path_is("/"))
    panel = page.get_by_role("region", name="Patients registered today")
    expect(panel).to_contain_text("Nguyen, Thao")
    with page.expect_navigation():
        nav_link(page, "New patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New patient")
    check_accessibility_basics(page)

    # The same person is on file already: the form warns and lists the record.
    page.get_by_label("Last name").fill("Nguyen")
    page.get_by_label("First name").fill("Thao")
    page.get_by_label("Date of birth").fill("1990-02-14")
    page.get_by_label("Sex assigned at birth").select_option(label="Female")
    page.get_by_label("Asian").check()
    page.get_by_label("Language").select_option(label="Vietnamese")
    page.get_by_label("Needs an interpreter").check()
    page.get_by_label("Mobile phone").fill("(518) 555-0199")
    page.get_by_label("Street address").fill("12 Elm St")
    page.get_by_label("City", exact=True).fill("Albany")
    page.get_by_label("State", exact=True).fill("NY")
    page.get_by_label("ZIP code").fill("12207")
    page.get_by_label("SSN").fill("987-65-4321")
    page.get_by_label("Primary care provider").select_option(label="Clara Clinician")
    with page.expect_navigation():
        page.get_by_role("button", name="Register the patient").click()
    warning = page.get_by_role("alert").filter(has_text="may already be registered")
    expect(warning).to_be_visible()
    expect(warning.get_by_role("link", name="Nguyen, Thao")).to_have_attribute(
        "href", f"/patients/{existing.pk}/"
    )
    expect(warning).to_contain_text("same name and date of birth")
    expect(page.get_by_label("City", exact=True)).to_have_value("Albany")
    assert Patient.objects.count() == 1
    check_accessibility_basics(page)
    screenshot(page, "patient-new-duplicate-warning")

    page.get_by_label("None of these: register a new patient").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Register the patient").click()
    patient = Patient.objects.exclude(pk=existing.pk).get()
    expect(page).to_have_url(path_is(f"/patients/{patient.pk}/"))
    expect(page.get_by_role("status")).to_contain_text(f"MRN {patient.mrn}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thao Nguyen")
    expect(page.get_by_text("***-**-4321")).to_be_visible()
    consents_needed = page.get_by_role("region", name="Consents needed")
    expect(consents_needed).to_contain_text("Consent to treat: not on file.")
    check_accessibility_basics(page)

    # An alert, added in place.
    alerts = page.get_by_role("region", name="Alerts")
    alerts.get_by_label("New alert").fill("Needs wheelchair access")
    alerts.get_by_role("button", name="Add alert").click()
    expect(page.get_by_role("region", name="Alerts")).to_contain_text("Needs wheelchair access")

    # The full SSN, once, on request.
    page.get_by_role("button", name="Show full SSN").click()
    expect(page.locator("#ssn")).to_contain_text("987-65-4321")

    # Insurance, with the card's front.
    with page.expect_navigation():
        page.get_by_role("button", name="Add coverage").click()
    check_accessibility_basics(page)
    page.get_by_role("combobox", name="Payer", exact=True).select_option(label="Empire Health")
    page.get_by_label("Plan name").fill("Gold PPO")
    page.get_by_label("Member id").fill("XK9-123456")
    page.get_by_label("Copay ($)").fill("25.00")
    page.get_by_label("Card image, front").set_input_files(
        {"name": "card-front.png", "mimeType": "image/png", "buffer": png_card()}
    )
    screenshot(page, "patient-coverage-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Add coverage").click()
    expect(page.get_by_role("status")).to_contain_text("Coverage added.")
    coverage_section = page.get_by_role("region", name="Insurance coverage")
    expect(coverage_section).to_contain_text("Empire Health")
    expect(coverage_section).to_contain_text("XK9-123456")
    card = page.request.get(
        coverage_section.get_by_role("link", name="Front").get_attribute("href")
    )
    assert card.ok and card.headers["content-type"] == "image/png"

    # The signed consent to treat, scanned.
    with page.expect_navigation():
        consents_needed.locator("li", has_text="Consent to treat").get_by_role(
            "link", name="Record it"
        ).click()
    expect(page.get_by_label("Kind")).to_have_value("treatment")
    page.get_by_label("Or upload the scan").set_input_files(
        {"name": "consent.pdf", "mimeType": "application/pdf", "buffer": pdf_scan()}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_role("status")).to_contain_text("Consent to treat recorded.")
    expect(page.get_by_role("region", name="Consents needed")).not_to_contain_text(
        "Consent to treat"
    )
    consents = page.get_by_role("region", name="Consents and forms")
    expect(consents.get_by_role("row", name=re.compile("Consent to treat"))).to_contain_text(
        "current"
    )
    scan = page.request.get(consents.get_by_role("link", name="View scan").get_attribute("href"))
    assert scan.ok and scan.body().startswith(b"%PDF-")
    documents = page.get_by_role("region", name="Documents")
    expect(documents).to_contain_text("Consent to treat (signed")
    check_accessibility_basics(page)
    screenshot(page, "patient-overview-desktop")

    assert Coverage.objects.get().card_front.name.endswith(".png")
    assert Consent.objects.get().document == Document.objects.get()
    opened = AuditEvent.objects.filter(action="view", patient_id=patient.pk)
    assert {"patient", "patient_ssn", "coverage_card", "document"} <= set(
        opened.values_list("object_type", flat=True)
    )

    # The same record on a phone.
    phone = new_page(viewport=PHONE)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"/patients/{patient.pk}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thao Nguyen")
    expect(phone.get_by_role("region", name="Alerts")).to_contain_text("Needs wheelchair access")
    screenshot(phone, "patient-overview-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the overview scrolls sideways on a phone ({width}px)"
    phone.goto("/patients/new/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("New patient")
    screenshot(phone, "patient-new-phone", full_page=False)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the form scrolls sideways on a phone ({width}px)"
