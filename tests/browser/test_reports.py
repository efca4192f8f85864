"""KPI reports in the browser: the manager opens the reports through the menu, every registered
KPI with a location and a month range, its chart and table, and downloads each export format.

The list of KPIs is whatever is registered when the test runs (kpi.all_kpis()), plus one test
KPI with records so that one chart has lines, a gap and a target to look at.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from medoffice.reports import kpi
from medoffice.reports.forms import default_range
from medoffice.reports.kpi import Filter
from medoffice.reports.tests.kpi_fixtures import FAKE_KPIS, RECORDS, Visit, unregister
from medoffice.testing.factories import LocationFactory
from medoffice.testing.personas import persona

from .conftest import PHONE
from .flows import check_accessibility_basics, nav_link, open_sign_in, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def practice_with_records():
    """The manager, two locations, and records for the test KPIs over the last full months."""
    north = LocationFactory(name="North clinic", code="north")
    LocationFactory(name="South clinic", code="south", practice=north.practice)
    persona("manager", location=north)
    _start, end = default_range()
    last = end.replace(day=1)
    months = [
        date(last.year - (last.month - n <= 0), (last.month - n - 1) % 12 + 1, 1) for n in (2, 1, 0)
    ]
    for n, month in enumerate(months):
        if n == 1:
            continue  # a month without records: a gap in the chart
        for day in range(1, 4 + n * 3):
            RECORDS.append(Visit(month + timedelta(days=day), north.pk, None,
                                 amount=Decimal("75.50") * day))  # fmt: skip
    for k in FAKE_KPIS:
        kpi.register(k)
    yield {"north": north, "start": min(months), "end": end}
    RECORDS.clear()
    for k in FAKE_KPIS:
        unregister(k.key)


def _fits(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """w => Array.from(document.querySelectorAll("main *"))
              .filter(el => el.getBoundingClientRect().right > w)
              .slice(0, 5).map(el => el.tagName + "." + el.className)""",
        width,
    )
    assert scroll <= width, f"{page.url} scrolls sideways ({scroll}px > {width}px): {wide}"


def _set_filters(page: Any, k: kpi.Kpi, start: date, end: date) -> None:
    """Choose the month range and, when the KPI has one, the location; wait for the refresh."""
    form = page.get_by_role("form", name="Filter the report")
    form.get_by_label("From").fill(start.isoformat())
    form.get_by_label("To").fill(end.isoformat())
    if Filter.LOCATION in k.filters:
        form.get_by_label("Location").select_option(label="North clinic")
    with page.expect_response(re.compile(rf"/reports/{k.key}/\?")):
        form.get_by_role("button", name="Show").click()
    # Each change of a field also refreshes: wait until no request is in flight.
    expect(
        page.locator("form.htmx-request, #kpi-body.htmx-swapping, #kpi-body.htmx-settling")
    ).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"start={start.isoformat()}.*end={end.isoformat()}"))
    expect(page.locator("#kpi-headline")).to_contain_text(
        f"{start.isoformat()} to {end.isoformat()}"
    )
    if Filter.LOCATION in k.filters:
        expect(page.locator("#kpi-headline")).to_contain_text("North clinic")


def _check_chart_and_table(page: Any, k: kpi.Kpi) -> None:
    chart = page.locator("#kpi-chart svg.line-chart:not(.narrow)")
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("title")).to_have_text(k.title)
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 80, (k.key, box)
    table = page.locator("#kpi-table")
    expect(table.locator("caption")).to_contain_text(k.title)
    assert table.locator("thead th").count() >= 2, k.key
    if k.target is not None:
        expect(chart.locator(".target-label")).to_contain_text("Target")


def _download_each_format(page: Any, k: kpi.Kpi, tmp_path: Any) -> None:
    for label, suffix, magic in (("CSV", ".csv", b"\xef\xbb\xbf"), ("Spreadsheet (XLSX)", ".xlsx", b"PK"),
                                 ("PDF", ".pdf", b"%PDF")):  # fmt: skip
        with page.expect_download() as info:
            page.locator(".kpi-exports").get_by_role("link", name=label).click()
        download = info.value
        assert download.suggested_filename.endswith(suffix), download.suggested_filename
        assert download.suggested_filename.startswith(k.key.replace("_", "-"))
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        assert path.read_bytes().startswith(magic), (k.key, label)


def test_the_manager_reads_every_kpi_and_downloads_it(
    new_page, screenshot, tmp_path, practice_with_records
):
    start, end = practice_with_records["start"], practice_with_records["end"]
    page = new_page()
    open_sign_in(page)
    sign_in(page, "manager")
    with page.expect_navigation():
        nav_link(page, "KPI reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("KPI reports")
    check_accessibility_basics(page)
    screenshot(page, "reports-index-desktop")

    kpis = kpi.all_kpis()
    assert {k.key for k in FAKE_KPIS} <= {k.key for k in kpis}
    for k in kpis:
        link = page.get_by_role("link", name=k.title, exact=True)
        with page.expect_navigation():
            link.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(k.title)
        _set_filters(page, k, start, end)
        _check_chart_and_table(page, k)
        _download_each_format(page, k, tmp_path)
        check_accessibility_basics(page)
        screenshot(page, f"reports-{k.key.replace('_', '-')}-desktop")
        with page.expect_navigation():
            page.get_by_role("link", name="← KPI reports").click()

    # The test KPI's chart has lines, a gap (the middle month) and the target line.
    page.goto(
        f"/reports/test_visit_count/?start={start}&end={end}&location={practice_with_records['north'].pk}"
    )
    expect(page.locator("#kpi-chart svg.line-chart:not(.narrow) .series-0 path")).to_have_count(1)
    d = page.locator("#kpi-chart svg.line-chart:not(.narrow) .series-0 path").get_attribute("d")
    assert d.count("M") == 2, d
    expect(page.locator("#kpi-table tbody tr")).to_have_count(3)
    screenshot(page, "reports-test-visit-count-populated-desktop")

    # On a phone the chart scales to the screen and the table scrolls in its own box.
    phone = new_page(viewport=PHONE)
    open_sign_in(phone)
    sign_in(phone, "manager")
    phone.goto(f"/reports/test_revenue_share/?start={start}&end={end}")
    chart = phone.locator("#kpi-chart svg.line-chart.narrow")
    box = chart.bounding_box()
    assert box and box["width"] <= PHONE["width"], box
    _fits(phone, PHONE["width"])
    screenshot(phone, "reports-test-revenue-share-phone")
    phone.goto("/reports/")
    _fits(phone, PHONE["width"])
    screenshot(phone, "reports-index-phone")
    for k in kpis:
        if not k.key.startswith("test_"):
            phone.goto(f"/reports/{k.key}/?start={start}&end={end}")
            _fits(phone, PHONE["width"])
            screenshot(phone, f"reports-{k.key.replace('_', '-')}-phone")
            break
