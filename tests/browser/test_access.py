"""Refusals a person meets in the browser: wrong passwords, lockout, the 403 page, the admin."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from medoffice.accounts.models import LoginThrottle
from medoffice.audit.models import AuditAction, AuditEvent
from medoffice.testing.personas import persona

from .flows import (
    check_accessibility_basics,
    enroll_two_factor,
    enter_code,
    open_sign_in,
    path_is,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser


def test_wrong_password_then_lockout(page, screenshot):
    persona("frontdesk")
    assert settings.LOCKOUT_ACCOUNT_FAILURES == 5
    open_sign_in(page)
    alert = page.get_by_role("alert")
    for attempt in range(1, 5):
        sign_in(page, "frontdesk", "not the password")
        expect(page).to_have_url(path_is("/accounts/login/"))
        expect(alert).to_have_text("That username and password do not match.")
        # The username stays filled in; the password does not.
        expect(page.get_by_label("Username")).to_have_value("frontdesk")
        expect(page.get_by_label("Password")).to_have_value("")
        if attempt == 1:
            check_accessibility_basics(page)
    screenshot(page, "login-wrong-password")

    # The fifth failure locks the account, and says so right away.
    sign_in(page, "frontdesk", "not the password")
    expect(alert).to_contain_text("Too many failed sign-ins")

    # Locked now: even the right password is refused, with a message that says what to do.
    sign_in(page, "frontdesk")
    expect(page).to_have_url(path_is("/accounts/login/"))
    expect(alert).to_contain_text("Too many failed sign-ins. Try again in 15 minute(s)")
    expect(alert).to_contain_text("ask an administrator to unlock your account")
    # The message stands out in the error colour (--mo-bad), not as ordinary text.
    assert alert.locator("p").evaluate("p => getComputedStyle(p).color") == "rgb(164, 22, 26)"
    screenshot(page, "login-locked")
    assert LoginThrottle.objects.filter(key="user:frontdesk", locked_until__isnull=False).exists()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 5
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_LOCKED).count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_front_desk_gets_the_403_page_for_the_audit_log(page, screenshot):
    persona("frontdesk")
    open_sign_in(page)
    sign_in(page, "frontdesk")
    expect(page).to_have_url(path_is("/"))
    response = page.goto("/audit/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You don't have access")
    expect(page.get_by_role("main")).to_contain_text("recorded in the audit log")
    expect(page.get_by_role("table")).to_have_count(0)
    check_accessibility_basics(page)
    screenshot(page, "403-frontdesk-audit")
    page.get_by_role("link", name="Back to your home page").click()
    expect(page).to_have_url(path_is("/"))
    assert AuditEvent.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor_username="frontdesk"
    ).exists()


def test_admin_with_two_factor_opens_the_admin_and_signs_in_with_a_recovery_code(page, screenshot):
    persona("admin")
    open_sign_in(page)
    sign_in(page, "admin")
    # Not even the admin pages before the second factor is set up.
    page.goto("/admin/")
    expect(page).to_have_url(path_is("/accounts/two-factor/"))
    enrollment = enroll_two_factor(page)

    page.goto("/admin/")
    expect(page.locator("#site-name")).to_have_text("MedOffice administration")
    expect(page).to_have_title("System settings | MedOffice admin")
    screenshot(page, "admin-index")

    # A recovery code stands in for the phone, once.
    page.goto("/")
    sign_out(page)
    sign_in(page, "admin")
    enter_code(page, enrollment.recovery_codes[0])
    expect(page).to_have_url(path_is("/"))
    expect(page.get_by_role("region", name="Your sign-in security")).to_contain_text(
        "Recovery codes left"
    )
    expect(
        page.get_by_role("region", name="Your sign-in security").locator(".stat strong").first
    ).to_have_text("9")
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_have_text("MedOffice administration")

    page.goto("/")
    sign_out(page)
    sign_in(page, "admin")
    enter_code(page, enrollment.recovery_codes[0])
    expect(page).to_have_url(path_is("/accounts/login/code/"))
    expect(page.get_by_role("alert")).to_have_text("That code is not right. Try the current one.")


def test_manager_is_refused_the_admin(page, screenshot):
    persona("manager")
    open_sign_in(page)
    sign_in(page, "manager")
    expect(page).to_have_url(path_is("/"))
    response = page.goto("/admin/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You don't have access")
    expect(page.get_by_text("MedOffice administration")).to_have_count(0)
    screenshot(page, "403-manager-admin")
