"""Playwright fixtures: Debian's chromium, one fresh browser context per test, live server.

The browser is shared by the session; every test gets its own context (cookies, storage),
so sessions never leak between tests. Console output is watched: a Content-Security-Policy
violation or an uncaught script error on any page a test visits fails that test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Playwright waits this long for an element or a navigation before failing (ms).
TIMEOUT_MS = 10_000

# Chromium reports a blocked resource as "Refused to ... because it violates the following
# Content Security Policy directive"; the init script below adds one line per violation event.
CSP_PATTERN = re.compile(r"content[- ]security[- ]policy", re.IGNORECASE)
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("Content Security Policy violation: " + e.violatedDirective + " blocked " +
                (e.blockedURI || "inline") + " on " + document.location.pathname);
});
"""


@dataclass
class ConsoleWatch:
    """Everything the pages of one test printed to the console or threw."""

    messages: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if CSP_PATTERN.search(m)]

    def errors(self) -> list[str]:
        return [m for m in self.messages if m.startswith("error:")]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's chromium. "
            "Install it with `apt-get install chromium` (or `make test-browser`).",
            pytrace=False,
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def console() -> ConsoleWatch:
    return ConsoleWatch()


@pytest.fixture
def new_page(
    browser: Any, live_server: Any, transactional_db: None, console: ConsoleWatch
) -> Iterator[Callable[..., Any]]:
    """new_page(viewport=PHONE) -> a page in a fresh context (its own cookies) on the live server."""
    contexts: list[Any] = []

    def make(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(
            viewport=viewport or DESKTOP,
            base_url=live_server.url,
            accept_downloads=True,
            locale="en-US",
            timezone_id="America/New_York",
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: console.messages.append(f"{msg.type}: {msg.text} [{page.url}]"),
        )
        page.on("pageerror", lambda exc: console.page_errors.append(f"{exc} [{page.url}]"))
        return page

    yield make
    for context in contexts:
        context.close()
    violations = console.csp_violations()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))
    if console.page_errors:
        pytest.fail("Uncaught script errors:\n" + "\n".join(console.page_errors))


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A desktop-sized page (1280x800) in a fresh browser context."""
    return new_page()


@pytest.fixture
def screenshot(artifacts_dir: Path) -> Callable[..., Path]:
    """screenshot(page, "home-manager") -> artifacts/screenshots/home-manager.png."""
    folder = artifacts_dir / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str, *, full_page: bool = True) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    return take
