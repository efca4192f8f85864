"""The office manager's morning huddle in the browser: the home page starts with it; the full
page switches to tomorrow and another location; two numbers open the lists behind them; the
print view; desktop and phone screenshots (artifacts/screenshots/huddle-*.png)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from medoffice.huddle.tests.conftest import office  # noqa: F401 (the fixture)

from .conftest import PHONE
from .flows import check_accessibility_basics, open_sign_in, path_is, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def manager_at_both(office):  # noqa: F811
    from medoffice.testing.personas import persona

    user = persona("manager", location=office["riverside"])
    user.locations.add(office["hilltop"])
    return user


def test_the_manager_runs_the_huddle(office, manager_at_both, new_page, screenshot, console):  # noqa: F811
    riverside = office["riverside"]
    page = new_page()
    open_sign_in(page)
    sign_in(page, "manager")
    panel = page.locator("section[aria-labelledby=panel-huddle]")
    expect(panel.get_by_role("heading", name="Morning huddle")).to_be_visible()
    expect(panel.locator("#huddle-schedule")).to_contain_text(
        "Doc1 Huddle"
    )  # at Hilltop, first by name
    expect(panel.locator("[data-figure=claims-ready]")).to_have_text("2 · $150.50")
    expect(panel.locator("[data-figure=ar-over-90]")).to_have_text("$0.00")
    check_accessibility_basics(page)
    screenshot(page, "huddle-home-desktop")

    panel.get_by_role("link", name="Open the full huddle").click()
    expect(page).to_have_url(path_is("/huddle/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("today")
    expect(page.locator("[data-figure=unconfirmed]")).to_have_text("1")
    page.get_by_role("button", name="Tomorrow").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("tomorrow")
    page.get_by_label("Location", exact=True).select_option(str(riverside.pk))
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#huddle-schedule h2")).to_contain_text("Riverside")
    expect(page.get_by_role("heading", level=1)).to_contain_text("tomorrow")
    expect(page.locator("[data-figure=visits]")).to_have_text("1")
    expect(page.locator("[data-figure=ar-over-90]")).to_have_text("$0.00")
    check_accessibility_basics(page)
    screenshot(page, "huddle-page-desktop")

    expect(page.locator("[data-figure=unconfirmed]")).to_have_text("1")
    # A number opens the list behind it: tomorrow's unconfirmed visits at Riverside...
    page.locator("[data-figure=unconfirmed]").click()
    expect(page).to_have_url(path_is("/schedule/day/"))
    assert f"location={riverside.pk}" in page.url and "status=scheduled" in page.url
    page.go_back()
    # ...and the claims ready to submit.
    page.locator("[data-figure=claims-ready]").click()
    expect(page).to_have_url(path_is("/claims/"))
    assert "status=ready" in page.url
    page.go_back()

    page.get_by_role("button", name="Print view").click()
    expect(page).to_have_url(path_is("/huddle/print/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Riverside")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    page.emulate_media(media="print")
    screenshot(page, "huddle-print")
    page.emulate_media(media="screen")

    phone = new_page(viewport=PHONE)
    open_sign_in(phone)
    sign_in(phone, "manager")
    expect(phone.locator("#huddle-schedule")).to_be_visible()
    screenshot(phone, "huddle-home-phone")
    phone.goto(f"/huddle/?location={riverside.pk}")
    expect(phone.locator("[data-figure=reminders-failed]")).to_have_text("2")
    expect(phone.locator("[data-figure=ar-over-90]")).to_have_text("$0.00")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the huddle is wider than the phone ({width} px)"
    check_accessibility_basics(phone)
    screenshot(phone, "huddle-page-phone")
    assert not [m for m in console.messages if re.match(r"error", m)], console.messages
