"""The KPI report pages per role, with fake KPIs whose figures are counted here by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.reports.forms import default_range
from medoffice.reports.models import KpiTarget
from medoffice.reports.tests.kpi_fixtures import (  # noqa: F401
    ACCESS_KEY,
    PRACTICE_KEY,
    RECORDS,
    REVENUE_KEY,
    Visit,
    cast_fixture,
    fake_kpis_fixture,
)

pytestmark = pytest.mark.usefixtures("fake_kpis")
Q1 = "start=2026-01-01&end=2026-03-31&grain=month"
DENIED = ["hr", "purchasing", "nurse", "admin"]


@pytest.fixture
def visits(cast):
    """January: 2 at North (own provider, other provider), 1 at South (own provider).
    February: none. March: 2 at South (other provider), 1 at North (own provider).
    April: 1 (outside Q1)."""
    own, other = cast.own_provider.pk, cast.other_provider.pk
    north, south = cast.north.pk, cast.south.pk
    RECORDS.extend([
        Visit(date(2026, 1, 5), north, own, amount=Decimal("100.00")),
        Visit(date(2026, 1, 20), north, other, amount=Decimal("50.00")),
        Visit(date(2026, 1, 31), south, own, amount=Decimal("50.00")),
        Visit(date(2026, 3, 1), south, other, amount=Decimal("200.00")),
        Visit(date(2026, 3, 15), south, other, amount=Decimal("0.00")),
        Visit(date(2026, 3, 31), north, own, amount=Decimal("100.00")),
        Visit(date(2026, 4, 1), north, own, amount=Decimal("999.00")),
    ])  # fmt: skip
    return RECORDS


def headline(html: str) -> str:
    start = html.index('class="kpi-figure">') + len('class="kpi-figure">')
    return html[start : html.index("</dd>", start)]


def table_rows(html: str) -> list[str]:
    body = html[html.index('<table id="kpi-table"') : html.index("</table>")]
    return [row.split("</tr>")[0] for row in body.split("<tr>")[2:]]


@pytest.mark.parametrize(
    ("role", "keys"),
    [
        ("manager", {ACCESS_KEY, PRACTICE_KEY, REVENUE_KEY}),
        ("compliance", {ACCESS_KEY, PRACTICE_KEY}),
        ("frontdesk", {ACCESS_KEY, PRACTICE_KEY}),
        ("biller", {REVENUE_KEY}),
        # Own figures only: the KPIs that can be narrowed to a provider.
        ("clinician", {ACCESS_KEY, REVENUE_KEY}),
    ],
)
def test_the_index_lists_the_kpis_each_role_may_see(cast, role, keys):
    html = cast.client(role).get("/reports/").content.decode()
    shown = {k for k in (ACCESS_KEY, PRACTICE_KEY, REVENUE_KEY) if f"/reports/{k}/" in html}
    assert shown == keys
    if ACCESS_KEY in keys:
        assert "Access and flow" in html and "Appointments dated in the period." in html
        assert "Target: ≥ 10" in html
    assert ("<h2" in html and "Revenue</h2>" in html) == (REVENUE_KEY in keys)


@pytest.mark.parametrize("role", DENIED)
def test_roles_without_reports_are_refused_everything(cast, visits, role):
    client = cast.client(role)
    before = AuditEvent.objects.filter(action="permission_denied").count()
    for path in (
        "/reports/",
        f"/reports/{ACCESS_KEY}/?{Q1}",
        f"/reports/{REVENUE_KEY}/",
        f"/reports/{ACCESS_KEY}/export.csv?{Q1}",
        f"/reports/{REVENUE_KEY}/export.pdf",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert b"have access" in response.content
    assert AuditEvent.objects.filter(action="permission_denied").count() == before + 5


@pytest.mark.parametrize(
    ("role", "key"),
    [("biller", ACCESS_KEY), ("frontdesk", REVENUE_KEY), ("compliance", REVENUE_KEY),
     ("clinician", PRACTICE_KEY)],
)  # fmt: skip
def test_a_kpi_of_another_capability_is_refused_and_audited(cast, visits, role, key):
    client = cast.client(role)
    for path in (f"/reports/{key}/?{Q1}", f"/reports/{key}/export.xlsx?{Q1}"):
        response = client.get(path)
        assert response.status_code == 403
    refusal = AuditEvent.objects.filter(action="permission_denied").latest("seq")
    assert refusal.object_id == key and refusal.actor_id == cast.users[role].pk


def test_the_manager_sees_the_practice_figures_by_month(cast, visits):
    response = cast.client("manager").get(f"/reports/{ACCESS_KEY}/?{Q1}")
    assert response.status_code == 200
    html = response.content.decode()
    assert headline(html) == "6"  # 3 in January, 3 in March; April is outside
    rows = table_rows(html)
    assert len(rows) == 3
    assert '<th scope="row">2026-01-01</th><td class="num">3</td>' in rows[0]
    assert '<th scope="row">2026-02-01</th><td class="num"></td>' in rows[1]  # a gap, not 0
    assert '<td class="num">3</td>' in rows[2]
    assert 'href="/schedule/?month=2026-01-01"' in rows[0]  # drill-down of the row
    assert 'href="/schedule/"' in html  # the records behind the figure
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="line-chart" role="img"' in html
    assert "Target ≥ 10" in html and "<caption" in html
    assert f"/reports/{ACCESS_KEY}/export.csv?{Q1}" in html.replace("&amp;", "&")


def test_filters_narrow_the_result(cast, visits):
    client = cast.client("manager")
    north = client.get(f"/reports/{ACCESS_KEY}/?{Q1}&location={cast.north.pk}").content.decode()
    assert headline(north) == "3"  # January's two at North and March's one
    own_south = client.get(
        f"/reports/{ACCESS_KEY}/?{Q1}&location={cast.south.pk}&provider={cast.own_provider.pk}"
    ).content.decode()
    assert headline(own_south) == "1"
    january = client.get(f"/reports/{ACCESS_KEY}/?start=2026-01-01&end=2026-01-31").content.decode()
    assert headline(january) == "3" and len(table_rows(january)) == 1
    assert "North clinic" in north  # the scope is written out


def test_the_clinician_sees_only_their_own_figures(cast, visits):
    client = cast.client("clinician")
    html = client.get(f"/reports/{ACCESS_KEY}/?{Q1}").content.decode()
    assert headline(html) == "3"  # own: January 5 and 31, March 31
    assert "Oscar Other" not in html  # the provider list offers only themselves
    own = client.get(f"/reports/{ACCESS_KEY}/?{Q1}&provider={cast.own_provider.pk}")
    assert headline(own.content.decode()) == "3"
    other = client.get(f"/reports/{ACCESS_KEY}/?{Q1}&provider={cast.other_provider.pk}")
    assert other.status_code == 403
    export = client.get(f"/reports/{ACCESS_KEY}/export.csv?{Q1}&provider={cast.other_provider.pk}")
    assert export.status_code == 403
    csv_own = client.get(f"/reports/{ACCESS_KEY}/export.csv?{Q1}").content.decode("utf-8-sig")
    assert csv_own.splitlines()[1:] == ["2026-01-01,2", "2026-02-01,", "2026-03-01,1"]


def test_a_clinician_without_a_provider_record_sees_no_kpi(cast, visits):
    cast.own_provider.delete()
    client = cast.client("clinician")
    assert f"/reports/{ACCESS_KEY}/" not in client.get("/reports/").content.decode()
    assert client.get(f"/reports/{ACCESS_KEY}/").status_code == 403


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("start=yesterday&end=2026-03-31", "From", "Enter a valid date."),
        ("start=2026-03-01&end=2026-01-31", "To", "The end comes before the start."),
        ("start=2020-01-01&end=2026-01-31&grain=day", "By", "Too many periods"),
        ("grain=hour", "By", "Select a valid choice."),
        ("location=abc", "Location", "Select a valid choice."),
        ("location=999999", "Location", "Select a valid choice."),
    ],
)
def test_bad_filters_show_field_errors(cast, visits, query, field, message):
    client = cast.client("manager")
    response = client.get(f"/reports/{ACCESS_KEY}/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and f"<li>{field}: {message}" in html
    assert "<svg" not in html
    export = client.get(f"/reports/{ACCESS_KEY}/export.csv?{query}")
    assert export.status_code == 400 and message.encode() in export.content


def test_defaults_are_the_last_twelve_full_months(cast, visits):
    assert default_range(date(2026, 11, 26)) == (date(2025, 11, 1), date(2026, 10, 31))
    assert default_range(date(2026, 1, 1)) == (date(2025, 1, 1), date(2025, 12, 31))
    html = cast.client("manager").get(f"/reports/{ACCESS_KEY}/").content.decode()
    start, end = default_range()
    assert f'value="{start.isoformat()}"' in html and f'value="{end.isoformat()}"' in html
    assert len(table_rows(html)) == 12


def test_htmx_gets_the_chart_and_table_alone(cast, visits):
    response = cast.client("manager").get(
        f"/reports/{ACCESS_KEY}/?{Q1}", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html and "<svg" in html and 'id="kpi-table"' in html
    assert headline(html) == "6"
    assert "HX-Request" in response["Vary"]
    # Back in the browser's history, htmx asks for the whole page.
    restore = cast.client("manager").get(
        f"/reports/{ACCESS_KEY}/?{Q1}",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.content.decode()


def test_the_page_declares_only_the_kpis_filters(cast, visits):
    html = cast.client("manager").get(f"/reports/{PRACTICE_KEY}/?{Q1}").content.decode()
    assert 'name="location"' in html and 'name="provider"' not in html
    assert 'name="payer"' not in html and 'hx-get="/reports/' in html


@pytest.mark.parametrize(("role", "key", "fmt"), [
    ("manager", ACCESS_KEY, "csv"), ("manager", REVENUE_KEY, "xlsx"), ("manager", ACCESS_KEY, "pdf"),
    ("frontdesk", ACCESS_KEY, "pdf"), ("compliance", PRACTICE_KEY, "xlsx"), ("biller", REVENUE_KEY, "csv"),
    ("clinician", REVENUE_KEY, "pdf"),
])  # fmt: skip
def test_exports_per_role(cast, visits, role, key, fmt):
    response = cast.client(role).get(f"/reports/{key}/export.{fmt}?{Q1}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{key.replace("_", "-")}-20260101-20260331.{fmt}"'
    )
    magic = {"csv": b"\xef\xbb\xbf", "xlsx": b"PK", "pdf": b"%PDF"}[fmt]
    assert response.content.startswith(magic)
    event = AuditEvent.objects.filter(action="export", object_id=key).latest("seq")
    assert event.details["format"] == fmt and event.actor_id == cast.users[role].pk
    assert cast.client(role).get(f"/reports/{key}/export.doc?{Q1}").status_code == 404


def test_the_manager_overrides_and_restores_the_target(cast, visits):
    client = cast.client("manager")
    page = client.get(f"/reports/{ACCESS_KEY}/?{Q1}").content.decode()
    assert 'action="/reports/test_visit_count/target/"' in page
    response = client.post(f"/reports/{ACCESS_KEY}/target/", {"value": "12.5"})
    assert response.status_code == 302
    assert KpiTarget.objects.get(kpi_key=ACCESS_KEY).value == Decimal("12.50")
    page = client.get(f"/reports/{ACCESS_KEY}/?{Q1}").content.decode()
    assert "Target ≥ 12.5 (practice)" in page
    assert AuditEvent.objects.filter(object_type="kpi_target", action="create").count() == 1
    client.post(f"/reports/{ACCESS_KEY}/target/", {"clear": "1"})
    assert not KpiTarget.objects.exists()
    assert AuditEvent.objects.filter(object_type="kpi_target", action="delete").count() == 1


def test_a_bad_target_is_refused_with_a_message(cast):
    client = cast.client("manager")
    response = client.post(f"/reports/{ACCESS_KEY}/target/", {"value": "-3"}, follow=True)
    assert not KpiTarget.objects.exists()
    assert "Enter the target as a number" in response.content.decode()
    response = client.post(f"/reports/{PRACTICE_KEY}/target/", {"value": "3"}, follow=True)
    assert not KpiTarget.objects.exists()
    assert "no target to override" in response.content.decode()


@pytest.mark.parametrize("role", ["compliance", "frontdesk", "biller", "clinician", "hr"])
def test_only_the_manager_sets_targets(cast, role):
    client = cast.client(role)
    response = client.post(f"/reports/{ACCESS_KEY}/target/", {"value": "3"})
    assert response.status_code == 403
    assert not KpiTarget.objects.exists()
    if role != "hr":
        page = client.get(f"/reports/{ACCESS_KEY}/?{Q1}").content.decode()
        assert "/target/" not in page


def test_every_registered_kpi_renders_and_exports(cast):
    """Whatever KPIs are registered when this runs (the real ones too), on an empty practice."""
    from medoffice.reports.kpi import all_kpis

    client = cast.client("manager")
    for k in all_kpis():
        page = client.get(f"/reports/{k.key}/?{Q1}")
        assert page.status_code == 200, k.key
        html = page.content.decode()
        assert 'class="line-chart"' in html and 'id="kpi-table"' in html, k.key
        for fmt in ("csv", "xlsx", "pdf"):
            assert client.get(f"/reports/{k.key}/export.{fmt}?{Q1}").status_code == 200, (
                k.key,
                fmt,
            )
