"""The huddle pages per role, every link behind a number, the query bound, the API."""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medoffice.audit.models import AuditEvent
from medoffice.huddle import ar
from medoffice.huddle.tests.conftest import at, book
from medoffice.scheduling.models import AvailabilityTemplate, Provider
from medoffice.scheduling.services.availability import availability_materialize
from medoffice.testing.factories import UserFactory
from medoffice.testing.personas import persona, signed_in_client

SECTIONS = ("schedule", "flow", "claims", "ar", "records", "messages")
SEEN = {
    "frontdesk": {"schedule", "flow"},
    "biller": {"claims", "ar"},
    "clinician": {"schedule", "flow"},
    "nurse": {"flow", "records"},
    "compliance": {"schedule", "claims", "records"},
}


def _figure_links(html: str) -> dict[str, str]:
    return {
        key: unescape(href)
        for href, key in re.findall(r'<a href="([^"]+)" data-figure="([^"]+)"', html)
    }


def _sections(html: str) -> set[str]:
    return {key for key in SECTIONS if f'id="huddle-{key}"' in html}


def test_the_manager_sees_every_part_and_counts_only(office, manager):
    client = signed_in_client(manager)
    response = client.get(f"/huddle/?location={office['riverside'].pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert _sections(html) == set(SECTIONS)
    assert "Covered" not in html and "Lapsed" not in html  # no patient names
    links = _figure_links(html)
    assert unescape(re.search(r'data-figure="claims-ready">([^<]+)<', html)[1]) == "2 · $150.50"
    assert ">1 · $80.00<" in html and ">1 · $120.25<" in html
    assert (
        links["unconfirmed"].endswith(f"location={office['riverside'].pk}&status=scheduled")
        and "date=" in links["unconfirmed"]
    )
    assert links["reminders-failed"] == "/messaging/outbox/?status=failed&purpose=reminder"
    assert links["claims-rejected"] == "/claims/?status=rejected"


@pytest.mark.parametrize("role", sorted(SEEN))
def test_each_role_sees_only_its_parts(office, role):
    user = (
        office["doc_a"].user if role == "clinician" else persona(role, location=office["riverside"])
    )
    response = signed_in_client(user).get(f"/huddle/?location={office['riverside'].pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert _sections(html) == SEEN[role]
    if role == "clinician":
        assert "Doc1" not in html and "Doc0 Huddle" in html  # their own column only


@pytest.mark.parametrize("role", ["hr", "purchasing", "admin"])
def test_roles_without_a_part_are_refused(office, role):
    client = signed_in_client(persona(role, location=office["riverside"]))
    before = AuditEvent.objects.filter(action="permission_denied").count()
    for path in ("/huddle/", "/huddle/print/", "/huddle/ar/", "/api/huddle/"):
        response = client.get(path)
        assert response.status_code == 403, path
    assert AuditEvent.objects.filter(action="permission_denied").count() == before + 4
    home = client.get("/").content.decode()
    assert 'id="panel-huddle"' not in home


def test_the_ar_fragment_is_for_the_billing_office_and_manager(office, manager):
    desk = signed_in_client(persona("frontdesk", location=office["riverside"]))
    assert desk.get("/huddle/ar/").status_code == 403
    response = signed_in_client(manager).get(f"/huddle/ar/?location={office['riverside'].pk}")
    assert response.status_code == 200
    assert 'data-figure="ar-over-90">$0.00<' in response.content.decode()


def test_the_ar_figure_is_served_from_its_last_computation(office, manager):
    location_id, as_of = office["riverside"].pk, office["today"]
    assert ar.cached(location_id, as_of) is None
    first = ar.over_90(location_id, as_of)
    assert not first.from_cache and first.total == Decimal("0.00")
    with CaptureQueriesContext(connection) as queries:
        again = ar.over_90(location_id, as_of)
    assert again.from_cache and again.computed_at == first.computed_at and not queries


def test_every_link_behind_a_number_opens_for_the_manager(office, manager):
    client = signed_in_client(manager)
    pages = [
        f"/huddle/?location={office['riverside'].pk}",
        f"/huddle/?day=tomorrow&location={office['riverside'].pk}&department={office['cardiology'].pk}",
    ]
    links: set[str] = set()
    for page in pages:
        html = client.get(page).content.decode()
        links |= set(_figure_links(html).values())
        links |= {unescape(h) for h in re.findall(r'href="(/huddle/[^"]*)"', html)}
    ar_html = client.get(f"/huddle/ar/?location={office['riverside'].pk}").content.decode()
    links |= set(_figure_links(ar_html).values())
    assert len(links) >= 15
    for link in sorted(links):
        assert client.get(link.split("#")[0]).status_code == 200, link


def test_a_location_that_is_not_yours_is_not_found(office):
    desk = signed_in_client(persona("frontdesk", location=office["riverside"]))
    assert desk.get(f"/huddle/?location={office['hilltop'].pk}").status_code == 404


def test_post_changes_nothing(office, manager):
    assert signed_in_client(manager).post("/huddle/").status_code == 405


def _page_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_number_of_queries_is_bounded(office, manager, django_assert_max_num_queries):
    client = signed_in_client(manager)
    path = f"/huddle/?location={office['riverside'].pk}"
    client.get(path)  # warm the per-process caches (content types, settings)
    with django_assert_max_num_queries(30):
        client.get(path)
    before = _page_queries(client, path)
    # Ten more providers with hours and visits: the same number of queries.
    riverside, today = office["riverside"], office["today"]
    for i in range(10):
        user = UserFactory(username=f"extra{i}", roles=["clinician"], locations=[riverside])
        provider = Provider.objects.create(user=user, npi=f"99000000{i:02d}")
        AvailabilityTemplate.objects.create(
            provider=provider, location=riverside, start_time=time(8), end_time=time(12),
            rrule="FREQ=DAILY", starts_on=today - timedelta(days=1),
        )  # fmt: skip
        book(office, provider, at(today, 8), 20, status="scheduled")
    availability_materialize(start=today - timedelta(days=1), end=today + timedelta(days=2))
    assert _page_queries(client, path) == before


def test_the_home_page_starts_with_the_huddle(office, manager):
    html = signed_in_client(manager).get("/").content.decode()
    assert html.index('id="panel-huddle"') < html.index('id="panel-my_access"')
    assert 'id="huddle-schedule"' in html and "Open the full huddle" in html
    # The chart's records-audit panel would repeat the huddle's records part: it is left out.
    assert 'id="panel-records_audit"' not in html


def test_the_print_view(office, manager):
    html = signed_in_client(manager).get("/huddle/print/?day=tomorrow").content.decode()
    assert "Huddle ·" in html and "data-print" in html and "no patient information" in html


def test_the_api_gives_the_same_figures(office, manager):
    client = signed_in_client(manager)
    data = client.get(f"/api/huddle/?day=today&location={office['riverside'].pk}").json()
    assert data["schedule"]["total"]["visits"] == 4
    assert (data["schedule"]["no_coverage"], data["schedule"]["no_authorization"]) == (1, 1)
    assert data["claims"]["ready_amount"] == "150.50" and data["reminders_failed"] == 2
    assert data["flow"]["long_waits"] == 1
    biller = signed_in_client(persona("biller", location=office["riverside"]))
    data = biller.get("/api/huddle/").json()
    assert data["schedule"] is None and data["claims"]["denied"] == 1
    assert client.get("/api/huddle/?location=999999").status_code == 404
