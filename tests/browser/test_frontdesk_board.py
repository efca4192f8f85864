"""A visit through the front-desk board in the browser: the desk checks a patient in with a
copay, the nurse rooms them, the clinician starts the visit, the desk checks them out."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from medoffice.chart.models import Encounter
from medoffice.frontdesk.models import DeskPayment
from medoffice.frontdesk.tests.conftest import visit
from medoffice.patients.models import Coverage, Payer
from medoffice.scheduling.models import Appointment, AppointmentStatus
from medoffice.scheduling.tests.conftest import clinic, make_patient  # noqa: F401
from medoffice.testing.personas import persona

from .conftest import PHONE
from .flows import check_accessibility_basics, nav_link, open_sign_in, path_is, sign_in

pytestmark = pytest.mark.browser


def _section(page, key):
    return page.locator(f"#sec-{key}")


def test_a_visit_through_the_board(clinic, new_page, screenshot, console):  # noqa: F811
    location = clinic["location"]
    persona("frontdesk", location=location)
    persona("nurse", location=location)
    patient = make_patient(family="Okafor", given="Grace", preferred_name="Gigi")
    Coverage.objects.create(
        patient=patient, payer=Payer.objects.create(name="Acme Health"), member_id="XK12345",
        effective_date=date(2020, 1, 1), copay=Decimal("25.00"),
    )  # fmt: skip
    now = timezone.now().replace(second=0, microsecond=0)
    appt = visit(clinic, start=now - timedelta(minutes=now.minute % 5), patient=patient)
    # Someone who has waited too long already, so the board shows a flag.
    waiting = make_patient(family="Waits", given="Wanda")
    visit(clinic, start=appt.start, provider=1, patient=waiting, status=AppointmentStatus.ARRIVED,
          arrived_at=timezone.now() - timedelta(minutes=25))  # fmt: skip

    # The front desk opens the board and checks Grace in with her copay, by card.
    desk = new_page()
    open_sign_in(desk)
    sign_in(desk, "frontdesk")
    nav_link(desk, "Front desk").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Front desk: Riverside")
    expect(_section(desk, "expected")).to_contain_text("Grace Okafor")
    expect(_section(desk, "expected")).to_contain_text("(goes by Gigi)")
    expect(_section(desk, "lobby")).to_contain_text("⚠ Long wait")
    check_accessibility_basics(desk)
    _section(desk, "expected").get_by_role("button", name=re.compile("Check in")).click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Check in: Grace Okafor")
    expect(desk.locator("body")).to_contain_text("Acme Health")
    expect(desk.get_by_label("Amount collected ($)")).to_have_value("25.00")
    check_accessibility_basics(desk)
    screenshot(desk, "frontdesk-check-in-desktop")
    desk.get_by_label("Paid by").select_option("card")
    desk.get_by_label("Card: last 4 digits").fill("4242")
    desk.get_by_role("button", name="Check in").click()
    expect(desk.locator(".messages")).to_contain_text("Grace “Gigi” Okafor is checked in")
    expect(_section(desk, "lobby")).to_contain_text("Grace Okafor")
    payment = DeskPayment.objects.get(patient=patient)
    assert payment.amount == Decimal("25.00") and payment.reference == "4242"

    # The nurse rooms her; the chart encounter opens.
    nurse = new_page()
    open_sign_in(nurse)
    sign_in(nurse, "nurse")
    nurse.goto(f"/frontdesk/board/?location={location.pk}")
    grace = _section(nurse, "lobby").locator(f"#visit-{appt.pk}")
    grace.get_by_role("button", name=re.compile("Room")).click()
    expect(nurse.get_by_role("heading", level=1)).to_contain_text("Room: Grace Okafor")
    check_accessibility_basics(nurse)
    screenshot(nurse, "frontdesk-room-desktop")
    nurse.get_by_label("Room").select_option(label="Exam 1 (exam room)")
    nurse.get_by_role("button", name="Room the patient").click()
    expect(_section(nurse, "roomed")).to_contain_text("Exam 1")
    assert Encounter.objects.filter(patient=patient, status="in-progress").count() == 1

    # The clinician starts the visit from the board (an htmx button, no page load).
    doctor = new_page()
    open_sign_in(doctor)
    sign_in(doctor, clinic["providers"][0].user.username)
    doctor.goto(f"/frontdesk/board/?location={location.pk}")
    _section(doctor, "roomed").get_by_role("button", name=re.compile("Provider in")).click()
    expect(_section(doctor, "with_provider")).to_contain_text("Grace Okafor")

    # The desk's open board catches up by itself, polling in the background.
    with desk.expect_request(
        lambda r: "/frontdesk/board/" in r.url and r.headers.get("x-medoffice-background") == "1",
        timeout=20_000,
    ):
        pass
    expect(_section(desk, "with_provider")).to_contain_text("Grace Okafor", timeout=5_000)
    screenshot(desk, "frontdesk-board-desktop")

    # Checkout: follow-up links into the calendar, then done.
    _section(desk, "with_provider").get_by_role("link", name="Check out").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Check out: Grace Okafor")
    follow_up = desk.get_by_role("button", name=re.compile("In 3 months"))
    expect(follow_up).to_have_attribute(
        "href", re.compile(rf"/schedule/day/\?date=.*patient={patient.pk}")
    )
    check_accessibility_basics(desk)
    screenshot(desk, "frontdesk-check-out-desktop")
    desk.get_by_role("button", name="Finish checkout").click()
    expect(desk).to_have_url(path_is("/frontdesk/board/"))
    expect(_section(desk, "done")).to_contain_text("Grace Okafor")
    assert Appointment.objects.get(pk=appt.pk).status == AppointmentStatus.COMPLETED

    # The receipt, ready to print.
    desk.goto(f"/frontdesk/payments/{payment.pk}/")
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"Receipt {payment.receipt_number}")
    expect(desk.locator(".receipt")).to_contain_text("Card ending 4242")
    screenshot(desk, "frontdesk-receipt-desktop")

    # On a phone: the same board, one column.
    phone = new_page(viewport=PHONE)
    open_sign_in(phone)
    sign_in(phone, "frontdesk")
    phone.goto(f"/frontdesk/board/?location={location.pk}")
    expect(_section(phone, "done")).to_contain_text("Grace Okafor")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the board scrolls sideways on a phone ({width}px)"
    screenshot(phone, "frontdesk-board-phone")
    # The manager reads the wait times (from the menu).
    manager = new_page()
    persona("manager", location=location)
    open_sign_in(manager)
    sign_in(manager, "manager")
    nav_link(manager, "Wait times").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Wait times")
    expect(manager.locator("#wait-times")).to_contain_text("Arrival to roomed")
    check_accessibility_basics(manager)
    screenshot(manager, "frontdesk-wait-times-desktop")
    assert not console.errors(), console.errors()
