"""The scrubber's facts about claims, read from the database in a fixed number of queries.

`claims_facts(claim_ids)` reads any number of claims in four queries: the claims with their
patient, payer (and its claim rules), coverage, location, practice, rendering provider and
prior authorization; their lines; the units drawn on their authorizations; the lines of the
same patients' other claims (duplicates). `claim_facts(claim_id)` is the one-claim form.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from medoffice.claims.models import Claim, ClaimLine, ClaimStatus, FrequencyCode
from medoffice.claims.scrubber.facts import (
    Address,
    BillingProviderFacts,
    ClaimFacts,
    CoverageFacts,
    LineFacts,
    OtherClaimFacts,
    PatientFacts,
    PayerFacts,
    PriorAuthorizationFacts,
    RenderingProviderFacts,
    SubscriberFacts,
)
from medoffice.patients.models.coverage import SubscriberRelationship
from medoffice.referrals.models import AuthorizationUse

CLAIM_RELATIONS = (
    "patient", "payer__claim_rules", "coverage", "location__practice",
    "rendering_provider", "prior_authorization",
)  # fmt: skip


def _payer_rules(payer: Any) -> Any:
    from medoffice.claims.models import PayerClaimRules

    try:
        return payer.claim_rules
    except PayerClaimRules.DoesNotExist:
        return None


def payer_facts(payer: Any) -> PayerFacts:
    rules = _payer_rules(payer)
    return PayerFacts(
        id=payer.pk,
        name=payer.name,
        edi_payer_id=payer.payer_id,
        filing_indicator=payer.filing_indicator,
        timely_filing_days=payer.timely_filing_days,
        disabled_rules=frozenset(rules.disabled_rules) if rules else frozenset(),
        required_fields=frozenset(rules.required_fields) if rules else frozenset(),
    )


def _patient(claim: Claim) -> PatientFacts:
    p = claim.patient
    return PatientFacts(
        id=p.pk,
        family_name=p.family_name,
        given_name=p.given_name,
        birth_date=p.birth_date,
        sex=p.sex_at_birth if p.sex_at_birth in ("F", "M") else "U",
        address=Address(p.address_line1, p.city, p.state, p.postal_code),
    )


def _subscriber(claim: Claim) -> SubscriberFacts:
    """The insured: the patient under relationship 18 (self), otherwise the person named."""
    c = claim.coverage
    if c.relationship == SubscriberRelationship.SELF:
        p = claim.patient
        return SubscriberFacts(c.member_id, c.relationship, p.family_name, p.given_name,
                               p.birth_date)  # fmt: skip
    return SubscriberFacts(
        member_id=c.member_id,
        relationship=c.relationship,
        family_name=c.subscriber_family_name,
        given_name=c.subscriber_given_name,
        birth_date=c.subscriber_birth_date,
    )


def _billing_provider(claim: Claim) -> BillingProviderFacts:
    """The billing provider captured with the charges, at the address of the site. A group has
    no taxonomy of its own here: a solo clinician billing under their own NPI lends theirs."""
    loc = claim.location
    rendering = claim.rendering_provider
    return BillingProviderFacts(
        npi=claim.billing_npi,
        taxonomy=rendering.taxonomy if rendering.npi == claim.billing_npi else "",
        tax_id=claim.billing_tax_id,
        address=Address(loc.address_line1, loc.city, loc.state, loc.postal_code),
    )


def _line(line: ClaimLine) -> LineFacts:
    return LineFacts(
        number=line.line_number,
        procedure_code=line.procedure_code,
        service_date=line.date_of_service,
        units=Decimal(line.units),
        charge=line.amount,
        modifiers=tuple(line.modifiers or ()),
        diagnosis_pointers=tuple(line.diagnosis_pointers or ()),
        place_of_service=line.place_of_service,
    )


def _authorization(claim: Claim, drawn: dict[int, list[tuple[int | None, int]]]) -> Any:
    """The claim's authorization with the units other visits left it: approved minus what
    bookings and visits other than this claim's encounter hold or used."""
    auth = claim.prior_authorization
    if auth is None:
        if not claim.prior_authorization_number:
            return None
        return PriorAuthorizationFacts(number=claim.prior_authorization_number)
    others = sum(units for enc, units in drawn.get(auth.pk, ()) if enc != claim.encounter_id)
    return PriorAuthorizationFacts(
        number=claim.prior_authorization_number or auth.auth_number,
        remaining_units=max(auth.approved_units - others, 0),
        start_date=auth.start_date,
        end_date=auth.end_date,
    )


def _requirements(claim: Claim, codes: set[str]) -> tuple[frozenset[str], bool]:
    """(codes needing a prior authorization, whether a referral is needed) per payer rules."""
    rules = _payer_rules(claim.payer)
    if rules is None:
        return frozenset(), False
    auth_codes: frozenset[str] = frozenset()
    if rules.prior_authorization_required:
        wanted = set(rules.prior_authorization_codes)
        auth_codes = frozenset(codes & wanted if wanted else codes)
    referral = rules.referral_required and (
        not rules.referral_codes or bool(codes & set(rules.referral_codes))
    )
    return auth_codes, referral


def _other_claims(claims: list[Claim]) -> dict[int, list[tuple[int, OtherClaimFacts]]]:
    """Per patient: (payer id, facts) of each claim that counts as billed for duplicates.

    A claim closed without ever being sent, a void (8) and the claim it voided are not."""
    rows = (
        ClaimLine.objects.filter(claim__patient_id__in={c.patient_id for c in claims})
        .values_list(
            "claim_id", "claim__patient_id", "claim__payer_id", "claim__status",
            "claim__submitted_at", "claim__frequency_code", "claim__original_claim_id",
            "date_of_service", "procedure_code",
        )
        .order_by("claim_id", "line_number")
    )  # fmt: skip
    voided: set[int] = set()
    codes: dict[tuple[int, int, int, date], set[str]] = defaultdict(set)
    for claim_id, patient_id, payer_id, status, sent, freq, original, day, code in rows:
        if freq == FrequencyCode.VOID:
            voided.update({claim_id, original})
            continue
        if status == ClaimStatus.CLOSED and sent is None:
            continue
        codes[(claim_id, patient_id, payer_id, day)].add(code)
    out: dict[int, list[tuple[int, OtherClaimFacts]]] = defaultdict(list)
    for (claim_id, patient_id, payer_id, day), procedure_codes in codes.items():
        if claim_id in voided:
            continue
        out[patient_id].append(
            (payer_id, OtherClaimFacts(claim_id, patient_id, day, frozenset(procedure_codes)))
        )
    return out


def _facts(
    claim: Claim, lines: list[ClaimLine], drawn: dict[int, list[tuple[int | None, int]]],
    others: dict[int, list[tuple[int, OtherClaimFacts]]], today: date,
) -> ClaimFacts:  # fmt: skip
    auth_codes, referral_required = _requirements(claim, {ln.procedure_code for ln in lines})
    # A duplicate is the same service billed to the same payer: the next payer's claim for
    # the same lines (secondary, tertiary) is not one, and neither is the claim it follows.
    related = {claim.pk, claim.prior_claim_id, claim.original_claim_id}
    other = tuple(
        facts
        for payer_id, facts in others.get(claim.patient_id, ())
        if payer_id == claim.payer_id and facts.claim_id not in related
    )
    coverage = claim.coverage
    rendering = claim.rendering_provider
    return ClaimFacts(
        claim_id=claim.pk,
        patient_control_number=claim.patient_control_number,
        payer=payer_facts(claim.payer),
        billing_provider=_billing_provider(claim),
        rendering_provider=RenderingProviderFacts(rendering.npi, rendering.taxonomy),
        patient=_patient(claim),
        subscriber=_subscriber(claim),
        lines=tuple(_line(ln) for ln in lines),
        diagnoses=tuple(claim.diagnosis_codes or ()),
        submission_date=today,
        frequency_code=claim.frequency_code,
        responsibility=claim.sbr01,
        coverage=CoverageFacts(
            coverage.effective_date, coverage.end_date, coverage.medicare_secondary_type
        ),
        prior_authorization=_authorization(claim, drawn),
        prior_authorization_codes=auth_codes,
        referral_number=claim.referral_number,
        referral_required=referral_required,
        other_claims=other,
    )


def claims_facts(claim_ids: Iterable[int], *, today: date | None = None) -> dict[int, ClaimFacts]:
    """ClaimFacts for each claim id that exists, keyed by id, in four queries."""
    claims = list(Claim.objects.filter(pk__in=set(claim_ids)).select_related(*CLAIM_RELATIONS))
    if not claims:
        return {}
    lines: dict[int, list[ClaimLine]] = defaultdict(list)
    for line in ClaimLine.objects.filter(claim_id__in=[c.pk for c in claims]).order_by(
        "claim_id", "line_number"
    ):
        lines[line.claim_id].append(line)
    drawn: dict[int, list[tuple[int | None, int]]] = defaultdict(list)
    auth_ids = {c.prior_authorization_id for c in claims if c.prior_authorization_id}
    if auth_ids:
        for auth_id, encounter_id, units in AuthorizationUse.objects.filter(
            authorization_id__in=auth_ids
        ).values_list("authorization_id", "appointment__encounter_id", "units"):
            drawn[auth_id].append((encounter_id, units))
    others = _other_claims(claims)
    today = today or timezone.localdate()
    return {c.pk: _facts(c, lines[c.pk], drawn, others, today) for c in claims}


def claim_facts(claim_id: int, *, today: date | None = None) -> ClaimFacts:
    """One claim's facts (Claim.DoesNotExist when there is no such claim)."""
    facts = claims_facts([claim_id], today=today)
    if claim_id not in facts:
        raise Claim.DoesNotExist(f"No claim {claim_id}.")
    return facts[claim_id]
