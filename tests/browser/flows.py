"""What a person does in the browser: sign in, set up two-factor, read the navigation."""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from typing import Any

from django_otp.oath import hotp, totp
from playwright.sync_api import expect

from medoffice.testing.factories import TEST_PASSWORD


def path_is(path: str) -> re.Pattern[str]:
    """A URL pattern for page.wait_for_url / expect(...).to_have_url: this path, any query."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def b32_key(secret: str) -> bytes:
    secret = secret.strip().replace(" ", "").upper()
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def current_code(secret: str) -> str:
    """What an authenticator app shows now for this key."""
    return f"{totp(b32_key(secret)):06d}"


def next_unused_code(secret: str, user: Any) -> str:
    """A code the server accepts now although the current one was just used.

    django-otp refuses a time step at or before the last one it accepted (no replay), and
    accepts one step of clock drift either way. So: the step after the last accepted one if
    we are still in that step, else the current step; no waiting for the clock.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    now_step = (int(time.time()) - device.t0) // device.step + device.drift
    return f"{hotp(b32_key(secret), max(now_step, device.last_t + 1)):06d}"


@dataclass
class Enrollment:
    secret: str
    recovery_codes: list[str]


def sign_in(page: Any, username: str, password: str = TEST_PASSWORD) -> None:
    """Fill and submit the sign-in form (the page must show it)."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    # Every submission answers with a new page (a redirect or the form again with an error):
    # wait for it, so the next step never reads the previous page.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def open_sign_in(page: Any) -> None:
    page.goto("/")
    expect(page).to_have_url(path_is("/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def enroll_two_factor(page: Any) -> Enrollment:
    """On the set-up page: read the key, type the app's code, keep the recovery codes."""
    expect(page).to_have_url(path_is("/accounts/two-factor/"))
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), f"unexpected key text {secret!r}"
    page.get_by_label("Code from the app").fill(current_code(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor is on")
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    recovery = [c.strip() for c in codes.all_inner_texts()]
    assert all(re.fullmatch(r"[0-9a-f]{4,}-[0-9a-f]{4,}", c) for c in recovery), recovery
    return Enrollment(secret=secret, recovery_codes=recovery)


def enter_code(page: Any, code: str) -> None:
    """On /accounts/login/code/: the second step of signing in."""
    expect(page).to_have_url(path_is("/accounts/login/code/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("Code", exact=True).fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Verify").click()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(path_is("/accounts/login/"))
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")


def main_nav(page: Any) -> Any:
    return page.get_by_role("navigation", name="Main")


NavEntry = str | tuple[str, list[str]]

_READ_MENU_BAR = """bar => Array.from(bar.children).flatMap(li => {
  const menu = li.querySelector(":scope > details.dropdown");
  if (menu) {
    const links = Array.from(menu.querySelectorAll(":scope > ul a"));
    return [[menu.querySelector(":scope > summary").textContent.trim(),
             links.map(a => a.textContent.trim())]];
  }
  const link = li.querySelector(":scope > a");
  if (!link || link.getAttribute("href") === "/accounts/profile/") return [];
  return [link.textContent.trim()];
})"""


def nav_menus(page: Any) -> list[NavEntry]:
    """The main navigation's bar, read from the page whether its menus are open or not: a
    plain link as its label, a menu as (its name, its links' labels); without the profile
    link and the sign-out button."""
    bar = main_nav(page).locator(".main-nav").evaluate(_READ_MENU_BAR)
    return [entry if isinstance(entry, str) else (entry[0], entry[1]) for entry in bar]


def nav_labels(page: Any) -> list[str]:
    """Every link of the main navigation, menus flattened, without profile and sign-out."""
    labels: list[str] = []
    for entry in nav_menus(page):
        labels.extend([entry] if isinstance(entry, str) else entry[1])
    return labels


def nav_menu(page: Any, name: str) -> Any:
    """The <details> of the main navigation's menu called `name`."""
    summary = page.locator("summary", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))
    return main_nav(page).locator("details.dropdown", has=summary)


def nav_link(page: Any, label: str) -> Any:
    """The main navigation's link `label`, ready to click: the phone's Menu toggle and the menu
    holding the link are opened first if they are closed."""
    nav = main_nav(page)
    toggle = nav.locator("details.menu-toggle")
    if not toggle.evaluate("d => d.open"):
        toggle.locator("summary").first.click()
    anywhere = page.get_by_role("link", name=label, exact=True, include_hidden=True)
    menu = nav.locator("details.dropdown", has=anywhere)
    if menu.count() and not menu.evaluate("d => d.open"):
        menu.locator("summary").click()
    return nav.get_by_role("link", name=label, exact=True)


def check_accessibility_basics(page: Any) -> None:
    """One <main>, one <h1>, a language, and a label for every form field."""
    lang = page.locator("html").get_attribute("lang")
    assert lang, f"{page.url}: <html> has no lang attribute"
    assert page.locator("main").count() == 1, f"{page.url}: expected exactly one <main>"
    assert page.locator("h1").count() == 1, f"{page.url}: expected exactly one <h1>"
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll("input, select, textarea"))
              .filter(el => !["hidden", "submit", "button", "reset", "image"].includes(el.type))
              .filter(el => !(el.labels && el.labels.length) &&
                            !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
              .map(el => el.outerHTML)"""
    )
    assert not unlabelled, f"{page.url}: form fields without a label: {unlabelled}"
