"""Revenue-cycle KPIs (kpis.md "Revenue cycle"), registered for the report pages.

The computations live in kpis_revenue_ledger (money, collection rates, A/R) and
kpis_revenue_claims (clean claims, denials, lags); this module says what each one is.
"""

from __future__ import annotations

from decimal import Decimal

from medoffice.core.permissions import Capability
from medoffice.reports import kpis_revenue_claims as claims
from medoffice.reports import kpis_revenue_ledger as ledger
from medoffice.reports.kpi import Filter, Kpi, Section, Target, Unit, register

ALL = frozenset(Filter)
NO_PAYER = frozenset({Filter.LOCATION, Filter.DEPARTMENT, Filter.PROVIDER})
R = Capability.REPORTS_REVENUE

for kpi in (
    Kpi("charges", "Charges", Section.REVENUE, R, Unit.MONEY,
        "Gross charges posted in the period, net of reversed charges.",
        ledger.charges, ALL, None, 10),
    Kpi("payments", "Payments", Section.REVENUE, R, Unit.MONEY,
        "Payer and patient payments posted in the period.", ledger.payments, ALL, None, 11),
    Kpi("adjustments", "Adjustments", Section.REVENUE, R, Unit.MONEY,
        "Contractual and other adjustments and write-offs posted in the period.",
        ledger.adjustments, ALL, None, 12),
    Kpi("net_collection_rate", "Net collection rate", Section.REVENUE, R, Unit.PERCENT,
        "Payments ÷ (charges - contractual adjustments), for services in the period.",
        ledger.net_collection_rate, ALL, Target(Decimal("95"), "higher", "≥ 95%"), 20),
    Kpi("gross_collection_rate", "Gross collection rate", Section.REVENUE, R, Unit.PERCENT,
        "Payments ÷ charges, for services in the period.", ledger.gross_collection_rate, ALL,
        None, 21),
    Kpi("days_in_ar", "Days in A/R", Section.REVENUE, R, Unit.DAYS,
        "Total A/R at period end ÷ (gross charges of the last 90 days ÷ 90).",
        ledger.days_in_ar, ALL, Target(Decimal("35"), "lower", "< 35 days"), 30),
    Kpi("ar_over_90", "A/R over 90 days", Section.REVENUE, R, Unit.PERCENT,
        "A/R older than 90 days ÷ total A/R, at period end.", ledger.ar_over_90, ALL,
        Target(Decimal("10"), "lower", "< 10%"), 31),
    Kpi("clean_claim_rate", "Clean-claim rate", Section.REVENUE, R, Unit.PERCENT,
        "Claims accepted on first submission with no scrubber error and no rejection ÷ claims "
        "first submitted.", claims.clean_claim_rate, ALL,
        Target(Decimal("95"), "higher", "≥ 95%"), 40),
    Kpi("denial_rate", "Denial rate", Section.REVENUE, R, Unit.PERCENT,
        "Claims denied in whole or part on first adjudication ÷ claims adjudicated.",
        claims.denial_rate, ALL, Target(Decimal("5"), "lower", "< 5%"), 41),
    Kpi("charge_lag", "Charge lag", Section.REVENUE, R, Unit.DAYS,
        "Days from date of service to charge entry (median).", claims.charge_lag, NO_PAYER,
        Target(Decimal("2"), "lower", "≤ 2 days"), 50),
    Kpi("claim_lag", "Claim lag", Section.REVENUE, R, Unit.DAYS,
        "Days from date of service to first submission (median).", claims.claim_lag, ALL,
        Target(Decimal("3"), "lower", "≤ 3 days"), 51),
):  # fmt: skip
    register(kpi)
from medoffice.reports import kpis_revenue_payers  # noqa: E402, F401  (registers its KPIs)
