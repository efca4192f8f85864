# ruff: noqa: F811  (fixtures imported from revenue_data)
"""Underpayments, payer mix, denial follow-up and payment posting timeliness on the three
visits of revenue_data plus what each test adds, every expected figure worked out by hand.

Added to the story (the `more` fixture):
- D: a self-pay visit (no coverage), Albany, seen and billed 2026-04-10: 99213 at the
  self-pay fee $120 + 36415 $18 = $138, posted to the patient with no payer.
- An ERA for claim C imported Monday 04-20 with payment date Monday 04-13: 99213 billed
  $150, paid $60, CO-45 $70, PR-2 $20 (allowed $80 against the $95 fee schedule: $15 short);
  36415 billed $18, paid $10 (no fee schedule: nothing expected).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from medoffice.claims.services import charges_capture, claims_build_for_encounter
from medoffice.claims.tests.conftest import TZ, make_encounter
from medoffice.remittance.models import DenialWork, RemittanceFile
from medoffice.remittance.services import denial_work_update, era_import
from medoffice.remittance.tests.conftest import clp, era, svc
from medoffice.reports import kpis_revenue_payers as payers
from medoffice.reports.kpi import Grain, ReportFilters, get
from medoffice.reports.tests.revenue_data import (  # noqa: F401
    biller,
    office,
    set_clock,
    story,
    visit_lines,
)
from medoffice.scheduling.tests.conftest import make_patient

D = Decimal
MAR, APR = date(2026, 3, 1), date(2026, 4, 1)
SPRING = ReportFilters(start=MAR, end=date(2026, 4, 30), grain=Grain.MONTH)
SUMMER = ReportFilters(start=date(2026, 8, 1), end=date(2026, 8, 31))


def values(series):
    return [(p.period, p.value) for p in series.points]


@pytest.fixture
def more(story, office, biller, monkeypatch) -> dict[str, Any]:
    patient = make_patient(family="Delta", given="Test")  # no coverage: self-pay
    encounter = make_encounter(office, patient)
    set_clock(monkeypatch, date(2026, 4, 10))
    type(encounter).objects.filter(pk=encounter.pk).update(
        start=encounter.start.replace(month=4, day=10)
    )
    encounter.refresh_from_db()
    charges_capture(encounter=encounter, lines=visit_lines(), actor=biller)
    assert claims_build_for_encounter(encounter=encounter, actor=biller).claim is None

    claim_c = story["claims"][2]
    pcn = claim_c.patient_control_number
    set_clock(monkeypatch, date(2026, 4, 20))
    content = era(
        clp(pcn, "1", "168", "70", "20",
            svc("99213", "150", "60", "CO*45*70", "PR*2*20", control=f"{pcn}-1",
                modifiers="25", day="20260406"),
            svc("36415", "18", "10", "CO*45*8", control=f"{pcn}-2", day="20260406")),
        total="70", trace="EFT-C",
    ).replace(b"*20260320~TRN", b"*20260413~TRN")  # fmt: skip
    result = era_import(name="c.835", content=content, actor=biller)
    assert result.claims_posted == 1
    # RemittanceFile.uploaded_at defaults to the real clock (the default was bound before the
    # tests move it): date each file the day it was imported.
    for name, day in (("a.835", 20), ("b.835", 25)):
        RemittanceFile.objects.filter(name=name).update(uploaded_at=local(date(2026, 3, day)))
    RemittanceFile.objects.filter(name="c.835").update(uploaded_at=local(date(2026, 4, 20)))
    return story


def local(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=TZ)


def test_registered_in_the_revenue_section():
    for key in ("underpayments", "payer_mix", "denial_follow_up", "posting_timeliness"):
        kpi = get(key)
        assert kpi is not None and kpi.section == "revenue"
    assert get("underpayments").target.value == 0
    assert get("denial_follow_up").target.value == 95


def test_business_days():
    wed = date(2026, 3, 25)
    assert payers.business_days_after(wed, wed) == 0
    assert payers.business_days_after(wed, date(2026, 3, 27)) == 2  # Thu, Fri
    assert payers.business_days_after(wed, date(2026, 3, 29)) == 2  # the weekend adds none
    assert payers.business_days_after(wed, date(2026, 4, 8)) == 10
    assert payers.business_days_after(date(2026, 3, 28), date(2026, 3, 30)) == 1  # Sat to Mon


def test_underpayments(more):
    result = payers.underpayments(SPRING)
    # Only C's 99213: $95 expected - ($60 paid + $20 patient share) = $15. A's 99213 was
    # allowed $76 + $19 = $95, exactly as expected; lines without a fee schedule expect nothing.
    assert result.headline == D("15.00")
    assert values(result.series[0]) == [(MAR, None), (APR, D("15.00"))]
    assert result.rows == [
        {"payer": "Empire Plan", "code": "99213", "lines": 1, "expected": D("95.00"),
         "amount": D("15.00")},
    ]  # fmt: skip
    assert payers.underpayments(replace(SPRING, location_id=more["troy"].pk)).headline == D("15.00")
    albany = replace(SPRING, location_id=more["claims"][0].location_id)
    assert payers.underpayments(albany).headline is None
    assert payers.underpayments(replace(SPRING, payer_id=more["medicaid"].pk)).headline is None
    assert payers.underpayments(SUMMER).headline is None


def test_payer_mix(more):
    result = payers.payer_mix(SPRING)
    # Empire A 168 + C 168 = 336, Medicaid B 148, self-pay D 138: 622 in all.
    assert [(r["payer"], r["charges"], r["share"]) for r in result.rows] == [
        ("Empire Plan", D("336.00"), D("54.0")),  # 336 / 622 = 54.02%
        ("Medicaid NY", D("148.00"), D("23.8")),  # 23.79%
        ("Self-pay", D("138.00"), D("22.2")),  # 22.19%
    ]
    assert result.headline == D("54.0")  # the largest payer's share
    # March: 168 / 316 and 148 / 316; April: 168 / 306 and 138 / 306.
    assert [(s.label, values(s)) for s in result.series] == [
        ("Empire Plan", [(MAR, D("53.2")), (APR, D("54.9"))]),
        ("Medicaid NY", [(MAR, D("46.8")), (APR, D("0.0"))]),
        ("Self-pay", [(MAR, D("0.0")), (APR, D("45.1"))]),
    ]
    troy = payers.payer_mix(replace(SPRING, location_id=more["troy"].pk))
    assert [(r["payer"], r["share"]) for r in troy.rows] == [("Empire Plan", D("100.0"))]
    # A provider is the claim's: the self-pay charge has none and leaves the mix.
    other = payers.payer_mix(replace(SPRING, provider_id=more["claims"][1].rendering_provider_id))
    assert [(r["payer"], r["charges"]) for r in other.rows] == [("Medicaid NY", D("148.00"))]
    assert payers.payer_mix(SUMMER).headline is None


def test_payer_mix_groups_the_smaller_payers_as_other(more):
    from medoffice.billing.models import Account, Posting

    # Five more payers' charges on the ledger's rows: the seventh payer is "Other".
    template = Posting.objects.filter(account=Account.REVENUE, payer_id__isnull=False).first()
    from medoffice.patients.models import Payer

    for n in range(5):
        payer = Payer.objects.create(name=f"Payer {n}")
        Posting.objects.create(journal_id=template.journal_id, account=Account.REVENUE,
                               amount=D(f"-{200 + n}"), payer_id=payer.pk,
                               effective_date=date(2026, 4, 15))  # fmt: skip
    result = payers.payer_mix(replace(SPRING, start=APR))
    labels = [s.label for s in result.series]
    # April: Payer 4..0 (204..200), Empire 168, Self-pay 138: the top five are Payers 4..0.
    assert labels == ["Payer 4", "Payer 3", "Payer 2", "Payer 1", "Payer 0", "Other"]
    # Other: 168 + 138 = 306 of 1,316.
    assert values(result.series[-1]) == [(APR, D("23.3"))]


def test_denial_follow_up(more, biller, monkeypatch):
    # B's two denied lines reached the worklist with its ERA on Wednesday 03-25.
    first, second = DenialWork.objects.order_by("pk")
    set_clock(monkeypatch, date(2026, 4, 1))
    result = payers.denial_follow_up(SPRING)
    # Five business days later, nothing done yet: both still within their window.
    assert result.headline is None
    assert result.rows == [{"period": MAR, "denials": 0, "on_time": 0, "waiting": 2, "rate": None}]

    set_clock(monkeypatch, date(2026, 4, 8))  # the 10th business day: in time
    denial_work_update(work_id=first.pk, actor=biller, owner_id=biller.pk,
                       due_date=date(2026, 4, 15), status="open", note="Calling Medicaid")  # fmt: skip
    set_clock(monkeypatch, date(2026, 4, 9))  # the 11th: the second line is late
    result = payers.denial_follow_up(SPRING)
    assert result.headline == D("50.0")
    assert result.rows == [
        {"period": MAR, "denials": 2, "on_time": 1, "waiting": 0, "rate": D("50.0")}
    ]
    assert values(result.series[0]) == [(MAR, D("50.0")), (APR, None)]
    denial_work_update(work_id=second.pk, actor=biller, owner_id=None,
                       due_date=date(2026, 4, 15), status="done")  # fmt: skip
    assert payers.denial_follow_up(SPRING).headline == D("50.0")  # acted on, but late
    assert payers.denial_follow_up(replace(SPRING, payer_id=more["medicaid"].pk)).headline == D(
        "50.0"
    )
    assert payers.denial_follow_up(replace(SPRING, payer_id=more["empire"].pk)).headline is None
    assert payers.denial_follow_up(replace(SPRING, location_id=more["troy"].pk)).headline is None
    assert payers.denial_follow_up(SUMMER).headline is None


def test_posting_timeliness(more, monkeypatch):
    set_clock(monkeypatch, date(2026, 5, 1))
    result = payers.posting_timeliness(SPRING)
    # A: paid $86 on Friday 03-20, imported that day (0 business days). B paid nothing. C: $70
    # paid Monday 04-13, imported Monday 04-20: 5 business days, late. 86 / 156 = 55.1%.
    assert result.headline == D("55.1")
    assert values(result.series[0]) == [(MAR, D("100.0")), (APR, D("0.0"))]
    assert result.rows == [
        {"period": MAR, "dollars": D("86.00"), "on_time": D("86.00"), "waiting": D("0.00"),
         "rate": D("100.0")},
        {"period": APR, "dollars": D("70.00"), "on_time": D("0.00"), "waiting": D("0.00"),
         "rate": D("0.0")},
    ]  # fmt: skip
    assert payers.posting_timeliness(replace(SPRING, location_id=more["troy"].pk)).headline == D(
        "0.0"
    )
    assert payers.posting_timeliness(replace(SPRING, payer_id=more["medicaid"].pk)).headline is None
    assert payers.posting_timeliness(SUMMER).headline is None
