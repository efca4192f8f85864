"""A clinic (scheduling's) with an NPI, a payer with an EDI id, patients whose coverage is
their own or a parent's, people in every role there, and a file-drop clearinghouse in a
temporary folder; `answer_271` writes the payer's answer to an inquiry."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from medoffice.patients.models import Coverage, Payer
from medoffice.scheduling.tests.conftest import NPIS, clinic, make_patient  # noqa: F401
from medoffice.submission.transport import FileDropTransport
from medoffice.testing.personas import persona

SHARED_271 = "src/medoffice/interop/tests/data/x12/271"


@pytest.fixture
def site(clinic, tmp_path, settings):  # noqa: F811
    location = clinic["location"]
    location.npi = NPIS[2]
    location.save(update_fields=["npi"])
    settings.CLEARINGHOUSE_OUTBOX = tmp_path / "outbox"
    settings.CLEARINGHOUSE_INBOX = tmp_path / "inbox"
    payer = Payer.objects.create(name="Acme Health Plan", payer_id="60054")
    patient = make_patient(family="Doe", given="Jane")
    own = Coverage.objects.create(
        patient=patient, payer=payer, member_id="XYZ123456789", member_id_norm="XYZ123456789",
        effective_date=date(2020, 1, 1),
    )  # fmt: skip
    child = make_patient(family="Doe", given="Emma")
    family = Coverage.objects.create(
        patient=child, payer=payer, member_id="XYZ123456789", member_id_norm="XYZ123456789",
        effective_date=date(2020, 1, 1), relationship="19", subscriber_family_name="Doe",
        subscriber_given_name="John", subscriber_birth_date=date(1980, 3, 4), subscriber_sex="M",
    )  # fmt: skip
    return {
        **clinic,
        "payer": payer,
        "patient": patient,
        "coverage": own,
        "child": child,
        "family_coverage": family,
        "transport": FileDropTransport(tmp_path / "outbox", tmp_path / "inbox"),
    }


@pytest.fixture
def staff(site):
    def make(role: str) -> Any:
        return persona(role, location=site["location"])

    return make


def answer_271(
    trace: str,
    *,
    member: str = "XYZ123456789",
    active: str = "1",
    control: int = 901,
    dependent: bool = False,
    eligibility_date: str = "",
) -> str:
    """The payer's answer: plan, dates, $25 office copay, 20%/40% coinsurance, deductible
    $1500 with $1125.50 left, out-of-pocket $6000 with $5400 left (in network)."""
    trn = f"TRN*2*{trace}*1123456789~" if trace else ""
    subscriber = f"NM1*IL*1*DOE*JOHN****MI*{member}~REF*6P*GRP100~DMG*D8*19800304*M~"
    if dependent:
        levels = f"HL*3*2*22*1~{subscriber}HL*4*3*23*0~{trn}NM1*03*1*DOE*EMMA~"
    else:
        levels = f"HL*3*2*22*0~{trn}{subscriber}"
    dated = f"DTP*291*D8*{eligibility_date}~" if eligibility_date else ""
    body = (
        f"BHT*0022*11*{trace or 'X'}*20250314*1000~HL*1**20*1~"
        "NM1*PR*2*ACME HEALTH PLAN*****PI*60054~HL*2*1*21*1~"
        "NM1*1P*2*RIVERSIDE*****XX*1679576722~"
        f"{levels}DTP*346*D8*20250101~DTP*347*D8*20251231~{dated}"
        f"EB*{active}*IND*30*PR*ACME PPO SILVER~"
        "EB*B*IND*98***27*25*****Y~EB*A*IND*30*****0.2****Y~EB*A*IND*30*****0.4****N~"
        "EB*C*IND*30***23*1500*****Y~EB*C*IND*30***29*1125.50*****Y~"
        "EB*G*IND*30***23*6000*****Y~EB*G*IND*30***29*5400*****Y~"
    )
    count = body.count("~") + 2
    return (
        "ISA*00*          *00*          *ZZ*ACMEPAYER      *ZZ*MEDOFFICE      *250314*1000*^*"
        f"00501*{control:09d}*0*T*:~GS*HB*ACMEPAYER*MEDOFFICE*20250314*1000*{control}*X*"
        f"005010X279A1~ST*271*0001*005010X279A1~{body}SE*{count}*0001~GE*1*{control}~"
        f"IEA*1*{control:09d}~"
    )
