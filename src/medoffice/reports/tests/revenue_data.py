# ruff: noqa: F811  (the claims tests' fixtures are imported to be used here)
"""A tiny revenue cycle built through the real services on set days, for the revenue and
productivity KPI tests.

Three visits (the clock is moved to each day before the service that acts on it):

- A: Empire Plan, Dr. Clinician, Albany, seen 2026-03-02. Charges entered 03-03 and billed the
  same day (99213-25 $150 + 36415 $18 = $168), submitted 03-04. ERA of 03-20: paid $86,
  contractual $63, $19 moved to the patient.
- B: Medicaid NY, Dr. Other, Albany, seen 03-10. Charges entered 03-14, billed and submitted
  03-16 (99213 $130 + 36415 $18 = $148). ERA of 03-25: both lines denied (CO-197 $130,
  CO-16 $18), all to contractual adjustments.
- C: Empire Plan, Dr. Clinician, Troy (department "Cardiology"), seen 04-06. Charges entered
  and billed 04-06 ($168), submitted 04-07, rejected 04-08, submitted again 04-09; not paid.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from django.utils import timezone

from medoffice.claims.services import charges_capture, claim_transition, claims_build_for_encounter
from medoffice.claims.services.scrubbing import claims_scrub
from medoffice.claims.tests.conftest import (  # noqa: F401 (fixtures)
    TZ,
    add_coverage,
    biller,
    make_encounter,
    office,
    visit_lines,
)
from medoffice.organization.models import Department, Location
from medoffice.patients.models import Payer
from medoffice.remittance.services import era_import
from medoffice.remittance.tests.conftest import clp, era, svc
from medoffice.scheduling.tests.conftest import make_patient


def set_clock(monkeypatch: Any, day: date, hour: int = 10) -> None:
    """The services date their rows with timezone.now()/localdate(): move "now" to that day."""
    moment = datetime.combine(day, time(hour), tzinfo=TZ)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _visit(office: dict[str, Any], *, family: str, payer: Any, provider_user: Any,
           location: Any, seen: date) -> Any:  # fmt: skip
    patient = make_patient(family=family, given="Test")
    add_coverage(patient, payer)
    encounter = make_encounter(office, patient, provider=provider_user)
    start = datetime.combine(seen, time(9, 30), tzinfo=TZ)
    type(encounter).objects.filter(pk=encounter.pk).update(start=start, location=location)
    encounter.refresh_from_db()
    return encounter


def _bill(encounter: Any, biller: Any, monkeypatch: Any, *, entered: date, billed: date) -> Any:
    set_clock(monkeypatch, entered)
    charges_capture(encounter=encounter, lines=visit_lines(), actor=biller)
    set_clock(monkeypatch, billed)
    claim = claims_build_for_encounter(encounter=encounter, actor=biller).claim
    claims_scrub(claims=[claim], actor=biller)
    claim.refresh_from_db()
    assert claim.status == "ready", claim.findings.values_list("rule_id", "message")
    return claim


def _submit(claim: Any, biller: Any, monkeypatch: Any, day: date) -> Any:
    set_clock(monkeypatch, day)
    claim.refresh_from_db()
    return claim_transition(claim=claim, to="submitted", actor=biller)


def build(office: dict[str, Any], biller: Any, monkeypatch: Any) -> dict[str, Any]:
    # What a clean claim needs beyond the visit: the sites' street address and ZIP.
    Location.objects.filter(pk=office["location"].pk).update(
        address_line1="12 State St", postal_code="12207"
    )
    office["location"].refresh_from_db()
    troy = Location.objects.create(
        practice=office["practice"],
        name="Troy",
        code="troy",
        city="Troy",
        state="NY",
        address_line1="3 River St",
        postal_code="12180",
    )
    cardiology = Department.objects.create(
        practice=office["practice"], name="Cardiology", code="cardio"
    )
    cardiology.locations.add(troy)
    empire, medicaid = office["primary_payer"], office["secondary_payer"]
    Payer.objects.filter(pk__in=[empire.pk, medicaid.pk]).update(timely_filing_days=3650)

    a = _visit(office, family="Alpha", payer=empire, provider_user=office["clinician"],
               location=office["location"], seen=date(2026, 3, 2))  # fmt: skip
    claim_a = _bill(a, biller, monkeypatch, entered=date(2026, 3, 3), billed=date(2026, 3, 3))
    _submit(claim_a, biller, monkeypatch, date(2026, 3, 4))

    b = _visit(office, family="Bravo", payer=medicaid, provider_user=office["other"],
               location=office["location"], seen=date(2026, 3, 10))  # fmt: skip
    claim_b = _bill(b, biller, monkeypatch, entered=date(2026, 3, 14), billed=date(2026, 3, 16))
    _submit(claim_b, biller, monkeypatch, date(2026, 3, 16))

    c = _visit(office, family="Charlie", payer=empire, provider_user=office["clinician"],
               location=troy, seen=date(2026, 4, 6))  # fmt: skip
    claim_c = _bill(c, biller, monkeypatch, entered=date(2026, 4, 6), billed=date(2026, 4, 6))
    _submit(claim_c, biller, monkeypatch, date(2026, 4, 7))
    set_clock(monkeypatch, date(2026, 4, 8))
    claim_c.refresh_from_db()
    claim_c = claim_transition(claim=claim_c, to="rejected", actor=biller, reason="999: bad NM1")
    claim_c = claim_transition(claim=claim_c, to="draft", actor=biller)
    claims_scrub(claims=[claim_c], actor=biller)
    _submit(claim_c, biller, monkeypatch, date(2026, 4, 9))

    set_clock(monkeypatch, date(2026, 3, 20))
    pcn = claim_a.patient_control_number
    paid = era(
        clp(pcn, "1", "168", "86", "19",
            svc("99213", "150", "76", "CO*45*55", "PR*2*19", control=f"{pcn}-1", modifiers="25"),
            svc("36415", "18", "10", "CO*45*8", control=f"{pcn}-2")),
        total="86", trace="EFT-A",
    )  # fmt: skip
    era_import(name="a.835", content=paid, actor=biller)

    set_clock(monkeypatch, date(2026, 3, 25))
    pcn = claim_b.patient_control_number
    denied = era(
        clp(pcn, "4", "148", "0", "0",
            svc("99213", "130", "0", "CO*197*130", control=f"{pcn}-1"),
            svc("36415", "18", "0", "CO*16*18", control=f"{pcn}-2")),
        total="0", trace="CHK-B", payer_id="MCDNY", payer_name="MEDICAID NY",
    )  # fmt: skip
    era_import(name="b.835", content=denied, actor=biller)
    return {
        "troy": troy, "cardiology": cardiology, "empire": empire, "medicaid": medicaid,
        "claims": (claim_a, claim_b, claim_c),
    }  # fmt: skip


@pytest.fixture
def story(office, biller, monkeypatch) -> dict[str, Any]:
    return build(office, biller, monkeypatch)
