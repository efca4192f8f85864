"""A clinician charts a visit in the browser: vitals, a diagnosis, a signed note, an amendment."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from medoffice.chart.models import ClinicalNote, NoteAmendment, VitalSign
from medoffice.patients.services import patient_register
from medoffice.testing.personas import persona

from .conftest import PHONE
from .flows import nav_link, open_sign_in, path_is, sign_in

pytestmark = pytest.mark.browser


def test_clinician_charts_a_visit(page, new_page, screenshot):
    clinician = persona("clinician")
    patient = patient_register(
        actor=persona("frontdesk"),
        data={"family_name": "Okafor", "given_name": "Grace", "birth_date": date(1970, 3, 4),
              "sex_at_birth": "F"},
    )  # fmt: skip

    open_sign_in(page)
    sign_in(page, "clinician")
    page.goto(f"/chart/patients/{patient.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Okafor, Grace")
    expect(page.locator(".allergy-banner")).to_contain_text("Allergies not recorded")
    page.get_by_role("button", name="No known allergies").click()
    expect(page.locator(".allergy-banner")).to_contain_text("No known allergies")

    # A new encounter, with the clinician as provider by default.
    page.get_by_role("button", name="New encounter").click()
    page.get_by_label("Reason").fill("Follow-up of diabetes")
    page.get_by_label("Status").select_option("in-progress")
    page.get_by_role("button", name="Save encounter").click()
    expect(page).to_have_url(re.compile(r"/encounters/\d+/$"))
    encounter_url = page.url

    # Vital signs, in US units; BMI is computed.
    page.get_by_role("link", name="Record vital signs").click()
    page.get_by_label("Height", exact=True).fill("65")
    page.get_by_label("Height unit").select_option("in")
    page.get_by_label("Weight", exact=True).fill("180")
    page.get_by_label("Weight unit").select_option("lb")
    page.get_by_label("Systolic BP (mm Hg)").fill("142")
    page.get_by_label("Diastolic BP (mm Hg)").fill("88")
    page.get_by_label("Heart rate (/min)").fill("400")
    page.get_by_role("button", name="Save vital signs").click()
    expect(page.locator(".errorlist")).to_contain_text("between 20")
    page.get_by_label("Heart rate (/min)").fill("76")
    page.get_by_role("button", name="Save vital signs").click()
    expect(page).to_have_url(encounter_url)
    expect(page.locator(".latest-vitals")).to_contain_text("Body mass index 30")
    assert VitalSign.objects.filter(patient=patient, kind="bmi").exists()

    # Coding: a category code is refused, the complete code is taken.
    page.get_by_role("link", name="Open coding").click()
    code_box = page.get_by_label("ICD-10-CM code (type a code or words)")
    code_box.fill("E11")
    page.get_by_role("button", name="Add diagnosis").click()
    expect(page.locator("#dx-code-errors")).to_contain_text("not a billable code")
    page.get_by_label("ICD-10-CM code (type a code or words)").fill("E11.9")
    page.get_by_role("button", name="Add diagnosis").click()
    expect(page.locator("#diagnoses")).to_contain_text(
        "Type 2 diabetes mellitus without complications"
    )
    page.locator("#diagnoses summary").first.click()
    expect(page.locator("#diagnoses .coding-notes")).to_contain_text("Excludes1")
    screenshot(page, "chart-coding-desktop")

    # A SOAP note, signed, then amended.
    page.goto(encounter_url)
    page.get_by_role("button", name="Write a note").click()
    page.get_by_label("Subjective").fill("More thirsty lately. No chest pain.")
    page.get_by_label("Objective").fill("BP 142/88, BMI 30.")
    page.get_by_label("Assessment").fill("Type 2 diabetes, not at goal.")
    page.get_by_label("Plan").fill("A1c today; increase metformin; recheck in 3 months.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#note-status")).to_contain_text("Draft")
    page.get_by_role("button", name="Sign note").click()
    expect(page.locator("#note-status")).to_contain_text("Signed by Clara Clinician")
    expect(page.get_by_role("button", name="Edit draft")).to_have_count(0)
    page.get_by_text("Amend this note").click()
    page.get_by_role("textbox", name="Amendment").fill("BP repeated after rest: 132/84.")
    page.get_by_label("Reason").fill("Second reading was not recorded")
    page.get_by_role("button", name="Add amendment").click()
    expect(page.locator(".amendments")).to_contain_text("Second reading was not recorded")
    note = ClinicalNote.objects.get()
    assert note.status == "signed" and note.signed_by == clinician
    assert NoteAmendment.objects.filter(note=note).count() == 1
    screenshot(page, "chart-note-desktop")

    page.goto(f"/chart/patients/{patient.pk}/")
    expect(page.locator("#encounters")).to_contain_text("Follow-up of diabetes")
    screenshot(page, "chart-desktop")

    phone = new_page(viewport=PHONE)
    open_sign_in(phone)
    sign_in(phone, "clinician")
    expect(phone).to_have_url(path_is("/"))
    expect(phone.locator("section[aria-labelledby=panel-todays_encounters]")).to_contain_text(
        "Okafor"
    )
    phone.goto(f"/chart/patients/{patient.pk}/")
    expect(phone.locator(".allergy-banner")).to_contain_text("No known allergies")
    screenshot(phone, "chart-phone")


def test_manager_reads_the_records_audit(page, screenshot):
    from medoffice.chart.models import Encounter

    clinician = persona("clinician")
    persona("manager")
    patient = patient_register(
        actor=persona("frontdesk"),
        data={"family_name": "Nakamura", "given_name": "Ken", "birth_date": date(1958, 7, 9),
              "sex_at_birth": "M"},
    )  # fmt: skip
    from django.utils import timezone

    Encounter.objects.create(
        patient=patient, provider=clinician, start=timezone.now(), status="finished"
    )
    open_sign_in(page)
    sign_in(page, "manager")
    expect(page.locator("section[aria-labelledby=panel-huddle]")).to_contain_text(
        "Finished visits without a diagnosis"
    )
    with page.expect_navigation():
        nav_link(page, "Records audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Records audit")
    expect(page.locator("#count-no_diagnosis")).to_have_text("1")
    expect(page.locator("#no_diagnosis")).to_contain_text("Nakamura, Ken")
    expect(page.locator("#consents")).to_contain_text("Consent to treat: missing")
    screenshot(page, "records-audit-desktop")
