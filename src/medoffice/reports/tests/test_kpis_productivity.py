# ruff: noqa: F811  (fixtures imported from revenue_data)
"""Visits and charges per provider, claims worked per biller, on the three visits of
revenue_data, every expected figure worked out by hand from that story."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from medoffice.reports import kpis_productivity as productivity
from medoffice.reports.kpi import Grain, ReportFilters, get
from medoffice.reports.tests.revenue_data import biller, office, story  # noqa: F401

D = Decimal
MAR, APR = date(2026, 3, 1), date(2026, 4, 1)
SPRING = ReportFilters(start=MAR, end=date(2026, 4, 30), grain=Grain.MONTH)
SUMMER = ReportFilters(start=date(2026, 8, 1), end=date(2026, 8, 31))


def values(series):
    return [(p.period, p.value) for p in series.points]


def test_registered_in_the_productivity_section():
    for key in ("charges_per_provider", "claims_worked_per_biller"):
        kpi = get(key)
        assert kpi is not None and kpi.section == "productivity"


def test_visits_and_charges_per_provider(story):
    result = productivity.charges_per_provider(SPRING)
    # Dr. Clinician: A 168 + C 168 = 336 over 2 visits; Dr. Other: B 148, 1 visit; 484 in all.
    assert [(r["visits"], r["charges"]) for r in result.rows] == [
        (2, D("336.00")), (1, D("148.00")),
    ]  # fmt: skip
    assert result.headline == D("484.00")
    # All providers: March A + B = 316, April C = 168; then one line per provider.
    assert values(result.series[0]) == [(MAR, D("316.00")), (APR, D("168.00"))]
    assert [values(s) for s in result.series[1:]] == [
        [(MAR, D("168.00")), (APR, D("168.00"))], [(MAR, D("148.00")), (APR, None)],
    ]  # fmt: skip
    troy = productivity.charges_per_provider(replace(SPRING, location_id=story["troy"].pk))
    assert [(r["visits"], r["charges"]) for r in troy.rows] == [(1, D("168.00"))]
    other = replace(SPRING, provider_id=story["claims"][1].rendering_provider_id)
    assert productivity.charges_per_provider(other).headline == D("148.00")
    assert productivity.charges_per_provider(SUMMER).headline is None


def test_claims_worked_per_biller(story, biller):
    result = productivity.claims_worked_per_biller(SPRING)
    # Every move was the biller's. A: built (draft), scrubbed, ready, submitted, accepted and
    # paid by the ERA = 6; B the same with denied = 6; C: built, scrubbed, ready, submitted,
    # rejected, draft, scrubbed, ready, submitted = 9. March 6 + 6 = 12, April 9; 21 in all.
    assert result.rows == [{"person": result.rows[0]["person"], "claims": 3, "changes": 21}]
    assert values(result.series[0]) == [(MAR, D("12")), (APR, D("9"))]
    assert result.headline == D("21")
    troy = productivity.claims_worked_per_biller(replace(SPRING, location_id=story["troy"].pk))
    assert troy.headline == D("9")
    medicaid = replace(SPRING, payer_id=story["medicaid"].pk)
    assert productivity.claims_worked_per_biller(medicaid).headline == D("6")
    assert productivity.claims_worked_per_biller(SUMMER).headline is None
