"""Appeal letter templates, one per family of denial reasons (CARC), and the composition of a
letter's body from the facts of a denial (selectors.appeal_facts). The wording is ours; each
template says why the practice disagrees in terms of the reason given, and lists what to enclose.

A letter's body is: the opening (which claim, what the payer did), the template's paragraphs,
the biller's own paragraph, and the closing. Placeholders are filled from `letter_context`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class LetterTemplate:
    key: str
    label: str
    subject: str
    reasons: frozenset[str]
    paragraphs: tuple[str, ...]
    enclosures: tuple[str, ...]


REMITTANCE_COPY = "Copy of the remittance advice (ERA) showing the denial"
NOTES = "Clinical notes for the date(s) of service"

OPENING = (
    "We ask you to reconsider your decision on the claim identified above, for services our "
    "practice provided to {patient} on {service_dates}. Your remittance advice of {remit_date} "
    "shows {codes} billed at {billed} and paid {paid}, adjusted with reason {reason}."
)
CLOSING = (
    "Thank you for reviewing this appeal. Please send your decision to the address above; {contact}"
)

TEMPLATES: dict[str, LetterTemplate] = {
    t.key: t
    for t in (
        LetterTemplate(
            key="medical_necessity",
            label="Medical necessity",
            subject="Appeal: the service was medically necessary",
            reasons=frozenset({"50", "55", "56", "57", "58", "150", "151", "152"}),
            paragraphs=(
                "The denial states that the service was not medically necessary. We disagree. "
                "The treating provider saw the patient and chose this service because the "
                "patient's condition called for it; the diagnoses on the claim describe that "
                "condition, and the enclosed records document it.",
                "The records show the symptoms and findings at the visit, what had already been "
                "tried, and why the provider judged this service the appropriate next step. We "
                "ask that a clinical reviewer read them and overturn the denial.",
            ),
            enclosures=(
                NOTES,
                "Relevant test results and history",
                "Statement of medical necessity from the treating provider",
                REMITTANCE_COPY,
            ),
        ),
        LetterTemplate(
            key="missing_information",
            label="Missing or invalid information",
            subject="Request for reconsideration: the missing information is enclosed",
            reasons=frozenset({"16", "226", "227", "251", "252"}),
            paragraphs=(
                "The claim was denied because information was missing from it or reported in "
                "error. The remark code(s) listed above say what the claim lacked; we have "
                "reviewed it and enclose the information needed to process it.",
                "Please process the claim with the enclosed information. If your rules call for "
                "a corrected claim instead, tell us and we will send one promptly.",
            ),
            enclosures=(
                "Copy of the claim with the missing information completed",
                "Supporting documents for the information requested",
                REMITTANCE_COPY,
            ),
        ),
        LetterTemplate(
            key="timely_filing",
            label="Timely filing",
            subject="Appeal: the claim was filed within the filing limit",
            reasons=frozenset({"29"}),
            paragraphs=(
                "The claim was denied because the time limit for filing had passed. {timely}",
                "The enclosed acceptance report from our clearinghouse proves the original "
                "submission. We ask that you set aside the timely filing denial and process the "
                "claim for payment.",
            ),
            enclosures=(
                "Clearinghouse acceptance report for the original submission",
                "Submission history of the claim",
                REMITTANCE_COPY,
            ),
        ),
        LetterTemplate(
            key="authorization",
            label="Authorization or referral",
            subject="Appeal: authorization for the service",
            reasons=frozenset({"15", "39", "62", "197", "198", "288"}),
            paragraphs=(
                "The claim was denied for a missing or invalid authorization. {authorization}",
                "We ask that you match the claim to the authorization, or review the service "
                "retrospectively on the enclosed records, and reprocess it.",
            ),
            enclosures=(
                "Authorization approval (number and dates covered)",
                NOTES,
                REMITTANCE_COPY,
            ),
        ),
        LetterTemplate(
            key="bundling",
            label="Bundling (included in another service)",
            subject="Appeal: the service was separate and distinct",
            reasons=frozenset({"97", "231", "234", "236"}),
            paragraphs=(
                "The remittance advice treats this service as included in the payment for "
                "another service. It was not: it was a distinct service, given for a separate "
                "reason{modifiers}, and is separately payable under the national correct coding "
                "rules.",
                "The enclosed notes document each service on its own. Please reprocess the "
                "line(s) for payment.",
            ),
            enclosures=("Clinical notes documenting each service separately", REMITTANCE_COPY),
        ),
        LetterTemplate(
            key="non_covered",
            label="Non-covered service",
            subject="Request for review of a non-covered determination",
            reasons=frozenset({"49", "96", "167", "204"}),
            paragraphs=(
                "The service was denied as not covered by the patient's plan. We ask that you "
                "review that decision against the plan's benefit terms: we believe the service, "
                "billed with the diagnoses on the claim, is within the plan's covered benefits.",
                "If the plan does exclude the service, please send us the provision that "
                "excludes it, so that we can explain it to the patient before billing them.",
            ),
            enclosures=(NOTES, "Plan benefit summary for the date of service", REMITTANCE_COPY),
        ),
        LetterTemplate(
            key="duplicate",
            label="Duplicate claim or service",
            subject="Appeal: the claim is not a duplicate",
            reasons=frozenset({"18", "B13"}),
            paragraphs=(
                "The claim was denied as a duplicate of an earlier claim or service. It is not a "
                "duplicate: it bills a separate service on {service_dates}. Where a service was "
                "given more than once on the same day, the enclosed records document each time.",
                "Please reprocess the claim as a distinct service.",
            ),
            enclosures=("Clinical notes for each service billed", REMITTANCE_COPY),
        ),
        LetterTemplate(
            key="general",
            label="General reconsideration",
            subject="Request for reconsideration of a denied claim",
            reasons=frozenset(),
            paragraphs=(
                "We believe the claim is payable as billed. The enclosed records describe the "
                "services provided and why they were needed; please review the claim again in "
                "light of them and reprocess it.",
            ),
            enclosures=(NOTES, REMITTANCE_COPY),
        ),
    )
}
GENERAL = "general"
CHOICES = [(t.key, t.label) for t in TEMPLATES.values()]


def template_for(reason_code: str) -> LetterTemplate:
    """The template of a CARC's family, else the general one."""
    code = (reason_code or "").strip().upper()
    for template in TEMPLATES.values():
        if code in template.reasons:
            return template
    return TEMPLATES[GENERAL]


def _day(value: str | None) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value)
    return f"{day:%B} {day.day}, {day.year}"


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _timely(claim: dict[str, Any]) -> str:
    submitted = claim.get("first_submitted")
    if not submitted:
        return (
            "Our records show the claim was submitted within your filing limit; the enclosed "
            "report shows when."
        )
    text = f"Our records show that we first submitted it on {_day(submitted)}"
    first_service = claim.get("service_date_from")
    if first_service:
        days = (date.fromisoformat(submitted) - date.fromisoformat(first_service)).days
        text += f", {days} days after the date of service"
    limit = claim.get("filing_limit_days")
    if limit:
        text += f", within your {limit}-day filing limit"
    return text + "."


def _authorization(claim: dict[str, Any]) -> str:
    number = claim.get("prior_authorization_number")
    if number:
        return (
            f"The service was authorized under number {number}, which was reported on the "
            "claim; the approval is enclosed."
        )
    return (
        "The circumstances of the visit did not allow an authorization to be obtained in "
        "advance, or the service did not require one under the patient's plan; the enclosed "
        "records explain which."
    )


def letter_context(facts: dict[str, Any]) -> dict[str, str]:
    """The values the templates' placeholders are filled with."""
    claim, lines, reason = facts["claim"], facts["lines"], facts["reason"]
    codes = _join(list(dict.fromkeys(
        line["code"] + "".join(f"-{m}" for m in line["modifiers"]) for line in lines
    )))  # fmt: skip
    modifiers = sorted({m for line in lines for m in line["modifiers"]})
    described = f"{reason['label']} ({reason['text'].rstrip('.')})" if reason["text"] else ""
    return {
        "patient": facts["patient"]["name"],
        "payer": facts["payer"]["name"],
        "service_dates": _join([_day(d) for d in claim["service_dates"]]) or "the date of service",
        "remit_date": _day(claim.get("remit_date")) or "the date shown",
        "codes": f"procedure {codes}" if codes else "the services",
        "billed": f"${facts['totals']['billed']}",
        "paid": f"${facts['totals']['paid']}",
        "reason": described or reason["label"] or "shown on the remittance",
        "contact": (
            f"our billing office can be reached at {facts['letterhead']['phone']} with any "
            "question about this claim."
            if facts["letterhead"]["phone"]
            else "our billing office will answer any question about this claim."
        ),
        "timely": _timely(claim),
        "authorization": _authorization(claim),
        "modifiers": (f" (reported with modifier {_join(modifiers)})" if modifiers else ""),
    }


def compose(facts: dict[str, Any], template: LetterTemplate, paragraph: str = "") -> str:
    """The letter's body as rendered: paragraphs separated by blank lines."""
    context = letter_context(facts)
    parts = [OPENING.format_map(context)]
    parts += [p.format_map(context) for p in template.paragraphs]
    own = "\n\n".join(
        " ".join(block.split()) for block in paragraph.replace("\r\n", "\n").split("\n\n")
    ).strip()
    if own:
        parts.append(own)
    parts.append(CLOSING.format_map(context))
    return "\n\n".join(parts)
