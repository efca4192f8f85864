"""837P (005010X222A1) professional claims: the dataclasses a claim is mapped to, and the
writer of one batch file per payer or clearinghouse.

Loops written: 1000A/B submitter and receiver, 2000A/2010AA billing provider, 2000B/2010BA/
2010BB subscriber and payer, 2000C/2010CA patient when a dependent, 2300 claim, 2310B
rendering provider, 2320/2330A/2330B other payers (COB), 2400 service lines with 2430 line
adjudication. The HL numbers, SE count and balancing are computed here, never passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from medoffice.interop.x12.envelope import ControlNumbers, Envelope, write_interchange
from medoffice.interop.x12.segments import (
    SegmentWriter,
    clean_text,
    x12_amount,
    x12_date,
    x12_quantity,
    x12_time,
)

IMPLEMENTATION = "005010X222A1"
MEDICARE_FILING_INDICATORS = {"MA", "MB"}
ADJUSTMENT_GROUPS = {"CO", "CR", "OA", "PI", "PR"}
NO_NAME = (
    None,
    None,
    None,
    None,
)  # NM104..NM107 (first/middle name, prefix, suffix): unused for an organization


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    state: str
    postal_code: str
    line2: str = ""


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    middle_name: str = ""
    suffix: str = ""
    birth_date: date | None = None
    sex: str = "U"  # M, F or U
    address: Address | None = None


@dataclass(frozen=True)
class Provider:
    """A billing or rendering provider: an organization (last_name only) or a person."""

    npi: str
    last_name: str
    first_name: str = ""
    taxonomy: str = ""
    tax_id: str = ""  # EIN, required for the billing provider
    address: Address | None = None

    @property
    def is_person(self) -> bool:
        return bool(self.first_name)


@dataclass(frozen=True)
class Payer:
    name: str
    payer_id: str
    address: Address | None = None


@dataclass(frozen=True)
class Subscriber:
    member_id: str
    person: Person
    group_number: str = ""
    group_name: str = ""
    # SBR09: CI commercial, MB Medicare Part B, MC Medicaid, BL Blue Cross, HM HMO...
    filing_indicator: str = "CI"


@dataclass(frozen=True)
class Adjustment:
    group: str  # CO, PR, OA, PI
    reason: str  # claim adjustment reason code
    amount: Decimal


@dataclass(frozen=True)
class LineAdjudication:
    """What another payer did with a service line (2430), copied from its 835 SVC loop."""

    payer_id: str
    paid: Decimal
    procedure_code: str
    adjudication_date: date
    modifiers: tuple[str, ...] = ()
    units: Decimal = Decimal(1)
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True)
class OtherPayer:
    """A payer that adjudicated the claim before the destination payer (2320/2330)."""

    payer: Payer
    subscriber: Subscriber
    responsibility: str  # P, S or T: this payer's place in the order
    relationship: str = "18"  # SBR02: the patient's relationship to this subscriber
    paid: Decimal | None = None  # AMT*D, required once the payer adjudicated the claim
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    adjudication_date: date | None = None  # 2330B DTP*573 when no line adjudication is sent
    medicare_secondary_type: str = ""  # SBR05 when this payer is Medicare and not primary


@dataclass(frozen=True)
class ServiceLine:
    procedure_code: str
    charge: Decimal
    service_date: date
    diagnosis_pointers: tuple[int, ...] = (1,)
    modifiers: tuple[str, ...] = ()
    units: Decimal = Decimal(1)
    unit_code: str = "UN"  # UN units, MJ minutes
    place_of_service: str = ""  # only when it differs from the claim's
    line_control_number: str = ""  # REF*6R, echoed back in the 835 REF*6B
    adjudications: tuple[LineAdjudication, ...] = ()


@dataclass(frozen=True)
class Claim:
    patient_control_number: str
    billing_provider: Provider
    subscriber: Subscriber
    payer: Payer
    diagnoses: tuple[str, ...]  # ICD-10-CM, principal first, with or without the dot
    lines: tuple[ServiceLine, ...]
    place_of_service: str = "11"
    responsibility: str = "P"  # SBR01 of the destination payer
    patient: Person | None = None  # None when the subscriber is the patient
    patient_relationship: str = "19"  # PAT01 when a dependent: 01 spouse, 19 child, G8 other
    frequency_code: str = "1"  # 1 original, 7 replacement, 8 void
    original_claim_number: str = ""  # payer's claim number, required for 7 and 8
    prior_authorization: str = ""
    referral_number: str = ""
    rendering_provider: Provider | None = None
    other_payers: tuple[OtherPayer, ...] = ()
    medicare_secondary_type: str = ""  # SBR05 when the destination payer is Medicare secondary
    provider_signature: bool = True
    assignment_accepted: bool = True
    benefits_assigned: bool = True
    release_of_information: str = "Y"

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal(0))


@dataclass(frozen=True)
class Submitter:
    name: str
    submitter_id: str
    contact_name: str
    phone: str


@dataclass(frozen=True)
class Batch:
    """One file: every claim for one receiver (payer or clearinghouse)."""

    submitter: Submitter
    receiver_name: str
    receiver_id: str
    claims: Sequence[Claim]
    reference: str = ""  # BHT03; the transaction control number when empty


class ClaimError(ValueError):
    """A claim that cannot be written as a valid 837P; names the claim and the rule."""


def _check(condition: bool, claim: Claim, message: str) -> None:
    if not condition:
        raise ClaimError(f"claim {claim.patient_control_number}: {message}")


def _validate(claim: Claim) -> None:
    _check(bool(claim.lines), claim, "has no service line")
    _check(len(claim.lines) <= 50, claim, "has more than 50 service lines")
    _check(1 <= len(claim.diagnoses) <= 12, claim, "needs 1 to 12 diagnosis codes")
    _check(bool(claim.billing_provider.tax_id), claim, "billing provider has no tax id (EIN)")
    _check(claim.billing_provider.address is not None, claim, "billing provider has no address")
    _check(claim.frequency_code in ("1", "7", "8"), claim, "frequency code must be 1, 7 or 8")
    if claim.frequency_code in ("7", "8"):
        _check(
            bool(claim.original_claim_number),
            claim,
            "a replacement or void (frequency 7/8) needs the payer's original claim number",
        )
    if claim.patient is None:
        _check(claim.subscriber.person.birth_date is not None, claim, "subscriber has no DOB")
        _check(claim.subscriber.person.address is not None, claim, "subscriber has no address")
    else:
        _check(claim.patient.birth_date is not None, claim, "patient has no birth date")
        _check(claim.patient.address is not None, claim, "patient has no address")
    if claim.responsibility != "P" and claim.subscriber.filing_indicator in (
        MEDICARE_FILING_INDICATORS
    ):
        _check(
            bool(claim.medicare_secondary_type),
            claim,
            "Medicare as a secondary payer needs the insurance type code (SBR05)",
        )
    if claim.responsibility != "P":
        _check(bool(claim.other_payers), claim, "a secondary claim needs the other payer (COB)")
    for line in claim.lines:
        _check(len(line.modifiers) <= 4, claim, f"{line.procedure_code} has over 4 modifiers")
        _check(
            1 <= len(line.diagnosis_pointers) <= 4
            and all(1 <= p <= len(claim.diagnoses) for p in line.diagnosis_pointers),
            claim,
            f"{line.procedure_code} diagnosis pointers must be 1-4 positions of the diagnoses",
        )
        for adjudication in line.adjudications:
            adjusted = sum((a.amount for a in adjudication.adjustments), Decimal(0))
            _check(
                adjudication.paid + adjusted == line.charge,
                claim,
                f"{line.procedure_code}: paid {adjudication.paid} plus adjustments {adjusted} "
                f"must equal the charge {line.charge} (2430 balancing)",
            )
            _check(
                any(o.payer.payer_id == adjudication.payer_id for o in claim.other_payers),
                claim,
                f"line adjudication by {adjudication.payer_id}, which is no other payer",
            )
    for other in claim.other_payers:
        if other.responsibility != "P" and other.subscriber.filing_indicator in (
            MEDICARE_FILING_INDICATORS
        ):
            _check(
                bool(other.medicare_secondary_type),
                claim,
                f"other payer {other.payer.name} is Medicare, not primary: SBR05 is required",
            )
        for adjustment in other.adjustments:
            _check(adjustment.group in ADJUSTMENT_GROUPS, claim, f"CAS group {adjustment.group}")


class _ClaimWriter:
    def __init__(self, out: SegmentWriter) -> None:
        self.out = out
        self.hl = 0

    def text(self, value: str) -> str:
        return clean_text(value, self.out.separators)

    def next_hl(self) -> str:
        self.hl += 1
        return str(self.hl)

    def address(self, address: Address) -> None:
        self.out.add("N3", self.text(address.line1), self.text(address.line2) or None)
        self.out.add("N4", self.text(address.city), address.state, address.postal_code)

    def person_name(
        self, entity: str, person: Person, qualifier: str = "", ident: str = ""
    ) -> None:
        self.out.add(
            "NM1",
            entity,
            "1",
            self.text(person.last_name),
            self.text(person.first_name),
            self.text(person.middle_name),
            None,
            self.text(person.suffix),
            qualifier,
            ident,
        )

    def demographics(self, person: Person) -> None:
        assert person.birth_date is not None
        self.out.add("DMG", "D8", x12_date(person.birth_date), person.sex)

    def provider_name(self, entity: str, provider: Provider) -> None:
        self.out.add(
            "NM1",
            entity,
            "1" if provider.is_person else "2",
            self.text(provider.last_name),
            self.text(provider.first_name),
            None,
            None,
            None,
            "XX",
            provider.npi,
        )

    def billing_provider(self, provider: Provider) -> str:
        hl = self.next_hl()
        self.out.add("HL", hl, None, "20", "1")
        if provider.taxonomy:
            self.out.add("PRV", "BI", "PXC", provider.taxonomy)
        self.provider_name("85", provider)
        assert provider.address is not None
        self.address(provider.address)
        self.out.add("REF", "EI", provider.tax_id)
        return hl

    def subscriber_loop(self, claim: Claim, parent: str) -> str:
        subscriber = claim.subscriber
        hl = self.next_hl()
        self.out.add("HL", hl, parent, "22", "0" if claim.patient is None else "1")
        # SBR02 is 18 only when the subscriber is the patient; SBR05 only for Medicare
        # secondary (an empty SBR05 there, or one sent otherwise, gets the claim rejected).
        medicare_secondary = (
            claim.responsibility != "P"
            and subscriber.filing_indicator in MEDICARE_FILING_INDICATORS
        )
        self.out.add(
            "SBR",
            claim.responsibility,
            "18" if claim.patient is None else None,
            subscriber.group_number,
            self.text(subscriber.group_name) if not subscriber.group_number else None,
            claim.medicare_secondary_type if medicare_secondary else None,
            None,
            None,
            None,
            subscriber.filing_indicator,
        )
        self.person_name("IL", subscriber.person, "MI", subscriber.member_id)
        if claim.patient is None:
            assert subscriber.person.address is not None
            self.address(subscriber.person.address)
            self.demographics(subscriber.person)
        self.out.add(
            "NM1", "PR", "2", self.text(claim.payer.name), *NO_NAME, "PI", claim.payer.payer_id
        )
        if claim.payer.address is not None:
            self.address(claim.payer.address)
        return hl

    def patient_loop(self, claim: Claim, parent: str) -> None:
        assert claim.patient is not None and claim.patient.address is not None
        self.out.add("HL", self.next_hl(), parent, "23", "0")
        self.out.add("PAT", claim.patient_relationship)
        self.person_name("QC", claim.patient)
        self.address(claim.patient.address)
        self.demographics(claim.patient)

    def claim_loop(self, claim: Claim) -> None:
        out = self.out
        out.add(
            "CLM",
            claim.patient_control_number,
            x12_amount(claim.total_charge),
            None,
            None,
            (claim.place_of_service, "B", claim.frequency_code),
            "Y" if claim.provider_signature else "N",
            "A" if claim.assignment_accepted else "C",
            "Y" if claim.benefits_assigned else "N",
            claim.release_of_information,
        )
        if claim.frequency_code in ("7", "8"):
            out.add("REF", "F8", claim.original_claim_number)
        if claim.referral_number:
            out.add("REF", "9F", claim.referral_number)
        if claim.prior_authorization:
            out.add("REF", "G1", claim.prior_authorization)
        codes = [code.replace(".", "").upper() for code in claim.diagnoses]
        out.add("HI", ("ABK", codes[0]), *[("ABF", code) for code in codes[1:]])
        rendering = claim.rendering_provider
        if rendering is not None and rendering.npi != claim.billing_provider.npi:
            self.provider_name("82", rendering)
            if rendering.taxonomy:
                out.add("PRV", "PE", "PXC", rendering.taxonomy)
        for other in claim.other_payers:
            self.other_payer_loop(claim, other)
        for number, line in enumerate(claim.lines, start=1):
            self.service_line(claim, number, line)

    def adjustments(self, adjustments: Sequence[Adjustment]) -> None:
        # One CAS per group, at most six reasons each (CAS02..CAS19).
        by_group: dict[str, list[Adjustment]] = {}
        for adjustment in adjustments:
            by_group.setdefault(adjustment.group, []).append(adjustment)
        for group, items in by_group.items():
            for start in range(0, len(items), 6):
                elements: list[str | None] = [group]
                for item in items[start : start + 6]:
                    elements += [item.reason, x12_amount(item.amount), None]
                self.out.add("CAS", *elements)

    def other_payer_loop(self, claim: Claim, other: OtherPayer) -> None:
        out = self.out
        subscriber = other.subscriber
        medicare_secondary = (
            other.responsibility != "P"
            and subscriber.filing_indicator in MEDICARE_FILING_INDICATORS
        )
        out.add(
            "SBR",
            other.responsibility,
            other.relationship,
            subscriber.group_number,
            self.text(subscriber.group_name) if not subscriber.group_number else None,
            other.medicare_secondary_type if medicare_secondary else None,
            None,
            None,
            None,
            subscriber.filing_indicator,
        )
        self.adjustments(other.adjustments)
        if other.paid is not None:
            out.add("AMT", "D", x12_amount(other.paid))
        out.add("OI", None, None, "Y" if claim.benefits_assigned else "N", "P", None, "Y")
        self.person_name("IL", subscriber.person, "MI", subscriber.member_id)
        if subscriber.person.address is not None:
            self.address(subscriber.person.address)
        out.add("NM1", "PR", "2", self.text(other.payer.name), *NO_NAME, "PI", other.payer.payer_id)
        if other.payer.address is not None:
            self.address(other.payer.address)
        if other.adjudication_date is not None:
            out.add("DTP", "573", "D8", x12_date(other.adjudication_date))

    def service_line(self, claim: Claim, number: int, line: ServiceLine) -> None:
        out = self.out
        out.add("LX", str(number))
        out.add(
            "SV1",
            ("HC", line.procedure_code, *line.modifiers),
            x12_amount(line.charge),
            line.unit_code,
            x12_quantity(line.units),
            line.place_of_service if line.place_of_service != claim.place_of_service else None,
            None,
            tuple(str(pointer) for pointer in line.diagnosis_pointers),
        )
        out.add("DTP", "472", "D8", x12_date(line.service_date))
        if line.line_control_number:
            out.add("REF", "6R", line.line_control_number)
        for adjudication in line.adjudications:
            out.add(
                "SVD",
                adjudication.payer_id,
                x12_amount(adjudication.paid),
                ("HC", adjudication.procedure_code, *adjudication.modifiers),
                None,
                x12_quantity(adjudication.units),
            )
            self.adjustments(adjudication.adjustments)
            out.add("DTP", "573", "D8", x12_date(adjudication.adjudication_date))


def write_837p(batch: Batch, envelope: Envelope, control: ControlNumbers) -> str:
    """The batch as one interchange. Claims are grouped under their billing provider (2000A);
    each claim gets its own subscriber (and patient) level."""
    if not batch.claims:
        raise ClaimError("a batch needs at least one claim")
    for claim in batch.claims:
        _validate(claim)
    out = SegmentWriter(envelope.separators)
    writer = _ClaimWriter(out)
    submitter = batch.submitter
    out.add(
        "BHT",
        "0019",
        "00",
        batch.reference or f"{control.transaction:04d}",
        x12_date(envelope.created),
        x12_time(envelope.created),
        "CH",
    )
    out.add("NM1", "41", "2", writer.text(submitter.name), *NO_NAME, "46", submitter.submitter_id)
    out.add("PER", "IC", writer.text(submitter.contact_name), "TE", submitter.phone)
    out.add("NM1", "40", "2", writer.text(batch.receiver_name), *NO_NAME, "46", batch.receiver_id)
    by_provider: dict[Provider, list[Claim]] = {}
    for claim in batch.claims:
        by_provider.setdefault(claim.billing_provider, []).append(claim)
    for provider, claims in by_provider.items():
        provider_hl = writer.billing_provider(provider)
        for claim in claims:
            subscriber_hl = writer.subscriber_loop(claim, provider_hl)
            if claim.patient is not None:
                writer.patient_loop(claim, subscriber_hl)
            writer.claim_loop(claim)
    return write_interchange(
        envelope,
        control,
        functional_code="HC",
        transaction_set="837",
        implementation=IMPLEMENTATION,
        body=out,
    )
