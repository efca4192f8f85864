"""999, 277CA and 271 readers; 270 writer; control numbers from the persisted counters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from medoffice.interop.tests import x12_builders as b
from medoffice.interop.x12.ack import read_277ca, read_999
from medoffice.interop.x12.eligibility import EligibilityInquiry, Member, read_271, write_270
from medoffice.interop.x12.envelope import (
    ControlNumbers,
    read_transaction_sets,
    reserve_control_numbers,
)
from medoffice.interop.x12.segments import X12Error, tokenize
from medoffice.interop.x12.validation import X12ValidatorUnavailable, validate_with_pyx12

ACK = b.X12_DATA / "ack"


def test_999_accepts_and_rejects_per_transaction_set():
    (ack,) = read_999((ACK / "rejected.999").read_text())
    assert (ack.group_control_number, ack.status, ack.accepted) == ("1201", "P", False)
    rejected, accepted = ack.transactions
    assert (rejected.control_number, rejected.accepted, rejected.status_reasons) == (
        "1201",
        False,
        ("5",),
    )
    (error,) = rejected.errors
    assert (error.segment_id, error.position, error.code) == ("NM1", 22, "8")
    assert error.element_errors == ("element 9 error 7 (value 'XYZ1')",)
    assert (accepted.control_number, accepted.accepted) == ("1202", True)


def test_277ca_gives_each_claim_its_status_and_reason():
    (ack,) = read_277ca((ACK / "claims.277").read_text())
    accepted, rejected = ack.claims
    assert accepted.patient_control_number == "PCN1001" and accepted.accepted
    assert accepted.payer_claim_number == "2025074000123"
    assert accepted.clearinghouse_trace == "CH778899"
    assert rejected.patient_control_number == "PCN1003" and not rejected.accepted
    assert rejected.reasons == ["Rendering provider NPI not on file"]
    (status,) = rejected.statuses  # the line-level STC stays with the line, not the claim
    assert (status.category, status.code, status.entity) == ("A7", "21", "82")


def test_277ca_patient_level_without_trace_is_an_error():
    text = (ACK / "claims.277").read_text().replace("TRN*2*PCN1003~", "")
    with pytest.raises(X12Error, match="has no TRN"):
        read_277ca(text)


INQUIRY = EligibilityInquiry(
    payer_name="ACME HEALTH PLAN",
    payer_id="60054",
    provider_name="RIVERSIDE FAMILY MEDICINE",
    provider_npi="1234567893",
    subscriber=Member("DOE", "JOHN", date(1970, 5, 17), "M", "XYZ123456789"),
    trace_number="EL20250314001",
    originator_id="1123456789",
    service_date=date(2025, 3, 14),
)


def ids(text: str) -> str:
    return " ".join(segment.id for segment in tokenize(text))


def test_270_for_the_subscriber():
    text = write_270(INQUIRY, b.ENVELOPE, b.CONTROL)
    assert ids(text) == "ISA GS ST BHT HL NM1 HL NM1 HL TRN NM1 DMG DTP EQ SE GE IEA"
    lines = text.splitlines()
    assert "HL*3*2*22*0~" in lines and "EQ*30~" in lines
    assert "NM1*IL*1*DOE*JOHN****MI*XYZ123456789~" in lines
    assert "SE*13*1201~" in lines
    (transaction,) = read_transaction_sets(text, expected_set="270")
    assert transaction.implementation == "005010X279A1"


def test_270_for_a_dependent_puts_the_inquiry_on_the_dependent_level():
    dependent = Member("DOE", "EMMA", date(2015, 8, 2), "F")
    text = write_270(
        EligibilityInquiry(
            **{**INQUIRY.__dict__, "dependent": dependent, "service_types": ("30", "98")}
        ),
        b.ENVELOPE,
        b.CONTROL,
    )
    assert ids(text).endswith(" NM1 HL NM1 DMG HL TRN NM1 DMG DTP EQ EQ SE GE IEA")
    lines = text.splitlines()
    assert "HL*3*2*22*1~" in lines and "HL*4*3*23*0~" in lines
    assert "NM1*03*1*DOE*EMMA~" in lines and "EQ*98~" in lines


def test_pyx12_has_no_270_map_so_validation_says_so():
    # pyx12 4.0 ships no 005010X279A1 map; when it does, this fails and the 270 tests validate.
    with pytest.raises(X12ValidatorUnavailable, match="005010X279A1"):
        validate_with_pyx12(write_270(INQUIRY, b.ENVELOPE, b.CONTROL))


@pytest.mark.parametrize("path", sorted((b.X12_DATA / "271").glob("*.271")), ids=lambda p: p.name)
def test_every_shared_271_parses(path):
    (response,) = read_271(path.read_text())
    assert response.payer_name == "ABC COMPANY"


def test_shared_271_for_a_dependent():
    (response,) = read_271((b.X12_DATA / "271" / "dependent-health-benefit-check.271").read_text())
    assert response.active is True and response.plan_name == "GOLD 123 PLAN"
    assert response.dependent == Member("SMITH", "MARY", date(1998, 10, 14), "F", "")
    assert response.plan_begin == date(2006, 1, 1)
    office = {(row.service_type, row.in_network): row.copay for row in response.cost_sharing()}
    assert office[("98", True)] == Decimal("10.00") and office[("98", False)] == Decimal("30.00")


def test_shared_271_rejection():
    (response,) = read_271(
        (b.X12_DATA / "271" / "subscriber-health-benefit-check-error.271").read_text()
    )
    assert response.active is None and response.rejections == ["50"]


RESPONSE = """ISA*00*          *00*          *ZZ*ACMEPAYER      *ZZ*MEDOFFICE01    *250314*1000*^*00501*000000901*0*T*:~
GS*HB*ACMEPAYER*MEDOFFICE01*20250314*1000*901*X*005010X279A1~
ST*271*0001*005010X279A1~
BHT*0022*11*EL20250314001*20250314*1000~
HL*1**20*1~
NM1*PR*2*ACME HEALTH PLAN*****PI*60054~
HL*2*1*21*1~
NM1*1P*2*RIVERSIDE FAMILY MEDICINE*****XX*1234567893~
HL*3*2*22*0~
TRN*2*EL20250314001*1123456789~
NM1*IL*1*DOE*JOHN****MI*XYZ123456789~
REF*6P*GRP100~
DMG*D8*19700517*M~
DTP*346*D8*20250101~
DTP*347*D8*20251231~
EB*{active}*IND*30*PR*ACME PPO SILVER~
EB*B*IND*98***27*25*****Y~
EB*A*IND*30*****0.2****Y~
EB*A*IND*30*****0.4****N~
EB*C*IND*30***23*1500*****Y~
EB*C*IND*30***29*1125.50*****Y~
MSG*DEDUCTIBLE MET 374.50~
EB*G*IND*30***23*6000*****Y~
EB*G*IND*30***29*5400*****Y~
SE*23*0001~
GE*1*901~
IEA*1*000000901~
"""


def test_271_cost_sharing_by_service_type_and_network():
    (response,) = read_271(RESPONSE.format(active="1"))
    assert response.active is True and response.plan_name == "ACME PPO SILVER"
    assert (response.plan_begin, response.plan_end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert response.group_number == "GRP100" and response.trace_numbers == ["EL20250314001"]
    rows = {(r.service_type, r.in_network): r for r in response.cost_sharing()}
    assert rows[("98", True)].copay == Decimal(25)
    health = rows[("30", True)]
    assert health.coinsurance == Decimal("0.2") and rows[("30", False)].coinsurance == Decimal(
        "0.4"
    )
    assert (health.deductible, health.deductible_remaining) == (Decimal(1500), Decimal("1125.50"))
    assert (health.out_of_pocket, health.out_of_pocket_remaining) == (Decimal(6000), Decimal(5400))
    deductible_left = [x for x in response.benefits if x.code == "C" and x.time_period == "29"]
    assert deductible_left[0].messages == ("DEDUCTIBLE MET 374.50",)


def test_271_inactive_coverage():
    (response,) = read_271(RESPONSE.format(active="6"))
    assert response.active is False


@pytest.mark.django_db
def test_control_numbers_come_from_persisted_counters_and_never_repeat():
    from medoffice.core.models import Sequence

    first = reserve_control_numbers()
    second = reserve_control_numbers()
    assert first != second
    assert (second.interchange, second.group, second.transaction) == (
        first.interchange + 1,
        first.group + 1,
        first.transaction + 1,
    )
    assert Sequence.objects.get(name="x12.interchange").value == second.interchange
    with pytest.raises(ValueError):
        ControlNumbers(0, 1, 1)
