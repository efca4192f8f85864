"""Referrals, find first available and the scheduling setup in the browser.

The front desk records a referral from the patient's page and books it through find first
available (the Book button opens the calendar's booking panel filled in; booking links the
visit to the referral); the office manager changes a provider's hours, previews the change,
saves it. Screenshots of each page on a desktop, the worklist on a phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from medoffice.referrals.models import Referral
from medoffice.scheduling.models import AvailabilityTemplate
from medoffice.scheduling.services.booking import BookingRequest, appointment_book
from medoffice.scheduling.tests.conftest import clinic, make_patient, next_weekday_at  # noqa: F401
from medoffice.testing.personas import persona

from .conftest import PHONE
from .flows import check_accessibility_basics, nav_link, open_sign_in, path_is, sign_in

pytestmark = pytest.mark.browser


def test_a_referral_from_the_patients_page_to_a_booked_visit(page, new_page, screenshot, clinic):  # noqa: F811
    desk = persona("frontdesk", location=clinic["location"])
    patient = make_patient("Referred", "Rita")
    provider = clinic["providers"][0]
    open_sign_in(page)
    sign_in(page, desk.username)

    # The patient's page loads the referrals box; a new incoming referral from there.
    page.goto(f"/patients/{patient.pk}/")
    box = page.locator("#referrals")
    expect(box).to_contain_text("No open referrals.")
    with page.expect_navigation():
        box.get_by_role("link", name="New referral").click()
    check_accessibility_basics(page)
    page.get_by_label("Outside provider's name").fill("Dr. Rosalind Franklin")
    page.get_by_label("Outside provider's NPI").fill("1234567890")
    page.get_by_label("Reason").fill("Palpitations: evaluate")
    page.get_by_label("Diagnosis (ICD-10-CM)").fill("R00")
    page.get_by_label("Our provider").select_option(label=str(provider))
    page.get_by_label("Due by").fill((timezone.localdate() + timedelta(days=10)).isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Record referral").click()
    expect(page.get_by_text("This NPI fails its check digit")).to_be_visible()
    expect(page.get_by_text("is a category")).to_be_visible()
    page.get_by_label("Outside provider's NPI").fill("1234567893")
    page.get_by_label("Diagnosis (ICD-10-CM)").fill("R00.2")
    with page.expect_navigation():
        page.get_by_role("button", name="Record referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Incoming (to us): Palpitations: evaluate"
    )
    check_accessibility_basics(page)
    screenshot(page, "referral-detail")

    # Book: find first available for the referral's provider, then the booking panel.
    with page.expect_navigation():
        page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find first available")
    expect(page.locator(".find-patient")).to_contain_text("Referred, Rita")
    page.get_by_label("Visit type").select_option(label="Office visit (20 min)")
    page.get_by_role("button", name="Find slots").click()
    rows = page.locator("#slots tbody tr")
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text(str(provider))
    check_accessibility_basics(page)
    screenshot(page, "find-first-available")
    book = rows.first.get_by_role("button", name=re.compile("^Book"))
    href = book.get_attribute("href")
    assert (
        f"patient={patient.pk}" in href
        and "referral=" in href
        and f"provider={provider.pk}" in href
    )
    with page.expect_navigation():
        book.click()
    expect(page).to_have_url(path_is("/schedule/book/"))

    # The booking panel has the patient, the time and the referral: booking links the visit.
    expect(page.get_by_text("Referred, Rita").first).to_be_visible()
    screenshot(page, "find-booking-panel")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("heading", name="Booked")).to_be_visible()
    referral = Referral.objects.get(patient=patient)
    assert referral.status == "scheduled" and referral.appointment.patient_id == patient.pk
    page.goto(f"/referrals/patients/{patient.pk}/{referral.pk}/")
    expect(page.locator("#h-visit + p")).to_contain_text("Office visit")
    screenshot(page, "referral-scheduled")

    # The worklist is empty again; on a phone, too.
    phone = new_page(viewport=PHONE)
    open_sign_in(phone)
    sign_in(phone, desk.username)
    phone.goto("/referrals/worklist/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Referrals to schedule")
    expect(phone.locator("#referral-worklist")).to_contain_text("Nothing to schedule.")
    screenshot(phone, "referral-worklist-phone")


def test_the_manager_previews_new_hours_before_saving(page, screenshot, clinic):  # noqa: F811
    manager = persona("manager", location=clinic["location"])
    provider = clinic["providers"][1]
    appointment_book(actor=persona("frontdesk"), request=BookingRequest(
        patient_id=make_patient("Late", "Lou").pk, type=clinic["office"], provider=provider,
        location_id=clinic["location"].pk, start=next_weekday_at(16)))  # fmt: skip
    template = AvailabilityTemplate.objects.get(provider=provider)
    open_sign_in(page)
    sign_in(page, manager.username)
    with page.expect_navigation():
        nav_link(page, "Schedule setup").click()
    check_accessibility_basics(page)
    screenshot(page, "setup-overview")
    with page.expect_navigation():
        page.get_by_role("link", name="Hours", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("link", name=f"Change these hours of {provider}").click()
    page.locator("#id_end_time").fill("15:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Preview the change").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("hours removed")
    expect(preview.locator("#stranded")).to_contain_text("Late, Lou")
    check_accessibility_basics(page)
    screenshot(page, "setup-hours-preview")
    template.refresh_from_db()
    assert template.end_time.hour == 17, "nothing saved by the preview"
    with page.expect_navigation():
        page.get_by_role("button", name="Save these hours").click()
    expect(page.get_by_role("status")).to_contain_text("Hours saved")
    template.refresh_from_db()
    assert template.end_time.hour == 15
    screenshot(page, "setup-hours")
