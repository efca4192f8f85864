"""The office manager's quality-improvement work in the browser: start an initiative on the first
access KPI (no-show rate), add a PDSA cycle, read the chart and "did it work?", then schedule a
report e-mail and send it now; desktop and phone screenshots (artifacts/screenshots/quality-*.png).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from medoffice.reports.tests.test_kpis_access_support import S, appt, at, px  # noqa: F401

from .conftest import PHONE
from .flows import check_accessibility_basics, nav_link, open_sign_in, path_is, sign_in

pytestmark = pytest.mark.browser


def month_back(day: date, months: int) -> date:
    """The first of the month `months` before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def five_months(px):  # noqa: F811
    """Ten visits on the 10th of each of the last five full months; no-shows 3, 2, 3, 1, 1."""
    today = date.today()
    for back, missed in zip((5, 4, 3, 2, 1), (3, 2, 3, 1, 1), strict=True):
        day = month_back(today, back) + timedelta(days=9)
        for n in range(10):
            appt(px, at(day, 8 + n), S.NO_SHOW if n < missed else S.COMPLETED)
    return px


def first_access_kpi():
    from medoffice.reports import kpi

    preferred = kpi.get("no_show_rate")
    return preferred or next(k for k in kpi.all_kpis() if k.section == kpi.Section.ACCESS)


def test_the_manager_runs_an_initiative_and_schedules_a_report(
    five_months, new_page, screenshot, console
):
    from medoffice.testing.personas import persona

    persona("manager")
    metric = first_access_kpi()
    today = date.today()
    baseline_start, baseline_end = month_back(today, 5), month_back(today, 2) - timedelta(days=1)
    started = month_back(today, 2)

    page = new_page()
    open_sign_in(page)
    sign_in(page, "manager")
    nav_link(page, "QI initiatives").click()
    expect(page).to_have_url(path_is("/quality/"))
    page.get_by_role("button", name="Start an initiative").click()
    page.get_by_label("Title").fill("Fewer no-shows")
    page.get_by_label("Problem statement").fill("About one booked visit in four is missed.")
    page.get_by_label("Goal metric").select_option(metric.key)
    page.get_by_label("Baseline from").fill(baseline_start.isoformat())
    page.get_by_label("Baseline to").fill(baseline_end.isoformat())
    page.get_by_label("Target value").fill("12")
    page.get_by_label("Owner").select_option(label="Maria Manager")
    page.get_by_label("Initiative starts").fill(started.isoformat())
    check_accessibility_basics(page)
    page.get_by_role("button", name="Start").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Fewer no-shows")
    page.get_by_role("button", name="Add a PDSA cycle").click()
    page.get_by_label("Starts").fill((started + timedelta(days=2)).isoformat())
    page.get_by_label("Plan").fill("Text a reminder 48 hours before each visit.")
    page.get_by_role("button", name="Save the cycle").click()

    expect(page.get_by_role("heading", name="Did it work?")).to_be_visible()
    chart = page.locator("figure.qi-chart svg")
    expect(chart).to_be_visible()
    expect(chart.locator("line.qi-marker")).to_have_count(1)
    expect(chart.locator("line.qi-marker")).to_have_attribute("data-period", started.isoformat())
    if metric.key == "no_show_rate":
        # Baseline: 8 no-shows in 30 visits (the KPI rounds to 26.7%); latest month 1 in 10.
        expect(page.locator("#qi-baseline strong")).to_have_text("26.7%")
        expect(page.locator("#qi-latest strong")).to_have_text("10%")
        expect(page.locator("#qi-change strong")).to_have_text("\u221216.7 points")
        expect(page.locator("#qi-target")).to_contain_text("met")
    expect(page.locator("#cycle-1")).to_contain_text("Text a reminder 48 hours before")
    check_accessibility_basics(page)
    screenshot(page, "quality-initiative-desktop")
    initiative_url = page.url

    page.goto("/quality/")
    expect(page.locator("#initiatives")).to_contain_text("Fewer no-shows")
    page.get_by_role("button", name="Report schedules").click()
    page.get_by_role("button", name="Schedule a report").click()
    page.get_by_label("Report").select_option(metric.key)
    page.get_by_label("Period each e-mail covers").select_option("last_full_month")
    page.get_by_label("How often").select_option("monthly")
    page.get_by_label("Day of the month (monthly)").select_option("1")
    page.get_by_label("Send at").fill("07:00")
    page.get_by_label(re.compile(r"Maria Manager \(")).check()
    check_accessibility_basics(page)
    screenshot(page, "quality-schedule-form-desktop")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(metric.title)
    expect(page.locator("dl.facts")).to_contain_text("Monthly on day 1 at 07:00")
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("#runs tbody")).to_contain_text("Sent")
    expect(page.locator("#send-job")).to_contain_text("Done")
    screenshot(page, "quality-schedule-desktop")

    phone = new_page(viewport=PHONE)
    open_sign_in(phone)
    sign_in(phone, "manager")
    phone.goto(initiative_url)
    expect(phone.locator("figure.qi-chart svg")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the initiative page is wider than the phone ({width} px)"
    check_accessibility_basics(phone)
    screenshot(phone, "quality-initiative-phone")
    phone.goto("/reports/schedules/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the schedule list is wider than the phone ({width} px)"
    screenshot(phone, "quality-schedules-phone")
    assert not console.errors(), console.errors()
