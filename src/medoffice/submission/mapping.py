"""A claim as the 837P writer wants it: `Claim` (+ lines, patient, coverage, payer, providers,
diagnoses, authorization numbers, correction data, the prior payers' adjudication) mapped to the
dataclasses of `medoffice.interop.x12.claim837p`, and the batch file for one payer.

Nothing here writes to the database; `services.batches_create_for_ready_claims` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from medoffice.claims.models import Claim, ClaimLine, ClaimLineAdjudication
from medoffice.interop.x12 import claim837p as x12
from medoffice.interop.x12.envelope import ControlNumbers, Envelope, Party
from medoffice.patients.models import Coverage, Patient, Payer

SELF = "18"


def _address(
    line1: str, city: str, state: str, postal_code: str, line2: str = ""
) -> x12.Address | None:
    """None unless the address is complete: the writer then names what is missing."""
    if not (line1 and city and state and postal_code):
        return None
    return x12.Address(line1, city, state, postal_code.replace("-", ""), line2=line2)


def patient_person(patient: Patient) -> x12.Person:
    return x12.Person(
        last_name=patient.family_name,
        first_name=patient.given_name,
        middle_name=patient.middle_name,
        suffix=patient.suffix,
        birth_date=patient.birth_date,
        sex=patient.sex_at_birth if patient.sex_at_birth in ("F", "M") else "U",
        address=_address(
            patient.address_line1, patient.city, patient.state, patient.postal_code,
            patient.address_line2,
        ),
    )  # fmt: skip


def subscriber_of(coverage: Coverage, payer: Payer, patient: Patient) -> x12.Subscriber:
    """The insured: the patient when the relationship is self (18), otherwise the person the
    coverage names as subscriber."""
    if coverage.relationship == SELF:
        person = patient_person(patient)
    else:
        person = x12.Person(
            last_name=coverage.subscriber_family_name,
            first_name=coverage.subscriber_given_name,
            birth_date=coverage.subscriber_birth_date,
            sex=coverage.subscriber_sex or "U",
            address=_address(
                coverage.subscriber_address_line1, coverage.subscriber_city,
                coverage.subscriber_state, coverage.subscriber_postal_code,
            ),
        )  # fmt: skip
    return x12.Subscriber(
        member_id=coverage.member_id,
        person=person,
        group_number=coverage.group_number,
        group_name="" if coverage.group_number else coverage.plan_name,
        filing_indicator=payer.filing_indicator,
    )


def payer_of(payer: Payer) -> x12.Payer:
    return x12.Payer(
        name=payer.name,
        payer_id=payer.payer_id,
        address=_address(payer.address_line1, payer.city, payer.state, payer.postal_code),
    )


def billing_provider_of(claim: Claim) -> x12.Provider:
    """The billing provider as captured with the charges (NPI, tax id), named and addressed by
    the practice and the site where the service was given."""
    location = claim.location
    practice = location.practice
    return x12.Provider(
        npi=claim.billing_npi,
        last_name=practice.legal_name or practice.name,
        tax_id=claim.billing_tax_id,
        address=_address(
            location.address_line1, location.city, location.state, location.postal_code,
            location.address_line2,
        ),
    )  # fmt: skip


def rendering_provider_of(claim: Claim) -> x12.Provider:
    provider = claim.rendering_provider
    user = provider.user
    return x12.Provider(
        npi=provider.npi,
        last_name=user.last_name or user.username,
        first_name=user.first_name or user.username,
        taxonomy=provider.taxonomy,
    )


def _prior_claims(claim: Claim) -> list[Claim]:
    """The claims of the payers before this one (primary first), for COB."""
    chain: list[Claim] = []
    prior = claim.prior_claim
    while prior is not None:
        chain.insert(0, prior)
        prior = prior.prior_claim
    return chain


def _prior_line(line: ClaimLine, prior: Claim) -> ClaimLine | None:
    current = line.prior_line
    while current is not None and current.claim_id != prior.pk:
        current = current.prior_line
    return current


def _line_adjudication(
    row: ClaimLineAdjudication, prior_line: ClaimLine, payer: Payer
) -> x12.LineAdjudication:
    return x12.LineAdjudication(
        payer_id=payer.payer_id,
        paid=row.paid_amount,
        procedure_code=prior_line.procedure_code,
        adjudication_date=row.adjudicated_on,
        modifiers=tuple(prior_line.modifiers or ()),
        units=Decimal(prior_line.units),
        adjustments=tuple(
            x12.Adjustment(item["group"], item["reason"], Decimal(item["amount"]))
            for item in row.adjustments
        ),
    )


def _other_payers(claim: Claim, lines: Sequence[ClaimLine]) -> tuple[
    tuple[x12.OtherPayer, ...], dict[int, list[x12.LineAdjudication]]
]:  # fmt: skip
    """2320/2330 per prior payer, and each line's 2430 adjudications by those payers. A prior
    payer that is Medicare and was not primary carries its coverage's Medicare secondary payer
    type (SBR05); the writer sends it only then."""
    others: list[x12.OtherPayer] = []
    by_line: dict[int, list[x12.LineAdjudication]] = {line.pk: [] for line in lines}
    for prior in _prior_claims(claim):
        paid = Decimal("0.00")
        for line in lines:
            prior_line = _prior_line(line, prior)
            if prior_line is None:
                continue
            for row in prior_line.adjudications.all():
                if row.payer_id != prior.payer_id:
                    continue
                paid += row.paid_amount
                by_line[line.pk].append(_line_adjudication(row, prior_line, prior.payer))
        others.append(
            x12.OtherPayer(
                payer=payer_of(prior.payer),
                subscriber=subscriber_of(prior.coverage, prior.payer, prior.patient),
                responsibility=prior.sbr01,
                relationship=prior.coverage.relationship,
                paid=paid,
                medicare_secondary_type=prior.coverage.medicare_secondary_type,
            )
        )
    return tuple(others), by_line


def claim_837p(claim: Claim) -> x12.Claim:
    """One claim as the 837P writer's dataclass."""
    lines = list(claim.lines.all())
    other_payers, adjudications = _other_payers(claim, lines)
    service_lines = tuple(
        x12.ServiceLine(
            procedure_code=line.procedure_code,
            charge=line.amount,
            service_date=line.date_of_service,
            diagnosis_pointers=tuple(line.diagnosis_pointers),
            modifiers=tuple(line.modifiers or ()),
            units=Decimal(line.units),
            place_of_service=line.place_of_service,
            line_control_number=line.line_control_number,
            adjudications=tuple(adjudications[line.pk]),
        )
        for line in lines
    )
    dependent = claim.coverage.relationship != SELF
    return x12.Claim(
        patient_control_number=claim.patient_control_number,
        billing_provider=billing_provider_of(claim),
        subscriber=subscriber_of(claim.coverage, claim.payer, claim.patient),
        payer=payer_of(claim.payer),
        diagnoses=tuple(claim.diagnosis_codes),
        lines=service_lines,
        place_of_service=claim.place_of_service,
        responsibility=claim.sbr01,
        patient=patient_person(claim.patient) if dependent else None,
        patient_relationship=claim.coverage.relationship if dependent else "19",
        frequency_code=claim.frequency_code,
        original_claim_number=claim.original_reference,
        prior_authorization=claim.prior_authorization_number,
        referral_number=claim.referral_number,
        rendering_provider=rendering_provider_of(claim),
        other_payers=other_payers,
        medicare_secondary_type=claim.coverage.medicare_secondary_type,
    )


def claims_for_mapping(claim_ids: Sequence[int]) -> list[Claim]:
    """The claims with everything the mapping reads, in a handful of queries."""
    return list(
        Claim.objects.filter(pk__in=claim_ids)
        .select_related(
            "patient", "payer", "coverage", "location__practice", "rendering_provider__user",
            "prior_claim__payer", "prior_claim__coverage", "prior_claim__patient",
            "prior_claim__prior_claim__payer", "prior_claim__prior_claim__coverage",
            "prior_claim__prior_claim__patient",
        )
        .prefetch_related(
            Prefetch(
                "lines",
                ClaimLine.objects.order_by("line_number").select_related(
                    "prior_line", "prior_line__prior_line"
                ).prefetch_related("prior_line__adjudications",
                                   "prior_line__prior_line__adjudications"),
            )
        )
        .order_by("pk")
    )  # fmt: skip


def submitter() -> x12.Submitter:
    from medoffice.organization.models import Practice

    practice = Practice.objects.order_by("pk").first()
    name = (practice.legal_name or practice.name) if practice else settings.PRACTICE_NAME
    return x12.Submitter(
        name=name,
        submitter_id=settings.X12_SENDER_ID,
        contact_name=settings.X12_SUBMITTER_CONTACT,
        phone=settings.X12_SUBMITTER_PHONE,
    )


def envelope(created: datetime | None = None) -> Envelope:
    return Envelope(
        sender=Party(settings.X12_SENDER_ID, settings.X12_SENDER_QUALIFIER),
        receiver=Party(settings.X12_RECEIVER_ID, settings.X12_RECEIVER_QUALIFIER),
        created=timezone.localtime(created or timezone.now()),
        production=settings.X12_PRODUCTION,
    )


def batch_837p(
    payer: Payer, claims: Sequence[Claim], control: ControlNumbers, created: datetime | None = None
) -> str:
    """The file for one payer: its claims under the payer's name and EDI id (1000B)."""
    batch = x12.Batch(
        submitter=submitter(),
        receiver_name=payer.name,
        receiver_id=payer.payer_id,
        claims=[claim_837p(claim) for claim in claims],
    )
    return x12.write_837p(batch, envelope(created), control)
