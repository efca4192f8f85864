"""Ready claims built with the claims services (signed encounter, charges, claim), on a practice,
patients and payers with the addresses an 837P needs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from medoffice.claims.models import Claim
from medoffice.claims.services import (
    ChargeInput,
    charges_capture,
    claim_build_secondary,
    claim_line_adjudication_record,
    claim_transition,
    claims_build_for_encounter,
)
from medoffice.claims.tests.conftest import (  # noqa: F401  (fixtures)
    add_coverage,
    as_role,
    biller,
    cast,
    make_encounter,
    office,
)
from medoffice.organization.models import Location, Practice
from medoffice.patients.models import Payer
from medoffice.scheduling.tests.conftest import make_patient

HOME = {"address_line1": "12 Elm St", "city": "Albany", "state": "NY", "postal_code": "12207"}


@pytest.fixture
def addressed(office):  # noqa: F811
    """The office of the claims tests, with the addresses and names an 837P carries."""
    Location.objects.filter(pk=office["location"].pk).update(
        address_line1="100 State St", postal_code="122071234"
    )
    Practice.objects.filter(pk=office["practice"].pk).update(legal_name="Hudson Valley MG PC")
    for payer in (office["primary_payer"], office["secondary_payer"]):
        Payer.objects.filter(pk=payer.pk).update(
            address_line1="PO Box 1600", city="Kingston", state="NY", postal_code="12402"
        )
    office["primary_payer"].refresh_from_db()
    office["secondary_payer"].refresh_from_db()
    for who in ("clinician", "other"):
        office[who].first_name, office[who].last_name = "Maria", "Alvarez"
        office[who].save(update_fields=["first_name", "last_name"])
    return office


def new_patient(family: str = "Okafor", given: str = "Grace", born: date | None = None):
    patient = make_patient(family=family, given=given, **HOME)
    if born is not None:
        patient.birth_date = born
        patient.save(update_fields=["birth_date"])
    return patient


def walk(claim: Claim, actor: Any, *steps: str) -> Claim:
    for to in steps:
        claim = claim_transition(claim=claim, to=to, actor=actor, reason="per payer")
    return claim


def ready_claim(site, actor, patient=None, *, lines=None, payer=None, **coverage) -> Claim:
    """A signed visit billed to the patient's coverage, scrubbed and ready to submit."""
    patient = patient or new_patient()
    if not patient.coverages.exists():
        add_coverage(patient, payer or site["primary_payer"], **coverage)
    encounter = make_encounter(site, patient)
    charges_capture(
        encounter=encounter,
        lines=lines
        or [
            ChargeInput(procedure_code="99213", diagnosis_pointers=[1, 2], modifiers=["25"]),
            ChargeInput(procedure_code="36415", diagnosis_pointers=[1], billed_amount="18.00"),
        ],
        actor=actor,
    )
    claim = claims_build_for_encounter(encounter=encounter, actor=actor).claim
    return walk(claim, actor, "scrubbed", "ready")


# What the primary pays on each line of a ready_claim (99213 at 150.00, 36415 at 18.00).
PRIMARY_ERA = (
    {"paid_amount": "95.00", "allowed_amount": "120.00",
     "adjustments": [{"group": "CO", "reason": "45", "amount": "30.00"},
                     {"group": "PR", "reason": "2", "amount": "25.00"}]},
    {"paid_amount": "0", "adjustments": [{"group": "CO", "reason": "97", "amount": "18.00"}]},
)  # fmt: skip


def bill_next_payer(claim: Claim, actor: Any, era=PRIMARY_ERA, reference: str = "ERA-1") -> Claim:
    """The payer of `claim` adjudicates its lines (`era`: one record per line, in order), then
    the claim to the next payer is built (a draft)."""
    claim = walk(claim, actor, "submitted", "accepted", "partially_paid")
    for line, answer in zip(claim.lines.order_by("line_number"), era, strict=True):
        claim_line_adjudication_record(
            claim_line=line, payer_id=claim.payer_id, adjudicated_on=date(2026, 3, 20),
            actor=actor, source_reference=reference, **answer,
        )  # fmt: skip
    return claim_build_secondary(claim=claim, actor=actor)


def secondary_ready_claim(site, actor) -> Claim:
    """The primary adjudicated (with CAS per line), then the secondary claim, ready."""
    patient = new_patient("Mensah", "Kofi")
    add_coverage(patient, site["primary_payer"])
    add_coverage(patient, site["secondary_payer"], priority=2, member="S1")
    primary = ready_claim(site, actor, patient)
    return walk(bill_next_payer(primary, actor), actor, "scrubbed", "ready")


@pytest.fixture
def billing_user(addressed):
    return cast("biller", location=addressed["location"])
