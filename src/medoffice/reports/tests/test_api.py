"""The reports API: the KPIs a caller may see, one KPI's figures as strings, refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from medoffice.accounts.services import api_token_create
from medoffice.reports.tests.kpi_fixtures import (
    ACCESS_KEY,
    PRACTICE_KEY,
    RECORDS,
    REVENUE_KEY,
    Visit,
    cast_fixture,  # noqa: F401
    fake_kpis_fixture,  # noqa: F401
)

pytestmark = pytest.mark.usefixtures("fake_kpis")
Q1 = "start=2026-01-01&end=2026-03-31"


def api(cast, role: str) -> Client:
    user = cast.users[role]
    _, raw = api_token_create(actor=user, user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def visits(cast):
    RECORDS.extend([
        Visit(date(2026, 1, 3), cast.north.pk, cast.own_provider.pk, amount=Decimal("80.00")),
        Visit(date(2026, 1, 4), cast.south.pk, cast.other_provider.pk, amount=Decimal("20.00")),
        Visit(date(2026, 3, 4), cast.south.pk, cast.other_provider.pk, amount=Decimal("100.00")),
    ])  # fmt: skip


def keys(response) -> list[str]:
    return [k["key"] for k in response.json() if k["key"].startswith("test_")]


def test_the_list_is_what_the_caller_may_see(cast):
    assert keys(api(cast, "manager").get("/api/reports/")) == [
        ACCESS_KEY,
        PRACTICE_KEY,
        REVENUE_KEY,
    ]
    assert keys(api(cast, "biller").get("/api/reports/")) == [REVENUE_KEY]
    assert keys(api(cast, "clinician").get("/api/reports/")) == [ACCESS_KEY, REVENUE_KEY]
    listed = api(cast, "frontdesk").get("/api/reports/").json()
    access = next(k for k in listed if k["key"] == ACCESS_KEY)
    assert access["target"] == {"value": "10", "better": "higher", "label": "≥ 10"}
    assert access["filters"] == ["location", "provider"]
    assert api(cast, "hr").get("/api/reports/").status_code == 403


def test_one_kpi_with_decimals_as_strings(cast, visits):
    response = api(cast, "manager").get(f"/api/reports/{REVENUE_KEY}?{Q1}&grain=month")
    assert response.status_code == 200
    body = response.json()
    assert body["headline"] == "200.00"
    assert body["kpi"]["target"]["value"] == "500"
    assert body["start"] == "2026-01-01" and body["grain"] == "month"
    share = body["series"][0]["points"]
    assert share == [
        {"period": "2026-01-01", "value": "50.0"},
        {"period": "2026-02-01", "value": None},
        {"period": "2026-03-01", "value": "50.0"},
    ]
    assert body["rows"][0] == {"period": "2026-01-01", "share": "50.0", "dollars": "100.00"}
    assert body["columns"][2] == {"key": "dollars", "label": "Dollars", "unit": "money"}


def test_filters_narrow_and_undeclared_ones_are_dropped(cast, visits):
    client = api(cast, "manager")
    south = client.get(f"/api/reports/{ACCESS_KEY}?{Q1}&location={cast.south.pk}").json()
    assert south["headline"] == "2" and south["location_id"] == cast.south.pk
    # The access KPI has no payer filter: the parameter is ignored, not applied.
    assert client.get(f"/api/reports/{ACCESS_KEY}?{Q1}&payer=5").json()["payer_id"] is None


def test_clinician_gets_own_figures_and_is_refused_another_provider(cast, visits):
    client = api(cast, "clinician")
    own = client.get(f"/api/reports/{ACCESS_KEY}?{Q1}").json()
    assert own["provider_id"] == cast.own_provider.pk and own["headline"] == "1"
    other = client.get(f"/api/reports/{ACCESS_KEY}?{Q1}&provider={cast.other_provider.pk}")
    assert other.status_code == 403 and "own figures" in other.json()["detail"]
    assert client.get(f"/api/reports/{PRACTICE_KEY}?{Q1}").status_code == 403


def test_bad_filters_are_a_400_with_the_fields(cast):
    response = api(cast, "manager").get(
        f"/api/reports/{ACCESS_KEY}?start=2026-05-01&end=2026-01-01"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"end": ["The end comes before the start."]}
    response = api(cast, "manager").get(f"/api/reports/{ACCESS_KEY}?grain=year&location=x")
    assert set(response.json()["errors"]) == {"grain", "location"}


def test_unknown_kpi_and_other_capability(cast):
    assert api(cast, "manager").get("/api/reports/nope").status_code == 404
    refused = api(cast, "biller").get(f"/api/reports/{ACCESS_KEY}")
    assert refused.status_code == 403 and refused.json()["detail"]
