"""What the scrubber knows about a claim: plain frozen dataclasses, no database.

The claims app maps its models to these (ClaimFacts per claim); the rules read only these and
a CodeTables (tables.py), so every rule is testable without the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# Fields a payer may require beyond the ones every claim needs (REQ001), with what the biller
# sees. Each names an attribute path on ClaimFacts.
ALWAYS_REQUIRED: dict[str, str] = {
    "patient_control_number": "patient control (account) number",
    "payer.edi_payer_id": "payer's EDI payer id",
    "billing_provider.npi": "billing provider NPI",
    "billing_provider.tax_id": "billing provider tax id",
    "billing_provider.address.line1": "billing provider street address",
    "billing_provider.address.city": "billing provider city",
    "billing_provider.address.state": "billing provider state",
    "billing_provider.address.postal_code": "billing provider ZIP code",
    "patient.family_name": "patient's last name",
    "patient.given_name": "patient's first name",
    "patient.birth_date": "patient's date of birth",
    "patient.sex": "patient's sex",
    "subscriber.member_id": "subscriber's member id",
    "subscriber.relationship": "patient's relationship to the subscriber",
}
PAYER_REQUIRABLE: dict[str, str] = {
    "billing_provider.taxonomy": "billing provider taxonomy code",
    "rendering_provider.npi": "rendering provider NPI",
    "rendering_provider.taxonomy": "rendering provider taxonomy code",
    "patient.address.line1": "patient's street address",
    "patient.address.postal_code": "patient's ZIP code",
    "subscriber.family_name": "subscriber's last name",
    "subscriber.given_name": "subscriber's first name",
    "subscriber.birth_date": "subscriber's date of birth",
    "referral_number": "referral number",
    "prior_authorization.number": "prior authorization number",
}


@dataclass(frozen=True)
class Address:
    line1: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class PayerFacts:
    id: int | None
    name: str
    edi_payer_id: str = ""
    filing_indicator: str = "CI"
    timely_filing_days: int = 90
    disabled_rules: frozenset[str] = frozenset()
    required_fields: frozenset[str] = frozenset()  # keys of PAYER_REQUIRABLE

    def __post_init__(self) -> None:
        unknown = sorted(set(self.required_fields) - set(PAYER_REQUIRABLE))
        if unknown:
            raise ValueError(
                f"Payer {self.name}: unknown required field(s) {', '.join(unknown)}; "
                f"use {', '.join(sorted(PAYER_REQUIRABLE))}."
            )


@dataclass(frozen=True)
class BillingProviderFacts:
    npi: str
    taxonomy: str = ""
    tax_id: str = ""
    address: Address = field(default_factory=Address)


@dataclass(frozen=True)
class RenderingProviderFacts:
    npi: str = ""
    taxonomy: str = ""


@dataclass(frozen=True)
class PatientFacts:
    id: int | None
    family_name: str
    given_name: str
    birth_date: date | None
    sex: str  # "F", "M" or "U" (sex at birth)
    address: Address = field(default_factory=Address)

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class SubscriberFacts:
    member_id: str
    relationship: str = "18"  # X12 individual relationship code; 18 is self
    family_name: str = ""
    given_name: str = ""
    birth_date: date | None = None


@dataclass(frozen=True)
class CoverageFacts:
    effective_date: date | None = None
    end_date: date | None = None
    medicare_secondary_type: str = ""  # SBR05: why Medicare pays second, when it does

    def active_on(self, day: date) -> bool:
        if self.effective_date and day < self.effective_date:
            return False
        return not (self.end_date and day > self.end_date)


@dataclass(frozen=True)
class LineFacts:
    number: int  # 1-based, as the biller sees it
    procedure_code: str
    service_date: date
    units: Decimal = Decimal(1)
    charge: Decimal = Decimal(0)
    modifiers: tuple[str, ...] = ()
    diagnosis_pointers: tuple[int, ...] = ()  # 1-based into ClaimFacts.diagnoses
    place_of_service: str = "11"

    @property
    def label(self) -> str:
        """How messages name the line: "line 2 (99213)"."""
        return f"line {self.number} ({self.procedure_code})"


@dataclass(frozen=True)
class PriorAuthorizationFacts:
    number: str = ""
    remaining_units: int | None = None  # None: the payer gave no unit limit
    start_date: date | None = None
    end_date: date | None = None

    def covers(self, day: date) -> bool:
        if self.start_date and day < self.start_date:
            return False
        return not (self.end_date and day > self.end_date)


@dataclass(frozen=True)
class OtherClaimFacts:
    """Another claim already made, for duplicate detection."""

    claim_id: int | None
    patient_id: int | None
    service_date: date
    procedure_codes: frozenset[str]


@dataclass(frozen=True)
class ClaimFacts:
    claim_id: int | None
    patient_control_number: str
    payer: PayerFacts
    billing_provider: BillingProviderFacts
    patient: PatientFacts
    subscriber: SubscriberFacts
    lines: tuple[LineFacts, ...]
    diagnoses: tuple[str, ...]  # ICD-10-CM codes in claim order (pointer 1 is the first)
    submission_date: date
    frequency_code: str = "1"  # 1 original, 7 replacement, 8 void
    responsibility: str = "P"  # SBR01: this payer's place in the order (P, S or T)
    rendering_provider: RenderingProviderFacts | None = None
    coverage: CoverageFacts = field(default_factory=CoverageFacts)
    prior_authorization: PriorAuthorizationFacts | None = None
    # Procedure codes for which this payer requires a prior authorization.
    prior_authorization_codes: frozenset[str] = frozenset()
    referral_number: str = ""
    referral_required: bool = False
    other_claims: tuple[OtherClaimFacts, ...] = ()

    def field_value(self, path: str) -> object:
        """The value at an attribute path ("billing_provider.address.city"); None when a
        part on the way is missing."""
        value: object = self
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value
