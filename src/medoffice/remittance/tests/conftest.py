# ruff: noqa: F811  (the claims tests' fixtures are imported to be used here)
"""A billed claim (from the claims tests' office: signed encounter, charges, claim) and a small
835 writer for remittances about it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from medoffice.claims.services import charges_capture, claim_transition, claims_build_for_encounter
from medoffice.claims.tests.conftest import (  # noqa: F401 (fixtures)
    add_coverage,
    as_role,
    biller,
    cast,
    encounter,
    office,
    patient,
    visit_lines,
)

D = Decimal


def submitted_claim(office: Any, patient: Any, encounter: Any, biller: Any) -> Any:
    add_coverage(patient, office["primary_payer"])
    charges_capture(encounter=encounter, lines=visit_lines(), actor=biller)
    claim = claims_build_for_encounter(encounter=encounter, actor=biller).claim
    for step in ("scrubbed", "ready", "submitted"):
        claim = claim_transition(claim=claim, to=step, actor=biller)
    return claim


@pytest.fixture
def claim(office, patient, encounter, biller):
    return submitted_claim(office, patient, encounter, biller)


def svc(code: str, billed: str, paid: str, *cas: str, control: str = "", day: str = "20260302",
        modifiers: str = "") -> str:  # fmt: skip
    procedure = f"HC:{code}" + (f":{modifiers}" if modifiers else "")
    text = f"SVC*{procedure}*{billed}*{paid}**1~DTM*472*{day}~"
    text += "".join(f"CAS*{c}~" for c in cas)
    if control:
        text += f"REF*6R*{control}~"
    return text


def clp(pcn: str, status: str, billed: str, paid: str, pr: str, *services: str,
        cas: tuple[str, ...] = (), moa: str = "") -> str:  # fmt: skip
    text = f"CLP*{pcn}*{status}*{billed}*{paid}*{pr}*12*PAYER{pcn}*11*1~"
    text += "".join(f"CAS*{c}~" for c in cas)
    text += "NM1*QC*1*OKAFOR*GRACE****MI*M1~"
    if moa:
        text += f"MOA***{moa}~"
    return text + "".join(services)


def era(*claims: str, total: str, trace: str = "EFT1001", payer_id: str = "87726",
        payer_name: str = "EMPIRE PLAN", plb: str = "") -> bytes:  # fmt: skip
    body = (
        f"ST*835*0001~BPR*I*{total}*C*ACH*CCP*01*011000015*DA*123456789*1512345678**01*"
        f"021000021*DA*987654321*20260320~TRN*1*{trace}*1512345678~DTM*405*20260320~"
        f"N1*PR*{payer_name}~REF*2U*{payer_id}~N1*PE*HUDSON VALLEY MEDICAL GROUP*XX*1234567893~"
        "LX*1~" + "".join(claims) + (f"PLB*1234567893*20261231*{plb}~" if plb else "")
    )
    count = body.count("~") + 1
    text = (
        "ISA*00*          *00*          *ZZ*EMPIRE         *ZZ*MEDOFFICE      *260320*1200*^*"
        "00501*000000001*0*T*:~GS*HP*EMPIRE*MEDOFFICE*20260320*1200*1*X*005010X221A1~"
        + body + f"SE*{count}*0001~GE*1*1~IEA*1*000000001~"
    )  # fmt: skip
    return text.encode()
