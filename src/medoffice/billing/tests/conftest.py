"""People, a patient, a payer and a procedure code for the ledger's tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from medoffice.billing.ledger import Account, JournalKind, Posting, post_journal
from medoffice.coding.models import ProcedureCode
from medoffice.patients.models import Payer
from medoffice.scheduling.tests.conftest import make_patient
from medoffice.testing.personas import persona

D = Decimal


@pytest.fixture
def staff(db):
    made: dict[str, Any] = {}

    def make(role: str) -> Any:
        if role not in made:
            made[role] = persona(role)
        return made[role]

    return make


@pytest.fixture
def patient(db):
    return make_patient(family="Ledger", given="Lena")


@pytest.fixture
def payer(db):
    return Payer.objects.create(name="Acme Health")


@pytest.fixture
def office_visit(db):
    code, _ = ProcedureCode.objects.get_or_create(
        code="99213", defaults={"system": "CPT", "description": "Office visit"}
    )
    return code


def charge(
    *,
    patient_id: int,
    payer_id: int | None,
    amount: str,
    actor: Any,
    claim_id: int = 1,
    day: date | None = None,
    to_patient: str = "0",
) -> Any:
    """A charge on a claim: revenue credited, the payer's (and the patient's) share receivable."""
    payer_part, patient_part = D(amount) - D(to_patient), D(to_patient)
    postings = [Posting(Account.REVENUE, -D(amount), patient_id=patient_id, claim_id=claim_id)]
    if payer_part:
        postings.append(
            Posting(
                Account.AR_PAYER,
                payer_part,
                patient_id=patient_id,
                payer_id=payer_id,
                claim_id=claim_id,
            )
        )
    if patient_part:
        postings.append(
            Posting(Account.AR_PATIENT, patient_part, patient_id=patient_id, claim_id=claim_id)
        )
    return post_journal(kind=JournalKind.CHARGE, postings=postings,
                        effective_date=day or date.today(), actor=actor)  # fmt: skip
