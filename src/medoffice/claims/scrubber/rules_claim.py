"""Claim-level rules: required fields, provider identifiers, duplicates, timely filing,
coverage, Medicare as secondary payer, prior authorization and referral."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from django.core.exceptions import ValidationError

from medoffice.claims.scrubber.facts import ALWAYS_REQUIRED, PAYER_REQUIRABLE, ClaimFacts, LineFacts
from medoffice.claims.scrubber.rule import Issue, Rule, Severity, rule
from medoffice.claims.scrubber.tables import CodeTables
from medoffice.interop.x12.claim837p import MEDICARE_FILING_INDICATORS
from medoffice.scheduling.models import validate_npi
from medoffice.scheduling.models.resources import TAXONOMY

RULES: list[Rule] = []
E, W = Severity.ERROR, Severity.WARNING
TIMELY_WARNING_DAYS = 7
# Replacement (7) and void (8) claims repeat the original on purpose.
CORRECTING_FREQUENCIES = {"7", "8"}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@rule(
    RULES,
    "REQ001",
    E,
    "Fields every claim needs, and those the payer requires, are filled in",
    "16",
)
def required_fields(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    wanted = dict(ALWAYS_REQUIRED)
    wanted.update({f: PAYER_REQUIRABLE[f] for f in sorted(claim.payer.required_fields)})
    for path, label in wanted.items():
        if _missing(claim.field_value(path)):
            extra = f" ({claim.payer.name} requires it)" if path in PAYER_REQUIRABLE else ""
            yield Issue(f"The {label} is missing{extra}: fill it in and scrub again.")
    if not claim.lines:
        yield Issue("The claim has no service lines: add the procedures billed.")
    if not claim.diagnoses:
        yield Issue("The claim has no diagnosis codes: add the diagnoses from the encounter.")


def _npis(claim: ClaimFacts) -> Iterator[tuple[str, str]]:
    yield "billing provider", claim.billing_provider.npi
    if claim.rendering_provider is not None:
        yield "rendering provider", claim.rendering_provider.npi


@rule(RULES, "NPI001", E, "Billing and rendering NPIs have 10 digits and a valid check digit", "16")
def npi_valid(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for who, npi in _npis(claim):
        if _missing(npi):
            continue  # REQ001 names missing ones
        try:
            validate_npi(npi.strip())
        except ValidationError as exc:
            yield Issue(f"The {who} NPI {npi} is not valid: {exc.messages[0]}")


@rule(RULES, "TAX001", E, "Provider taxonomy codes look like 207Q00000X", "16")
def taxonomy_format(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    taxonomies = [("billing provider", claim.billing_provider.taxonomy)]
    if claim.rendering_provider is not None:
        taxonomies.append(("rendering provider", claim.rendering_provider.taxonomy))
    for who, taxonomy in taxonomies:
        if _missing(taxonomy):
            continue
        try:
            TAXONOMY(taxonomy.strip())
        except ValidationError:
            yield Issue(
                f"The {who} taxonomy {taxonomy!r} is not a taxonomy code "
                "(ten characters like 207Q00000X): check the provider's setup."
            )


@rule(
    RULES,
    "DUP001",
    E,
    "No line repeats a line of this claim or of another claim for the same patient and day",
    "18",
)
def duplicates(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    if claim.frequency_code in CORRECTING_FREQUENCIES:
        return
    seen: dict[tuple[object, ...], int] = {}
    for line in claim.lines:
        key = (line.procedure_code, line.service_date, tuple(sorted(line.modifiers)))
        if key in seen:
            yield Issue(
                f"{line.label.capitalize()} repeats line {seen[key]} (same code, day and "
                "modifiers): add its units to that line, or add modifier 76, 77 or 91 if the "
                "service really was repeated.",
                line.number,
            )
        seen.setdefault(key, line.number)
        for other in claim.other_claims:
            if (
                other.claim_id != claim.claim_id
                and other.patient_id == claim.patient.id
                and other.service_date == line.service_date
                and line.procedure_code in other.procedure_codes
            ):
                which = f"claim {other.claim_id}" if other.claim_id else "another claim"
                yield Issue(
                    f"{line.label.capitalize()} on {line.service_date} was already billed on "
                    f"{which}: remove it, or send a replacement claim (frequency 7) to correct "
                    "the first one.",
                    line.number,
                )


def _deadline(claim: ClaimFacts, line_date: date) -> date:
    return line_date + timedelta(days=claim.payer.timely_filing_days)


@rule(RULES, "TFL001", E, "Each line is sent within the payer's timely filing limit", "29")
def timely_filing(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for line in claim.lines:
        deadline = _deadline(claim, line.service_date)
        if claim.submission_date > deadline:
            yield Issue(
                f"{line.label.capitalize()} from {line.service_date} is past {claim.payer.name}'s "
                f"{claim.payer.timely_filing_days}-day filing limit (deadline {deadline}): "
                "send it only with proof of timely filing or a reason the payer accepts.",
                line.number,
            )


@rule(RULES, "TFL002", W, "Lines whose filing deadline is less than a week away", "29")
def timely_filing_soon(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for line in claim.lines:
        deadline = _deadline(claim, line.service_date)
        left = (deadline - claim.submission_date).days
        if 0 <= left < TIMELY_WARNING_DAYS:
            yield Issue(
                f"{line.label.capitalize()} must reach {claim.payer.name} by {deadline} "
                f"({left} day(s) left): send this claim today.",
                line.number,
            )


@rule(RULES, "COV001", E, "The patient's coverage is active on each date of service", "27", "26")
def coverage_active(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    coverage = claim.coverage
    for line in claim.lines:
        if coverage.end_date and line.service_date > coverage.end_date:
            yield Issue(
                f"{line.label.capitalize()} on {line.service_date} is after the coverage ended "
                f"({coverage.end_date}): check eligibility and bill the current payer or the "
                "patient.",
                line.number,
                "27",
            )
        elif coverage.effective_date and line.service_date < coverage.effective_date:
            yield Issue(
                f"{line.label.capitalize()} on {line.service_date} is before the coverage began "
                f"({coverage.effective_date}): bill the payer that covered that day.",
                line.number,
                "26",
            )


@rule(
    RULES,
    "MSP001",
    E,
    "A claim to Medicare as secondary or tertiary payer says why Medicare pays second (SBR05)",
    "16",
)
def medicare_secondary_type(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    # Medicare Secondary Payer: the 837P must carry the insurance type code (working aged,
    # ESRD, liability...) whenever Medicare is not the first payer; without it the claim is
    # turned back unprocessed.
    if (
        claim.responsibility != "P"
        and claim.payer.filing_indicator in MEDICARE_FILING_INDICATORS
        and _missing(claim.coverage.medicare_secondary_type)
    ):
        yield Issue(
            "Medicare pays second on this claim: set why on the patient's Medicare coverage "
            "(Medicare secondary payer type), then scrub again."
        )


def _needs_auth(claim: ClaimFacts) -> list[LineFacts]:
    return [ln for ln in claim.lines if ln.procedure_code in claim.prior_authorization_codes]


@rule(
    RULES,
    "AUTH001",
    E,
    "A prior authorization number is on the claim when the payer requires one for its codes",
    "197",
)
def authorization_present(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    auth = claim.prior_authorization
    if auth is not None and auth.number.strip():
        return
    for line in _needs_auth(claim):
        yield Issue(
            f"{line.label.capitalize()}: {claim.payer.name} requires a prior authorization for "
            f"{line.procedure_code}: obtain it and enter its number.",
            line.number,
        )


@rule(
    RULES,
    "AUTH002",
    E,
    "Each authorized line's date of service is within the authorization's dates",
    "15",
)
def authorization_dates(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    auth = claim.prior_authorization
    if auth is None or not auth.number.strip():
        return
    for line in _needs_auth(claim):
        if not auth.covers(line.service_date):
            yield Issue(
                f"{line.label.capitalize()} on {line.service_date} is outside authorization "
                f"{auth.number} ({auth.start_date or '…'} to {auth.end_date or '…'}): ask the "
                "payer to extend it or obtain a new one.",
                line.number,
            )


@rule(
    RULES,
    "AUTH003",
    E,
    "The authorized lines' units do not exceed the units the authorization has left",
    "198",
)
def authorization_units(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    auth = claim.prior_authorization
    if auth is None or not auth.number.strip() or auth.remaining_units is None:
        return
    lines = _needs_auth(claim)
    used = sum(ln.units for ln in lines)
    if used > auth.remaining_units:
        names = ", ".join(ln.label for ln in lines)
        yield Issue(
            f"Authorization {auth.number} has {auth.remaining_units} unit(s) left but {names} "
            f"bill {used}: ask the payer for more units before sending.",
            lines[-1].number,
        )


@rule(
    RULES,
    "REF001",
    E,
    "A referral number is on the claim when the payer requires a referral",
    "288",
)
def referral_present(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    if claim.referral_required and _missing(claim.referral_number):
        yield Issue(
            f"{claim.payer.name} requires a referral for this visit: enter the referral number "
            "from the referring provider."
        )
