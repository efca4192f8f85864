# ruff: noqa: F811  (fixtures imported from revenue_data)
"""Charges, payments, adjustments, collection rates, days in A/R and A/R over 90 days on the
three visits of revenue_data, every expected figure worked out by hand from that story."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from medoffice.billing import aging
from medoffice.reports import kpis_revenue_ledger as ledger
from medoffice.reports.kpi import Grain, ReportFilters, get
from medoffice.reports.tests.revenue_data import biller, office, story  # noqa: F401

D = Decimal
MAR, APR = date(2026, 3, 1), date(2026, 4, 1)
SPRING = ReportFilters(start=MAR, end=date(2026, 4, 30), grain=Grain.MONTH)


def values(result):
    return [(p.period, p.value) for p in result.series[0].points]


def test_the_kpis_are_registered_under_revenue_reports():
    for key in ("charges", "payments", "adjustments", "net_collection_rate",
                "gross_collection_rate", "days_in_ar", "ar_over_90"):  # fmt: skip
        kpi = get(key)
        assert kpi is not None and kpi.capability == "reports_revenue" and kpi.section == "revenue"


def test_charges_per_month(story):
    result = ledger.charges(SPRING)
    # March: A $168 + B $148 = $316; April: C $168; the range: 316 + 168 = 484.
    assert values(result) == [(MAR, D("316.00")), (APR, D("168.00"))]
    assert result.headline == D("484.00")
    # The A/R page's figure for the same days (billing.aging) agrees.
    assert aging.charges_between(SPRING.start, SPRING.end) == D("484.00")
    assert result.drilldown_url.startswith("/billing/ar/?as_of=2026-04-30")


def test_each_filter_narrows_the_charges(story):
    # Medicaid: B only ($148). Empire: A + C = 336. Dr. Other: B. Troy / Cardiology: C.
    assert ledger.charges(replace(SPRING, payer_id=story["medicaid"].pk)).headline == D("148.00")
    assert ledger.charges(replace(SPRING, payer_id=story["empire"].pk)).headline == D("336.00")
    other = story["claims"][1].rendering_provider_id
    assert ledger.charges(replace(SPRING, provider_id=other)).headline == D("148.00")
    assert ledger.charges(replace(SPRING, location_id=story["troy"].pk)).headline == D("168.00")
    cardiology = replace(SPRING, department_id=story["cardiology"].pk)
    assert ledger.charges(cardiology).headline == D("168.00")


def test_payments_and_adjustments(story):
    pay = ledger.payments(SPRING)
    # A's ERA paid $86 in March; nothing was paid in April: a gap, not 0.
    assert values(pay) == [(MAR, D("86.00")), (APR, None)] and pay.headline == D("86.00")
    adj = ledger.adjustments(SPRING)
    # Contractual in March: A's CO 55 + 8 = 63, B's denied lines 130 + 18 = 148: 211.
    assert values(adj) == [(MAR, D("211.00")), (APR, None)] and adj.headline == D("211.00")
    assert adj.rows == [{"period": MAR, "contractual_adjustment": D("211.00"),
                         "other_adjustment": D("0.00"), "write_off": D("0.00"),
                         "amount": D("211.00")}]  # fmt: skip
    medicaid = replace(SPRING, payer_id=story["medicaid"].pk)
    assert ledger.payments(medicaid).headline is None  # B was denied: no payment
    assert ledger.adjustments(medicaid).headline == D("148.00")


def test_an_empty_range_gives_none(story):
    summer = ReportFilters(start=date(2026, 8, 1), end=date(2026, 8, 31))
    for compute in (ledger.charges, ledger.payments, ledger.adjustments,
                    ledger.net_collection_rate, ledger.gross_collection_rate):  # fmt: skip
        result = compute(summer)
        assert result.headline is None and values(result) == [(date(2026, 8, 1), None)]


def test_net_and_gross_collection_rates_on_services_in_the_period(story):
    net = ledger.net_collection_rate(SPRING)
    # March services (A, B): 86 / (316 - 211) = 86 / 105 = 81.90 %; April (C): 0 / 168 = 0 %.
    assert values(net) == [(MAR, D("81.9")), (APR, D("0.0"))]
    assert net.headline == D("31.5")  # 86 / (484 - 211) = 86 / 273 = 31.50 %
    assert "90 days" in net.notes[0]
    gross = ledger.gross_collection_rate(SPRING)
    # 86 / 316 = 27.22 %; 0 / 168; the range: 86 / 484 = 17.77 %.
    assert values(gross) == [(MAR, D("27.2")), (APR, D("0.0"))] and gross.headline == D("17.8")
    # Dr. Other's services (B): charges 148, contractual 148, nothing paid: no base, None.
    other = replace(SPRING, provider_id=story["claims"][1].rendering_provider_id)
    assert ledger.net_collection_rate(other).headline is None
    assert ledger.gross_collection_rate(other).headline == D("0.0")  # 0 / 148


def test_days_in_ar_at_each_month_end(story):
    result = ledger.days_in_ar(SPRING)
    # 03-31: A/R = the $19 A's patient owes (A and B settled with the payers); charges of the
    # 90 days to it $316: 19 * 90 / 316 = 5.41. 04-30: 19 + C's 168 = 187; charges 484:
    # 187 * 90 / 484 = 34.77.
    assert values(result) == [(MAR, D("5.4")), (APR, D("34.8"))]
    assert result.headline == D("34.8")
    assert [r["ar"] for r in result.rows] == [D("19.00"), D("187.00")]
    # The A/R page computes the same figure at 04-30.
    assert aging.ar_figures(aging.AgingFilter(as_of=date(2026, 4, 30))).days_in_ar == D("34.8")
    # Troy: C's 168 at 04-30 over its own 168 of charges: 168 * 90 / 168 = 90.0; in March
    # Troy had neither A/R nor charges: None.
    troy = ledger.days_in_ar(replace(SPRING, location_id=story["troy"].pk))
    assert values(troy) == [(MAR, None), (APR, D("90.0"))]


def test_ar_over_90_days_from_service_at_each_month_end(story, biller):
    months = ReportFilters(start=MAR, end=date(2026, 7, 31))
    may, june, july = date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)
    result = ledger.ar_over_90(months)
    # A/R (payers' and patients'): A's $19 moved to its patient on 03-20; C's $168 from 04-06;
    # B is settled. So 19 at 03-31 and 187 from 04-30. A is over 90 days from its service
    # (03-02) once the end less 91 days is on or after it: 06-30 - 91 = 03-31, so from June;
    # C (seen 04-06) from July (07-31 - 91 = 05-01). March to May: 0 %; June: 19 / 187 =
    # 10.16 %; July: 187 / 187.
    assert values(result) == [
        (MAR, D("0.0")), (APR, D("0.0")), (may, D("0.0")), (june, D("10.2")), (july, D("100.0")),
    ]  # fmt: skip
    assert [(r["ar"], r["over_90"]) for r in result.rows] == [
        (D("19.00"), D("0.00")), (D("187.00"), D("0.00")), (D("187.00"), D("0.00")),
        (D("187.00"), D("19.00")), (D("187.00"), D("187.00")),
    ]  # fmt: skip
    assert result.headline == D("100.0") and "date of service" in result.notes[0]
    # Medicaid's A/R is settled: nothing to measure at any end.
    assert ledger.ar_over_90(replace(months, payer_id=story["medicaid"].pk)).headline is None
    # Albany holds A's $19 only: over from June. Cardiology (Troy) holds C only: none in March.
    albany = ledger.ar_over_90(replace(months, location_id=story["claims"][0].location_id))
    assert values(albany) == [
        (MAR, D("0.0")), (APR, D("0.0")), (may, D("0.0")), (june, D("100.0")), (july, D("100.0")),
    ]  # fmt: skip
    cardiology = ledger.ar_over_90(replace(months, department_id=story["cardiology"].pk))
    assert values(cardiology) == [
        (MAR, None), (APR, D("0.0")), (may, D("0.0")), (june, D("0.0")), (july, D("100.0")),
    ]  # fmt: skip
    other = story["claims"][1].rendering_provider_id  # B's provider: nothing open
    assert ledger.ar_over_90(replace(months, provider_id=other)).headline is None


def test_a_balance_without_a_claim_ages_from_its_own_date(story, biller):
    from medoffice.billing.ledger import Posting, post_journal

    a = story["claims"][0]
    post_journal(
        kind="charge", effective_date=date(2026, 4, 15), actor=biller, memo="Self-pay visit",
        postings=[Posting(account="ar_patient", amount=D("50.00"), patient_id=a.patient_id,
                          location_id=a.location_id),
                  Posting(account="revenue", amount=D("-50.00"), patient_id=a.patient_id,
                          location_id=a.location_id)],
    )  # fmt: skip
    months = ReportFilters(start=date(2026, 6, 1), end=date(2026, 7, 31))
    # A/R 187 + 50 = 237. June: A's 19 over (the self-pay charge of 04-15 is within 91 days of
    # 06-30): 19 / 237 = 8.02 %. July (07-31 - 91 = 05-01): all of it.
    result = ledger.ar_over_90(months)
    assert values(result) == [(date(2026, 6, 1), D("8.0")), (date(2026, 7, 1), D("100.0"))]
    # A provider's A/R is their claims': the self-pay charge is not Dr. Clinician's.
    mine = ledger.ar_over_90(replace(months, provider_id=a.rendering_provider_id))
    assert values(mine) == [(date(2026, 6, 1), D("10.2")), (date(2026, 7, 1), D("100.0"))]


def test_a_reversed_payment_counts_against_the_collection_rates(story, biller):
    from medoffice.billing.ledger import reverse_journal
    from medoffice.billing.models import Journal, JournalKind

    era = (
        Journal.objects.filter(
            kind=JournalKind.REMITTANCE, postings__claim_id=story["claims"][0].pk
        )
        .distinct()
        .get()
    )
    reverse_journal(journal=era, reason="Paid in error", actor=biller,
                    effective_date=date(2026, 4, 10))  # fmt: skip
    # The reversal (its own kind) nets A's $86 back out of March's services (and its
    # contractual adjustment): nothing paid.
    assert values(ledger.gross_collection_rate(SPRING)) == [(MAR, D("0.0")), (APR, D("0.0"))]
    assert ledger.net_collection_rate(SPRING).headline == D("0.0")
