"""The huddle's figures as JSON (counts and amounts only; no patient data).
(No `from __future__ import annotations` here: ninja reads the annotations.)"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from medoffice.core.access import api_rule
from medoffice.huddle import selectors
from medoffice.huddle.parts import HUDDLE_RULE

router = Router(tags=["huddle"])


class HuddleQuery(Schema):
    day: str = "today"
    location: int | None = None
    department: int | None = None


class ErrorOut(Schema):
    detail: str


class ProviderOut(Schema):
    provider_id: int
    name: str
    visits: int
    booked_minutes: int
    capacity_minutes: int
    open_minutes: int
    open_slots: int
    unconfirmed: int


class ScheduleOut(Schema):
    providers: list[ProviderOut]
    total: ProviderOut
    no_coverage: int
    no_authorization: int


class FlowOut(Schema):
    expected: int
    lobby: int
    roomed: int
    with_provider: int
    checkout: int
    done: int
    long_waits: int
    median_lobby_wait_minutes: float | None


class ClaimsOut(Schema):
    since: datetime
    ready: int
    ready_amount: Decimal
    rejected: int
    rejected_amount: Decimal
    denied: int
    denied_amount: Decimal


class FindingOut(Schema):
    key: str
    title: str
    count: int


class HuddleOut(Schema):
    day: date
    location_id: int
    department_id: int | None
    parts: list[str]
    schedule: ScheduleOut | None
    flow: FlowOut | None
    claims: ClaimsOut | None
    records: list[FindingOut] | None
    reminders_failed: int | None


def _provider(p: selectors.ProviderDay) -> dict[str, Any]:
    fields = ("provider_id", "name", "visits", "booked_minutes", "capacity_minutes",
              "open_minutes", "open_slots", "unconfirmed")  # fmt: skip
    return {name: getattr(p, name) for name in fields}


def huddle_out(result: selectors.Huddle) -> dict[str, Any]:
    choice = result.choice
    out: dict[str, Any] = {
        "day": choice.day, "location_id": choice.location.pk,
        "department_id": choice.department_id, "parts": sorted(result.parts),
        "schedule": None, "flow": None, "claims": None, "records": None, "reminders_failed": None,
    }  # fmt: skip
    if result.schedule:
        s = result.schedule
        out["schedule"] = {
            "providers": [_provider(p) for p in s.providers], "total": _provider(s.total),
            "no_coverage": s.no_coverage, "no_authorization": s.no_authorization,
        }  # fmt: skip
    if result.flow:
        counts = result.flow.counts
        out["flow"] = {
            **{k: counts[k] for k in ("expected", "lobby", "roomed", "with_provider", "checkout",
                                      "done", "long_waits")},
            "median_lobby_wait_minutes": result.flow.median_lobby_wait,
        }  # fmt: skip
    if result.claims:
        c = result.claims
        out["claims"] = {
            "since": c.since, "ready": c.ready, "ready_amount": c.ready_amount,
            "rejected": c.rejected, "rejected_amount": c.rejected_amount,
            "denied": c.denied, "denied_amount": c.denied_amount,
        }  # fmt: skip
    if result.records is not None:
        out["records"] = [
            {"key": f.key, "title": f.title, "count": f.count} for f in result.records
        ]
    if result.reminders:
        out["reminders_failed"] = result.reminders.failed
    return out


@router.get(
    "/",
    response={200: HuddleOut, 404: ErrorOut},
    summary="The huddle's counts for today or tomorrow at a location (yours by default)",
)
@api_rule(HUDDLE_RULE)
def huddle(request: HttpRequest, q: Query[HuddleQuery]) -> Any:
    choice = selectors.choice_for(
        request.user, day=q.day, location=q.location, department=q.department
    )
    if choice is None:
        return Status(404, {"detail": "No such location for you."})
    return huddle_out(selectors.huddle(request.user, choice))
