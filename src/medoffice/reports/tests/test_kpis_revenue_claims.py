# ruff: noqa: F811  (fixtures imported from revenue_data)
"""Clean-claim rate, denial rate, charge lag and claim lag on the three visits of revenue_data,
every expected figure worked out by hand from that story."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from medoffice.reports import kpis_revenue_claims as claims
from medoffice.reports.kpi import Grain, ReportFilters
from medoffice.reports.tests.revenue_data import biller, office, story  # noqa: F401

D = Decimal
MAR, APR = date(2026, 3, 1), date(2026, 4, 1)
SPRING = ReportFilters(start=MAR, end=date(2026, 4, 30), grain=Grain.MONTH)
SUMMER = ReportFilters(start=date(2026, 8, 1), end=date(2026, 8, 31))


def values(result, index=0):
    return [(p.period, p.value) for p in result.series[index].points]


def test_clean_claim_rate(story):
    result = claims.clean_claim_rate(SPRING)
    # March: A and B scrubbed clean, never rejected: 2 / 2. April: C was rejected: 0 / 1.
    # The range: 2 / 3 = 66.67 %.
    assert values(result) == [(MAR, D("100.0")), (APR, D("0.0"))]
    assert result.headline == D("66.7")
    assert result.rows[1] == {"period": APR, "submitted": 1, "clean": 0, "rate": D("0.0")}
    assert "date_from=2026-03-01" in result.drilldown_url
    # Troy (C only): 0 / 1; Empire (A and C): 1 / 2; Dr. Other (B): 1 / 1.
    assert claims.clean_claim_rate(replace(SPRING, location_id=story["troy"].pk)).headline == 0
    assert claims.clean_claim_rate(replace(SPRING, payer_id=story["empire"].pk)).headline == D(
        "50.0"
    )
    other = replace(SPRING, provider_id=story["claims"][1].rendering_provider_id)
    assert claims.clean_claim_rate(other).headline == D("100.0")
    assert claims.clean_claim_rate(SUMMER).headline is None


def test_denial_rate_claims_and_dollars(story):
    result = claims.denial_rate(SPRING)
    # Adjudicated: A (paid) and B (denied), both March; C has no remittance. 1 / 2 = 50 %.
    # Dollars: B's denied lines 130 + 18 = 148 of 168 + 148 = 316 billed: 46.84 %.
    assert values(result) == [(MAR, D("50.0")), (APR, None)]
    assert values(result, 1) == [(MAR, D("46.8")), (APR, None)]
    assert result.headline == D("50.0")
    by = {(r["by"], r["name"]): r for r in result.rows}
    assert by[("Payer", "Medicaid NY")]["denied"] == 1
    assert by[("Payer", "Medicaid NY")]["denied_amount"] == D("148.00")
    assert by[("Payer", "Empire Plan")]["rate"] == D("0.0")
    reasons = {name: (r["denied"], r["denied_amount"]) for (kind, name), r in by.items()
               if kind == "Reason"}  # fmt: skip
    assert reasons == {"CO-197": (1, D("130.00")), "CO-16": (1, D("18.00"))}
    providers = [(r["claims"], r["denied"]) for r in result.rows if r["by"] == "Provider"]
    assert sorted(providers) == [(1, 0), (1, 1)]  # Dr. Clinician's A, Dr. Other's denied B
    assert result.drilldown_url == "/remittance/denials/"
    # Empire: A adjudicated, not denied: 0 %. Troy: C never adjudicated: None.
    assert claims.denial_rate(replace(SPRING, payer_id=story["empire"].pk)).headline == D("0.0")
    assert claims.denial_rate(replace(SPRING, location_id=story["troy"].pk)).headline is None
    assert claims.denial_rate(SUMMER).headline is None


def test_charge_lag_median(story):
    result = claims.charge_lag(SPRING)
    # Two charge lines per visit. A: entered 03-03 for 03-02, 1 day; B: 03-14 for 03-10, 4
    # days; C: 04-06 for 04-06, 0. March [1, 1, 4, 4]: (1 + 4) / 2 = 2.5; April [0, 0]: 0;
    # the range [0, 0, 1, 1, 4, 4]: (1 + 1) / 2 = 1.
    assert values(result) == [(MAR, D("2.5")), (APR, D("0.0"))]
    assert result.headline == D("1.0")
    other = replace(SPRING, provider_id=story["claims"][1].rendering_provider_id)
    assert claims.charge_lag(other).headline == D("4.0")
    cardiology = replace(SPRING, department_id=story["cardiology"].pk)
    assert claims.charge_lag(cardiology).headline == D("0.0")
    assert claims.charge_lag(SUMMER).headline is None


def test_claim_lag_counts_the_first_submission(story):
    result = claims.claim_lag(SPRING)
    # A: submitted 03-04 for 03-02, 2 days; B: 03-16 for 03-10, 6; C: first submitted 04-07
    # for 04-06, 1 (its resubmission on 04-09 is not its lag). March (2 + 6) / 2 = 4; April 1;
    # the range [1, 2, 6]: 2.
    assert values(result) == [(MAR, D("4.0")), (APR, D("1.0"))]
    assert result.headline == D("2.0")
    assert claims.claim_lag(replace(SPRING, payer_id=story["medicaid"].pk)).headline == D("6.0")
    assert claims.claim_lag(replace(SPRING, location_id=story["troy"].pk)).headline == D("1.0")
    assert claims.claim_lag(SUMMER).headline is None


def test_weekly_grain_labels_each_monday(story):
    weeks = ReportFilters(start=date(2026, 3, 1), end=date(2026, 3, 15), grain=Grain.WEEK)
    result = claims.claim_lag(weeks)
    # Mondays of the weeks touching 03-01..03-15: 02-23, 03-02, 03-09. A (seen 03-02) is in the
    # week of 03-02; B (seen 03-10) in the week of 03-09.
    assert values(result) == [
        (date(2026, 2, 23), None), (date(2026, 3, 2), D("2.0")), (date(2026, 3, 9), D("6.0")),
    ]  # fmt: skip
