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

from .conftest import PHONE
from .flows import (
    check_accessibility_basics,
    enroll_two_factor,
    enter_code,
    main_nav,
    nav_labels,
    next_unused_code,
    open_sign_in,
    path_is,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser

# The main navigation each role should see, in order (written out by hand, not derived from
# the matrix, so a change to the matrix or to a registration shows up here).
EXPECTED_NAV = {
    "admin": ["Home", "Jobs", "System admin"],
    "manager": [
        "Home", "Patients", "Schedule", "Front desk", "Find a time", "Referrals", "Waitlist",
        "Charges", "Claims", "ERAs", "Denials", "Claim submission", "Accounts receivable",
        "Patient statements", "Fee schedules", "Write-offs and refunds", "Month-end close",
        "Records audit", "Outbox", "Calendar feed", "Code tables", "Wait times", "Payers",
        "Schedule setup", "Audit log", "Jobs",
    ],
    "frontdesk": [
        "Home", "Patients", "New patient", "Schedule", "Front desk", "Find a time", "Referrals",
        "Waitlist", "Schedule setup", "Jobs",
    ],
    "biller": [
        "Home", "Patients", "Schedule", "Find a time", "Referrals", "Waitlist", "Charges", "Claims",
        "ERAs", "Denials", "Claim submission", "Accounts receivable", "Patient statements",
        "Fee schedules", "Write-offs and refunds", "Month-end close", "Code tables", "Payers",
        "Schedule setup", "Jobs",
    ],
    "clinician": [
        "Home", "Patients", "Schedule", "Front desk", "Find a time", "Referrals", "Waitlist",
        "Charges", "Claims", "Records audit", "Calendar feed", "Code tables", "Schedule setup", "Jobs",
    ],
    "nurse": [
        "Home", "Patients", "Schedule", "Front desk", "Find a time", "Referrals", "Waitlist",
        "Records audit", "Code tables", "Schedule setup", "Jobs",
    ],
    "purchasing": ["Home", "Jobs"],
    "hr": ["Home", "Jobs"],
    "compliance": [
        "Home", "Patients", "Schedule", "Find a time", "Referrals", "Waitlist", "Charges", "Claims",
        "ERAs", "Denials", "Claim submission", "Write-offs and refunds", "Records audit",
        "Code tables", "Schedule setup", "Audit log", "Emergency access", "Jobs",
    ],
}  # fmt: skip
ALL_NAV = {label for labels in EXPECTED_NAV.values() for label in labels}
PHONE_ROLES = {"frontdesk", "compliance"}
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
    assert nav_labels(page) == expected
    for label in sorted(ALL_NAV - set(expected)):
        expect(main_nav(page).get_by_role("link", name=label, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Home", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    # On a desktop the menu is laid out in the header, no toggle.
    expect(main_nav(page).get_by_text("Menu", exact=True)).to_be_hidden()
    expect(main_nav(page).get_by_role("link", name="Jobs")).to_be_visible()
    check_accessibility_basics(page)
    shot = screenshot(page, f"home-{role}-desktop")
    if role == "manager" and os.environ.get("MEDOFFICE_UPDATE_DOCS_SCREENSHOT"):
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(screenshot(page, "home-manager-viewport", full_page=False), DOCS_SCREENSHOT)
    assert shot.stat().st_size > 10_000

    if role in PHONE_ROLES:
        # On a phone the same session shows the entries folded behind a "Menu" toggle.
        phone = new_page(viewport=PHONE)
        phone.context.add_cookies(page.context.cookies())
        phone.goto("/")
        nav = main_nav(phone)
        toggle = nav.get_by_text("Menu", exact=True)
        expect(toggle).to_be_visible()
        expect(nav.get_by_role("link", name="Jobs")).to_be_hidden()
        screenshot(phone, f"home-{role}-phone", full_page=False)
        toggle.click()
        for label in expected:
            expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
        expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
        screenshot(phone, f"home-{role}-phone-menu", full_page=False)
        phone.context.close()

    # Sign out, and in again: now the password is followed by a code from the app.
    sign_out(page)
    check_accessibility_basics(page)
    sign_in(page, role)
    check_accessibility_basics(page)
    enter_code(page, next_unused_code(enrollment.secret, user))
    expect(page).to_have_url(path_is("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {first_name}")
    assert nav_labels(page) == expected
