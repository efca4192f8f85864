"""The front desk books from the day view and moves the visit by dragging it: to another time,
to another provider, and onto a taken time (refused: the card goes back and the reason shows)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from medoffice.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityTemplate,
    Provider,
    Room,
)
from medoffice.scheduling.services.availability import availability_materialize
from medoffice.scheduling.services.booking import BookingRequest, appointment_book
from medoffice.scheduling.tests.conftest import make_patient
from medoffice.testing.factories import LocationFactory, UserFactory
from medoffice.testing.personas import persona

from .conftest import PHONE
from .flows import check_accessibility_basics, nav_link, open_sign_in, path_is, sign_in

pytestmark = pytest.mark.browser

SLOT_PX = 10  # one 5-minute row (calendar.css --slot)
NPIS = ["1234567893", "1245319599"]


def next_weekday() -> date:
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def practice() -> dict:
    location = LocationFactory(name="Riverside", code="riv", time_zone="America/New_York")
    providers = []
    for i, (first, last) in enumerate([("Amara", "Okafor"), ("Ben", "Lindqvist")]):
        user = UserFactory(
            username=f"dr{i}", first_name=first, last_name=last, title="MD", roles=["clinician"]
        )
        provider = Provider.objects.create(user=user, npi=NPIS[i])
        provider.locations.add(location)
        AvailabilityTemplate.objects.create(
            provider=provider, location=location, start_time=time(9), end_time=time(17),
            rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", starts_on=date(2020, 1, 1),
        )  # fmt: skip
        providers.append(provider)
    for name in ("Exam 1", "Exam 2", "Exam 3"):
        Room.objects.create(location=location, name=name, kind="exam")
    office = AppointmentType.objects.create(
        name="Office visit", code="office", duration_minutes=20, room_kind="exam", color="#2f7ed8"
    )
    AppointmentType.objects.create(
        name="Physical", code="physical", duration_minutes=40, room_kind="exam", color="#2e9e6b"
    )
    today = timezone.localdate()
    availability_materialize(start=today, end=today + timedelta(days=14))
    return {"location": location, "providers": providers, "office": office}


def book(setup: dict, actor, day: date, hour: int, provider: int, family: str, given: str):
    start = datetime.combine(day, time(hour), tzinfo=ZoneInfo("America/New_York"))
    request = BookingRequest(
        patient_id=make_patient(family, given).pk, type=setup["office"],
        provider=setup["providers"][provider], location_id=setup["location"].pk, start=start,
    )  # fmt: skip
    return appointment_book(actor=actor, request=request).appointment


def settled(panel) -> None:
    """htmx wires up swapped-in content after a short settle: wait for it before the next step
    (a person is never that fast; a test is)."""
    expect(panel).not_to_have_class(re.compile("htmx-settling"))
    expect(panel.locator(".htmx-added")).to_have_count(0)


def column(page, provider: Provider):
    return page.locator(f'.cal-col[data-provider="{provider.pk}"]')


def point(page, col, minute: int, *, scroll: bool = True) -> tuple[float, float]:
    """Where on screen the 5-minute row starting at `minute` of this column is."""
    axis = int(page.locator("#cal-grid").get_attribute("data-axis-start"))
    y = (minute - axis) // 5 * SLOT_PX
    if scroll:
        page.locator("#cal-scroll").evaluate(f"box => box.scrollTop = {max(0, y - 60)}")
    box = col.locator(".cal-col-body").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + y + 4


def drag(page, card, to_col, minute: int) -> None:
    """Press on the card, move to the row of `minute` in `to_col` (both in view), release."""
    start_minute = int(card.get_attribute("data-start-minute"))
    point(page, to_col, min(start_minute, minute))  # scrolls both into view
    start = card.bounding_box()
    x, y = point(page, to_col, minute, scroll=False)
    page.mouse.move(start["x"] + 12, start["y"] + 4)
    page.mouse.down()
    page.mouse.move(start["x"] + 30, start["y"] + 20, steps=4)
    page.mouse.move(x, y, steps=12)
    page.mouse.up()


def test_front_desk_books_and_drags_on_the_day_view(page, new_page, screenshot):
    setup = practice()
    desk = persona("frontdesk", location=setup["location"])
    day = next_weekday()
    blocker = book(setup, desk, day, 14, 1, "Castellanos", "Rosa")  # Dr Lindqvist at 2 PM
    book(setup, desk, day, 9, 0, "Hughes", "Marcus")
    make_patient("Ferreira", "Lucia")
    okafor, lindqvist = setup["providers"]

    open_sign_in(page)
    sign_in(page, "frontdesk")
    with page.expect_navigation():
        nav_link(page, "Schedule").click()
    expect(page).to_have_url(path_is("/schedule/day/"))
    page.goto(f"/schedule/day/?date={day.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{day:%B} {day.day}")
    check_accessibility_basics(page)
    expect(column(page, okafor).locator(".cal-col-title")).to_have_text("Amara Okafor, MD")
    expect(page.locator(".cal-card", has_text="Hughes, Marcus")).to_be_visible()

    # Click the free 10:00 slot in Dr Okafor's column: the panel opens with it filled in.
    x, y = point(page, column(page, okafor), 10 * 60)
    page.mouse.click(x, y)
    panel = page.locator("#cal-panel")
    expect(panel.get_by_role("heading", name="Book an appointment")).to_be_visible()
    expect(panel.get_by_label("Time")).to_have_value("10:00")
    expect(panel.get_by_label("Provider")).to_have_value(str(okafor.pk))
    expect(panel.get_by_label(re.compile("Find the patient"))).to_be_focused()
    settled(panel)
    page.keyboard.type("ferreira", delay=30)
    panel.get_by_label(re.compile("Ferreira, Lucia")).check()
    expect(panel.locator(".booking-patient")).to_contain_text("Ferreira, Lucia")
    settled(panel)
    panel.get_by_label("Type of visit").select_option(label="Office visit (20 min)")
    expect(panel.locator(".panel-warnings")).to_contain_text("No insurance is active")
    panel.get_by_label("Reason for the visit").fill("Follow-up, blood pressure")
    screenshot(page, "calendar-booking-panel-desktop")
    panel.get_by_role("button", name="Book", exact=True).click()
    expect(panel).to_contain_text("Lucia Ferreira is booked for Office visit")
    expect(panel).to_contain_text("10:00 \u2013 10:20 AM")
    card = page.locator(".cal-card", has_text="Ferreira, Lucia")
    expect(card).to_have_attribute("data-start-minute", str(10 * 60))
    panel.get_by_role("button", name="Close").first.click()
    expect(panel).not_to_have_class(re.compile("is-open"))

    # Drag it to 11:00, then into Dr Lindqvist's column.
    drag(page, card, column(page, okafor), 11 * 60)
    status = page.locator("#cal-status")
    expect(status).to_contain_text("Moved to")
    expect(status).to_contain_text("11:00 \u2013 11:20 AM")
    card = column(page, okafor).locator(".cal-card", has_text="Ferreira, Lucia")
    expect(card).to_have_attribute("data-start-minute", str(11 * 60))
    drag(page, card, column(page, lindqvist), 11 * 60)
    expect(status).to_contain_text("with Ben Lindqvist, MD")
    card = column(page, lindqvist).locator(".cal-card", has_text="Ferreira, Lucia")
    expect(card).to_have_attribute("data-start-minute", str(11 * 60))
    expect(column(page, okafor).locator(".cal-card", has_text="Ferreira")).to_have_count(0)
    point(page, column(page, okafor), 9 * 60)  # the morning in view for the picture
    screenshot(page, "calendar-day-desktop")

    # Onto the taken 2 PM slot: refused, the card goes back, the reason shows.
    drag(page, card, column(page, lindqvist), 14 * 60)
    expect(status).to_contain_text("is already booked at 14:00")
    expect(status).to_have_class(re.compile("tone-bad"))
    expect(card).to_have_attribute("data-start-minute", str(11 * 60))
    expect(card).not_to_have_class(re.compile("is-dragging|is-saving"))
    moved = Appointment.objects.get(patient__family_name="Ferreira", status="scheduled")
    assert (moved.provider, moved.start.astimezone(ZoneInfo("America/New_York")).hour) == (
        lindqvist,
        11,
    )
    assert Appointment.objects.get(pk=blocker.pk).status == "scheduled"
    screenshot(page, "calendar-conflict-desktop")

    # The card's panel: the visit, its flow, and the keyboard's way to move it.
    card.click()
    expect(panel.get_by_role("heading", name="Ferreira, Lucia")).to_be_visible()
    expect(panel).to_contain_text("Visit flow")
    expect(panel.get_by_role("button", name="Move")).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).not_to_have_class(re.compile("is-open"))

    # On a phone: one provider across the screen, a picker for the others, no sideways page.
    phone = new_page(viewport=PHONE)
    open_sign_in(phone)
    sign_in(phone, "frontdesk")
    phone.goto(f"/schedule/day/?date={day.isoformat()}")
    picker = phone.get_by_label("Provider", exact=True)
    expect(picker).to_be_visible()
    picker.select_option(label="Ben Lindqvist, MD")
    lindqvist_col = phone.locator(f'.cal-col[data-provider="{lindqvist.pk}"]')
    expect(lindqvist_col.locator(".cal-card", has_text="Ferreira")).to_be_in_viewport()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"
    screenshot(phone, "calendar-day-phone", full_page=False)
    lindqvist_col.locator(".cal-card", has_text="Ferreira").click()
    expect(phone.locator("#cal-panel").get_by_role("button", name="Move")).to_be_visible()
    screenshot(phone, "calendar-panel-phone", full_page=False)
