"""The compliance officer reads the audit log in the browser: sign-ins, filter, CSV export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from medoffice.audit.selectors import CSV_COLUMNS
from medoffice.testing.personas import persona

from .flows import enroll_two_factor, main_nav, nav_link, open_sign_in, path_is, sign_in

pytestmark = pytest.mark.browser


def entry_rows(page):
    return page.locator("#audit-entries tbody tr")


def column(page, index: int) -> list[str]:
    """The text of one column of the entries table (0 = #, 2 = user, 3 = action)."""
    return [
        t.strip() for t in entry_rows(page).locator(f"td:nth-child({index + 1})").all_inner_texts()
    ]


def test_compliance_reads_filters_and_exports_the_audit_log(page, new_page, screenshot):
    persona("frontdesk")
    persona("compliance")

    # The front desk signs in (once wrongly) in a browser of their own.
    desk = new_page()
    open_sign_in(desk)
    sign_in(desk, "frontdesk", "wrong password")
    sign_in(desk, "frontdesk")
    expect(desk).to_have_url(path_is("/"))

    # The compliance officer signs in, sets up two-factor and opens the log from the menu.
    open_sign_in(page)
    sign_in(page, "compliance")
    enroll_two_factor(page)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(path_is("/"))
    with page.expect_navigation():
        nav_link(page, "Audit log").click()
    expect(page).to_have_url(path_is("/audit/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    # The link sits in the closed Compliance menu: found without opening it.
    current = main_nav(page).get_by_role("link", name="Audit log", include_hidden=True)
    expect(current).to_have_attribute("aria-current", "page")

    actions = column(page, 3)
    users = column(page, 2)
    assert ("frontdesk", "Signed in") in zip(users, actions, strict=True)
    assert ("compliance", "Signed in") in zip(users, actions, strict=True)
    assert ("compliance", "Two-factor enrolled") in zip(users, actions, strict=True)
    assert any(a.startswith("Failed sign-in") for a in actions), actions
    seqs = [int(s) for s in column(page, 0)]
    assert seqs == sorted(seqs, reverse=True), "newest first"
    screenshot(page, "audit-log-compliance")

    # Filter by user: only the front desk's entries remain, and the filter stays filled in.
    page.get_by_label("User").fill("frontdesk")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/audit/\?.*username=frontdesk"))
    expect(page.get_by_label("User")).to_have_value("frontdesk")
    expect(entry_rows(page)).not_to_have_count(0)
    # Their own actions, and what happened to their account while nobody was signed in.
    assert set(column(page, 2)) <= {"frontdesk", "—"}
    assert "Signed in" in column(page, 3)
    screenshot(page, "audit-log-filtered")

    # Export what the filter shows.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export these entries as CSV").click()
    download = download_info.value
    assert re.fullmatch(r"audit-log-\d{8}-\d{4}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    assert rows[0] == CSV_COLUMNS
    assert len(rows) > 1
    user_col, action_col = CSV_COLUMNS.index("user"), CSV_COLUMNS.index("action")
    assert {r[user_col] for r in rows[1:]} <= {"frontdesk", ""}
    assert "login" in {r[action_col] for r in rows[1:]}

    # The export itself is in the log, under the compliance officer's name.
    page.get_by_label("User").fill("compliance")
    page.get_by_label("Action").select_option(label="Exported")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/audit/\?.*username=compliance.*action=export"))
    expect(entry_rows(page).locator("td:nth-child(4)")).to_have_text(["Exported"])
    expect(entry_rows(page).locator("td:nth-child(3)")).to_have_text(["compliance"])
