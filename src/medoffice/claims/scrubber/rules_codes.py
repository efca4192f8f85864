"""Code rules: procedure codes, places of service, diagnoses and their pointers, age and sex,
modifiers, units (MUE) and code pairs (NCCI)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from medoffice.claims.scrubber.facts import ClaimFacts, LineFacts
from medoffice.claims.scrubber.rule import Issue, Rule, Severity, rule
from medoffice.claims.scrubber.tables import CodeTables
from medoffice.coding import icd10
from medoffice.coding.age_sex import age_problem, sex_problem

RULES: list[Rule] = []
E = Severity.ERROR
MAX_DIAGNOSES = 12  # what the 837P carries
MAX_POINTERS = 4
MAX_MODIFIERS = 4
DISTINCT_SERVICE = {"59", "XE", "XS", "XP", "XU"}
SIDES = {"LT", "RT"}
# NCCI-associated modifiers: on the column 2 line they show the services were distinct.
PAIR_BYPASS = {
    *DISTINCT_SERVICE, *SIDES, "24", "25", "27", "57", "58", "78", "79", "91",
    "E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
    "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "LC", "LD", "LM", "RC", "RI",
}  # fmt: skip


def _is_em(code: str) -> bool:
    """Evaluation and management codes, 99202-99499."""
    return code.isdigit() and 99202 <= int(code) <= 99499


def _pointed(claim: ClaimFacts, line: LineFacts) -> list[str]:
    """The diagnoses a line's valid pointers name."""
    return [
        claim.diagnoses[p - 1] for p in line.diagnosis_pointers if 1 <= p <= len(claim.diagnoses)
    ]


@rule(
    RULES, "PROC001", E, "Each procedure code exists and is in effect on its date of service", "181"
)
def procedure_valid(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for line in claim.lines:
        if not tables.procedure_valid(line.procedure_code, line.service_date):
            yield Issue(
                f"{line.label.capitalize()}: {line.procedure_code} is not a CPT/HCPCS code in "
                f"effect on {line.service_date}: correct the code.",
                line.number,
            )


@rule(RULES, "POS001", E, "Each line's place of service is a known place-of-service code", "16")
def place_of_service(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for line in claim.lines:
        if not tables.place_of_service_known(line.place_of_service):
            yield Issue(
                f"{line.label.capitalize()}: place of service {line.place_of_service!r} is not a "
                "place-of-service code (11 is the office).",
                line.number,
            )


@rule(RULES, "LIN001", E, "Each line has more than zero units and a charge", "16")
def units_and_charge(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for line in claim.lines:
        if line.units <= 0:
            yield Issue(
                f"{line.label.capitalize()} has {line.units} units: bill at least 1.", line.number
            )
        if line.charge <= Decimal(0):
            yield Issue(f"{line.label.capitalize()} has no charge: enter the fee.", line.number)


@rule(RULES, "DX001", E, "Diagnoses are valid, billable ICD-10-CM codes, at most 12", "16")
def diagnoses_valid(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    if len(claim.diagnoses) > MAX_DIAGNOSES:
        yield Issue(f"The claim has {len(claim.diagnoses)} diagnoses; a claim carries at most 12.")
    for rank, code in enumerate(claim.diagnoses, start=1):
        found = icd10.lookup(code)
        if found is None:
            yield Issue(f"Diagnosis {rank} ({code}) is not an ICD-10-CM code: correct it.")
        elif not found.billable:
            yield Issue(
                f"Diagnosis {rank} ({found.code}) is a category, not a billable code: choose the "
                "complete code under it."
            )


@rule(
    RULES,
    "DX002",
    E,
    "Each line points at 1-4 existing diagnoses, the first pointer present, none repeated",
    "16",
)
def diagnosis_pointers(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    count = min(len(claim.diagnoses), MAX_DIAGNOSES)
    for line in claim.lines:
        pointers = line.diagnosis_pointers
        name = line.label.capitalize()
        if not pointers:
            yield Issue(
                f"{name} points at no diagnosis: point it at the diagnosis it treats.", line.number
            )
            continue
        if len(pointers) > MAX_POINTERS:
            yield Issue(f"{name} has {len(pointers)} diagnosis pointers; at most 4.", line.number)
        for p in pointers:
            if not 1 <= p <= count:
                yield Issue(
                    f"{name} points at diagnosis {p}, which the claim does not have.", line.number
                )
        if len(set(pointers)) != len(pointers):
            yield Issue(f"{name} points at the same diagnosis twice.", line.number)


@rule(
    RULES,
    "DX003",
    E,
    "A procedure the procedure-diagnosis table lists is pointed at a diagnosis that supports it",
    "11",
)
def diagnosis_supports_procedure(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for line in claim.lines:
        prefixes = tables.diagnosis_prefixes(line.procedure_code)
        pointed = _pointed(claim, line)
        if not prefixes or not pointed:
            continue  # no rule for the code; missing pointers are DX002's
        dotless = [icd10.normalize(c).replace(".", "") for c in pointed]
        if not any(code.startswith(prefix) for code in dotless for prefix in prefixes):
            shown = ", ".join(icd10.normalize(p) for p in prefixes[:8])
            more = " ..." if len(prefixes) > 8 else ""
            yield Issue(
                f"{line.label.capitalize()}: its diagnoses ({', '.join(pointed)}) do not support "
                f"{line.procedure_code}; the payer expects one of {shown}{more}. Point the line at "
                "the diagnosis that justified it.",
                line.number,
            )


def _first_service_date(claim: ClaimFacts) -> date:
    return min((ln.service_date for ln in claim.lines), default=claim.submission_date)


@rule(RULES, "DX004", E, "Age-specific diagnoses fit the patient's age on the date of service", "9")
def diagnosis_age(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    age = claim.patient.age_on(_first_service_date(claim))
    if age is None:
        return
    for rank, code in enumerate(claim.diagnoses, start=1):
        problem = age_problem(code, age)
        if problem:
            yield Issue(f"Diagnosis {rank}: {problem}, and the patient was {age}: check the code.")


@rule(RULES, "DX005", E, "Sex-specific diagnoses fit the patient's sex", "10")
def diagnosis_sex(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for rank, code in enumerate(claim.diagnoses, start=1):
        problem = sex_problem(code, claim.patient.sex)
        if problem:
            yield Issue(f"Diagnosis {rank}: {problem}: check the code or the patient's sex.")


@rule(RULES, "MOD001", E, "Each modifier is a known modifier", "4")
def modifier_known(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for line in claim.lines:
        for modifier in line.modifiers:
            if not tables.modifier_known(modifier):
                yield Issue(
                    f"{line.label.capitalize()}: {modifier!r} is not a known modifier.", line.number
                )


@rule(RULES, "MOD002", E, "Modifier 25 only on evaluation and management codes (99202-99499)", "4")
def modifier_25_on_em(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for line in claim.lines:
        if "25" in line.modifiers and not _is_em(line.procedure_code):
            yield Issue(
                f"{line.label.capitalize()}: modifier 25 belongs on the visit (E/M) code, not on "
                f"{line.procedure_code}: move it to the visit line.",
                line.number,
            )


@rule(
    RULES, "MOD003", E, "59, XE, XS, XP and XU only when another line on the same day exists", "4"
)
def distinct_service_needs_another_line(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for line in claim.lines:
        used = DISTINCT_SERVICE.intersection(line.modifiers)
        others = [
            o
            for o in claim.lines
            if o.number != line.number and o.service_date == line.service_date
        ]
        if used and not others:
            yield Issue(
                f"{line.label.capitalize()}: modifier {', '.join(sorted(used))} says the service "
                "was distinct from another one that day, but no other line is billed that day: "
                "remove it.",
                line.number,
            )


@rule(RULES, "MOD004", E, "Modifier 50 (both sides) is not combined with LT or RT", "4")
def bilateral_with_side(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for line in claim.lines:
        sides = SIDES.intersection(line.modifiers)
        if "50" in line.modifiers and sides:
            yield Issue(
                f"{line.label.capitalize()}: modifier 50 (both sides) contradicts "
                f"{', '.join(sorted(sides))}: keep 50 alone, or bill each side with LT and RT.",
                line.number,
            )


@rule(RULES, "MOD005", E, "No modifier is repeated on a line, and a line has at most four", "4")
def modifier_repeated(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for line in claim.lines:
        repeated = sorted({m for m in line.modifiers if line.modifiers.count(m) > 1})
        if repeated:
            yield Issue(
                f"{line.label.capitalize()}: modifier {', '.join(repeated)} appears twice.",
                line.number,
            )
        if len(line.modifiers) > MAX_MODIFIERS:
            yield Issue(
                f"{line.label.capitalize()} has {len(line.modifiers)} modifiers; a line carries "
                "at most four.",
                line.number,
            )


@rule(
    RULES,
    "MUE001",
    E,
    "Units of a code do not exceed its medically unlikely edit (per line or per day)",
    "151",
)
def units_limit(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    per_day: dict[tuple[str, object], list[LineFacts]] = defaultdict(list)
    for line in claim.lines:
        per_day[(line.procedure_code, line.service_date)].append(line)
    for (code, day), lines in per_day.items():
        limit = tables.units_limit(code)
        if limit is None:
            continue
        if limit.adjudication == 1:
            for line in lines:
                if line.units > limit.max_units:
                    yield Issue(
                        f"{line.label.capitalize()} bills {line.units} units; at most "
                        f"{limit.max_units} per line are paid: check the units.",
                        line.number,
                    )
            continue
        total = sum(ln.units for ln in lines)
        if total > limit.max_units:
            names = ", ".join(ln.label for ln in lines)
            yield Issue(
                f"{names} bill {total} units of {code} on {day}; at most {limit.max_units} a day "
                "are paid: check the units.",
                lines[-1].number,
            )


@rule(
    RULES,
    "NCCI001",
    E,
    "Code pairs the NCCI edits forbid on the same day, unless the edit allows a modifier and one is used",
    "97",
    "236",
)
def code_pairs(claim: ClaimFacts, tables: CodeTables) -> Iterator[Issue]:
    for first in claim.lines:
        for second in claim.lines:
            if first.number == second.number or first.service_date != second.service_date:
                continue
            day = first.service_date
            edits = [
                e for e in tables.pair_edits(first.procedure_code, second.procedure_code)
                if e.active_on(day) and e.modifier_indicator in {"0", "1"}
            ]  # fmt: skip
            if not edits:
                continue
            pair = f"{second.label} with {first.label}"
            if any(e.modifier_indicator == "0" for e in edits):
                yield Issue(
                    f"{pair.capitalize()}: {second.procedure_code} is included in "
                    f"{first.procedure_code} on the same day and no modifier changes that: "
                    f"remove line {second.number}.",
                    second.number,
                    "97",
                )
            elif not PAIR_BYPASS.intersection(second.modifiers):
                hint = "25" if _is_em(second.procedure_code) else "59 or XE/XS/XP/XU"
                yield Issue(
                    f"{pair.capitalize()}: {second.procedure_code} is bundled into "
                    f"{first.procedure_code} on the same day: if it was a separate service, add "
                    f"modifier {hint} to line {second.number} (and document why); otherwise "
                    "remove it.",
                    second.number,
                    "236",
                )
