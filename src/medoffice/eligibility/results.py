"""A 271 response as the JSON an EligibilityCheck keeps, and the headline a person reads first.

    {"active": true, "plan": "ACME PPO SILVER", "group_number": "GRP100",
     "payer": "ACME HEALTH PLAN", "coverage_begin": "2025-01-01", "coverage_end": "2025-12-31",
     "rejections": ["72"], "messages": [...],
     "cost_sharing": [{"service_type": "30", "in_network": true, "coverage_level": "IND",
                       "copay": "25.00", "coinsurance": "0.2", "deductible": "1500",
                       "deductible_remaining": "1125.50", "out_of_pocket": "6000",
                       "out_of_pocket_remaining": "5400"}, ...]}

Amounts are strings of the Decimal (JSON has no decimal type); coinsurance is a fraction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from medoffice.interop.x12.eligibility import EligibilityResponse

# AAA03 reasons a payer gives when it cannot answer (the common ones of 005010X279A1).
REJECTION_REASONS = {
    "15": "required application data missing",
    "41": "authorization/access restrictions",
    "42": "the payer's system is unable to respond now",
    "43": "invalid or missing provider identification",
    "50": "provider ineligible for inquiries",
    "51": "provider not on file",
    "57": "invalid or missing date(s) of service",
    "58": "invalid or missing date of birth",
    "62": "date of service not within allowable inquiry period",
    "64": "invalid or missing patient id",
    "65": "invalid or missing patient name",
    "67": "patient not found",
    "71": "patient birth date does not match",
    "72": "invalid or missing subscriber/insured id",
    "73": "invalid or missing subscriber/insured name",
    "75": "subscriber/insured not found",
    "76": "duplicate subscriber/insured id number",
}
AMOUNT_FIELDS = (
    "copay", "coinsurance", "deductible", "deductible_remaining", "out_of_pocket",
    "out_of_pocket_remaining",
)  # fmt: skip
# Service types a front desk looks at first: 98 professional (physician) visit - office,
# 30 health benefit plan coverage (the plan as a whole).
HEADLINE_TYPES = ("98", "30")


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def response_result(response: EligibilityResponse) -> dict[str, Any]:
    begin, end = response.plan_begin, response.plan_end
    rows = []
    for row in response.cost_sharing():
        rows.append(
            {
                "service_type": row.service_type,
                "in_network": row.in_network,
                "coverage_level": row.coverage_level,
                **{name: _amount(getattr(row, name)) for name in AMOUNT_FIELDS},
            }
        )
    return {
        "active": response.active,
        "plan": response.plan_name,
        "group_number": response.group_number,
        "payer": response.payer_name,
        "coverage_begin": begin.isoformat() if begin else None,
        "coverage_end": end.isoformat() if end else None,
        "rejections": list(response.rejections),
        "messages": [m for benefit in response.benefits for m in benefit.messages],
        "cost_sharing": rows,
    }


def rejection_text(codes: list[str]) -> str:
    return "; ".join(f"{REJECTION_REASONS.get(code, 'reason')} (AAA {code})" for code in codes)


@dataclass(frozen=True)
class Headline:
    """What the coverage section and the check-in page show of one answer."""

    active: bool | None
    plan: str
    coverage_begin: str | None
    coverage_end: str | None
    copay: Decimal | None
    coinsurance_percent: Decimal | None
    deductible_remaining: Decimal | None
    out_of_pocket_remaining: Decimal | None
    rejections: str


def _rank(row: dict[str, Any]) -> tuple[int, int, int]:
    """In network first, then the individual level, then office visit before the plan."""
    kind = row["service_type"]
    return (
        0 if row["in_network"] is True else 1 if row["in_network"] is None else 2,
        0 if row["coverage_level"] in ("IND", "") else 1,
        HEADLINE_TYPES.index(kind) if kind in HEADLINE_TYPES else len(HEADLINE_TYPES),
    )


def _pick(rows: list[dict[str, Any]], field: str) -> Decimal | None:
    having = [row for row in rows if row.get(field) is not None]
    if not having:
        return None
    return Decimal(min(having, key=_rank)[field])


def headline(result: dict[str, Any]) -> Headline:
    rows = result.get("cost_sharing") or []
    coinsurance = _pick(rows, "coinsurance")
    return Headline(
        active=result.get("active"),
        plan=result.get("plan") or "",
        coverage_begin=result.get("coverage_begin"),
        coverage_end=result.get("coverage_end"),
        copay=_pick(rows, "copay"),
        coinsurance_percent=None if coinsurance is None else coinsurance * 100,
        deductible_remaining=_pick(rows, "deductible_remaining"),
        out_of_pocket_remaining=_pick(rows, "out_of_pocket_remaining"),
        rejections=rejection_text(result.get("rejections") or []),
    )
