"""Each staff role signs in through the real forms, sets up two-factor and sees its navigation."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from medoffice.accounts.models import Role
from medoffice.testing.factories import LocationFactory, UserFactory
from medoffice.testing.personas import ALL_STAFF_ROLES, PERSONA_NAMES, persona

from .conftest import DESKTOP, PHONE
from .flows import (
    check_accessibility_basics,
    enroll_two_factor,
    enter_code,
    main_nav,
    nav_link,
    nav_menu,
    nav_menus,
    next_unused_code,
    open_sign_in,
    path_is,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser

# The main navigation each role should see, in order: a plain link, or a menu with its links
# (written out by hand, not derived from the matrix or the registrations, so a change to either
# shows up here). The links are the ones each role had before the menus were grouped.
EXPECTED_NAV = {
    "admin": ["Home", "System admin", "Jobs"],
    "manager": [
        "Home",
        ("Patients", ["Patients", "Referrals", "Outbox"]),
        ("Scheduling", ["Schedule", "Front desk", "Find a time", "Waitlist", "Wait times",
                        "Calendar feed"]),
        ("Billing", ["Charges", "Claims", "Claim submission", "ERAs", "Denials",
                     "Accounts receivable", "Patient statements", "Write-offs and refunds",
                     "Month-end close"]),
        ("Reports", ["KPI reports", "Report schedules", "QI initiatives"]),
        ("Compliance", ["Records audit", "Audit log"]),
        ("Setup", ["Fee schedules", "Payers", "Code tables", "Schedule setup"]),
        "Jobs",
    ],
    "frontdesk": [
        "Home",
        ("Patients", ["Patients", "New patient", "Referrals"]),
        ("Scheduling", ["Schedule", "Front desk", "Find a time", "Waitlist"]),
        ("Reports", ["KPI reports", "QI initiatives"]),
        "Schedule setup",
        "Jobs",
    ],
    "biller": [
        "Home",
        ("Patients", ["Patients", "Referrals"]),
        ("Scheduling", ["Schedule", "Find a time", "Waitlist"]),
        ("Billing", ["Charges", "Claims", "Claim submission", "ERAs", "Denials",
                     "Accounts receivable", "Patient statements", "Write-offs and refunds",
                     "Month-end close"]),
        ("Reports", ["KPI reports", "QI initiatives"]),
        ("Setup", ["Fee schedules", "Payers", "Code tables", "Schedule setup"]),
        "Jobs",
    ],
    "clinician": [
        "Home",
        ("Patients", ["Patients", "Referrals"]),
        ("Scheduling", ["Schedule", "Front desk", "Find a time", "Waitlist", "Calendar feed"]),
        ("Billing", ["Charges", "Claims"]),
        ("Reports", ["KPI reports", "QI initiatives"]),
        "Records audit",
        ("Setup", ["Code tables", "Schedule setup"]),
        "Jobs",
    ],
    "nurse": [
        "Home",
        ("Patients", ["Patients", "Referrals"]),
        ("Scheduling", ["Schedule", "Front desk", "Find a time", "Waitlist"]),
        "Records audit",
        ("Setup", ["Code tables", "Schedule setup"]),
        "Jobs",
    ],
    "purchasing": ["Home", "Jobs"],
    "hr": ["Home", "Jobs"],
    "compliance": [
        "Home",
        ("Patients", ["Patients", "Referrals"]),
        ("Scheduling", ["Schedule", "Find a time", "Waitlist"]),
        ("Billing", ["Charges", "Claims", "Claim submission", "ERAs", "Denials",
                     "Write-offs and refunds"]),
        ("Reports", ["KPI reports", "QI initiatives"]),
        ("Compliance", ["Records audit", "Audit log", "Emergency access"]),
        ("Setup", ["Code tables", "Schedule setup"]),
        "Jobs",
    ],
}  # fmt: skip


def _links(entries):
    return [e for entry in entries for e in ([entry] if isinstance(entry, str) else entry[1])]


def _menus(entries):
    return [entry for entry in entries if not isinstance(entry, str)]


ALL_NAV = {label for entries in EXPECTED_NAV.values() for label in _links(entries)}
# At most this many entries in the bar, whatever the role (the manager's eight fit one row at
# 1280 px).
MAX_TOP_LEVEL = 8
PHONE_ROLES = {"frontdesk", "compliance", "manager"}
# The README's picture; refreshed only on request so test runs leave the checkout clean.
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-home.png"


def _clinic_with_staff():
    """The manager's clinic, with a few colleagues for the "Your team" panel."""
    clinic = LocationFactory(code="main", name="Main Street Clinic")
    for username, staff_role in [
        ("fran", "frontdesk"),
        ("drlee", "clinician"),
        ("drpatel", "clinician"),
        ("nora", "nurse"),
        ("bill", "biller"),
    ]:
        UserFactory(username=username, roles=[staff_role], locations=[clinic])
    return clinic


def test_every_staff_role_is_covered():
    assert sorted(EXPECTED_NAV) == sorted(ALL_STAFF_ROLES)


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_sign_in_two_factor_and_navigation(role, page, new_page, screenshot):
    # The manager's home page is the README's picture: give the "Your team" panel a clinic.
    user = persona(role, location=_clinic_with_staff() if role == "manager" else None)
    first_name = PERSONA_NAMES[user.roles.get().code][0]
    requires_2fa = Role.objects.get(code=role).requires_2fa
    assert requires_2fa == (role in {"admin", "compliance"})

    # Sign in with the password.
    open_sign_in(page)
    check_accessibility_basics(page)
    sign_in(page, role)

    # Roles that require two-factor are sent straight to the set-up page; others start at
    # home and set it up from the "Your sign-in security" panel.
    if requires_2fa:
        expect(page).to_have_url(path_is("/accounts/two-factor/"))
        expect(page.get_by_role("status")).to_contain_text("Your role requires a second factor")
    else:
        expect(page).to_have_url(path_is("/"))
        security = page.get_by_role("region", name="Your sign-in security")
        expect(security).to_contain_text("Two-factor sign-in is off.")
        security.get_by_role("link", name="Set it up").click()
    check_accessibility_basics(page)
    enrollment = enroll_two_factor(page)
    page.get_by_role("button", name="Continue").click()

    # Home, with this role's navigation and nothing more.
    expect(page).to_have_url(path_is("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {first_name}")
    expect(page.get_by_role("region", name="Your sign-in security")).to_contain_text(
        "Two-factor sign-in is on."
    )
    if role == "manager":
        team = page.get_by_role("region", name="Your team")
        expect(team).to_contain_text("At Main Street Clinic:")
        expect(team.locator(".stat", has_text="Clinician")).to_contain_text("2")
        expect(team.locator(".stat", has_text="Office Manager")).to_contain_text("1")
    expected = EXPECTED_NAV[role]
    assert len(expected) <= MAX_TOP_LEVEL
    assert nav_menus(page) == expected
    nav = main_nav(page)
    for label in sorted(ALL_NAV - set(_links(expected))):
        anywhere = nav.get_by_role("link", name=label, exact=True, include_hidden=True)
        expect(anywhere).to_have_count(0)
    expect(page.get_by_role("link", name="Home", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    # On a desktop the bar is laid out in the header, no toggle; its menus start closed.
    expect(nav.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(nav.get_by_role("link", name="Jobs")).to_be_visible()
    for name, _links_of_menu in _menus(expected):
        expect(nav_menu(page, name).locator("summary")).to_be_visible()
        expect(nav_menu(page, name).locator("a").first).to_be_hidden()
    check_accessibility_basics(page)
    shot = screenshot(page, f"home-{role}-desktop")
    if role == "manager" and os.environ.get("MEDOFFICE_UPDATE_DOCS_SCREENSHOT"):
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(screenshot(page, "home-manager-viewport", full_page=False), DOCS_SCREENSHOT)
    assert shot.stat().st_size > 10_000

    if _menus(expected):
        # The longest menu, from the keyboard: Enter on its name opens it, Tab walks into its
        # links, Escape closes it and puts focus back on the name.
        name, links = max(_menus(expected), key=lambda entry: len(entry[1]))
        menu = nav_menu(page, name)
        summary = menu.locator("summary")
        summary.focus()
        page.keyboard.press("Enter")
        expect(menu).to_have_attribute("open", "")
        for label in links:
            expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
        page.keyboard.press("Tab")
        expect(nav.get_by_role("link", name=links[0], exact=True)).to_be_focused()
        screenshot(page, f"home-{role}-desktop-menu", full_page=False)
        page.keyboard.press("Escape")
        expect(menu).not_to_have_attribute("open", "")
        expect(summary).to_be_focused()
        # Tabbing out of an open menu closes it.
        page.keyboard.press("Enter")
        nav.get_by_role("link", name=links[-1], exact=True).focus()
        page.keyboard.press("Tab")
        expect(menu).not_to_have_attribute("open", "")

        # Its last link: there the link is the current page and the menu's name is marked.
        with page.expect_navigation():
            nav_link(page, links[-1]).click()
        expect(summary).to_have_attribute("aria-current", "true")
        expect(nav.get_by_role("link", name="Home", exact=True)).not_to_have_attribute(
            "aria-current", "page"
        )
        summary.click()
        expect(nav.get_by_role("link", name=links[-1], exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        screenshot(page, f"nav-{role}-current-desktop", full_page=False)
        # A click outside an open menu lands on Pico's overlay: it closes the menu, only that.
        page.mouse.click(10, DESKTOP["height"] - 10)
        expect(menu).not_to_have_attribute("open", "")
        check_accessibility_basics(page)

    if role in PHONE_ROLES:
        # On a phone the same session shows the bar folded behind a "Menu" toggle.
        phone = new_page(viewport=PHONE)
        phone.context.add_cookies(page.context.cookies())
        phone.goto("/")
        nav = main_nav(phone)
        toggle = nav.get_by_text("Menu", exact=True)
        expect(toggle).to_be_visible()
        expect(nav.get_by_role("link", name="Jobs")).to_be_hidden()
        screenshot(phone, f"home-{role}-phone", full_page=False)
        toggle.click()
        for entry in expected:
            if isinstance(entry, str):
                expect(nav.get_by_role("link", name=entry, exact=True)).to_be_visible()
            else:
                expect(nav_menu(phone, entry[0]).locator("summary")).to_be_visible()
        expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
        screenshot(phone, f"home-{role}-phone-menu", full_page=False)
        # Each menu folds open in place, one at a time.
        for name, links in _menus(expected):
            nav_menu(phone, name).locator("summary").click()
            for label in links:
                expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
            expect(nav.locator("details.dropdown[open]")).to_have_count(1)
        name, links = max(_menus(expected), key=lambda entry: len(entry[1]))
        if not nav_menu(phone, name).evaluate("menu => menu.open"):
            nav_menu(phone, name).locator("summary").click()
        expect(nav.get_by_role("link", name=links[-1], exact=True)).to_be_visible()
        screenshot(phone, f"home-{role}-phone-menu-open", full_page=False)
        with phone.expect_navigation():
            nav.get_by_role("link", name=links[-1], exact=True).click()
        phone.context.close()

    # Sign out, and in again: now the password is followed by a code from the app.
    sign_out(page)
    check_accessibility_basics(page)
    sign_in(page, role)
    check_accessibility_basics(page)
    enter_code(page, next_unused_code(enrollment.secret, user))
    expect(page).to_have_url(path_is("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {first_name}")
    assert nav_menus(page) == expected
