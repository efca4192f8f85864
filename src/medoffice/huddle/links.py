"""The list behind each huddle number, with the filters that list understands.

Where a list cannot filter the way the number counts, the link goes to the closest list (said
next to the link in the template and in `CLOSEST`); a link the person may not open is left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.http import urlencode

from medoffice.core.access import can
from medoffice.core.permissions import Capability
from medoffice.scheduling.models import AppointmentStatus

if TYPE_CHECKING:
    from medoffice.huddle.selectors import Choice
    from medoffice.messaging.selectors import OutboxFilter

# Numbers whose list shows a wider set than the number counts (the list cannot filter so).
CLOSEST = {
    "coverage": "the records audit's visits without coverage (next 14 days, all locations)",
    "authorization": "the authorizations needing attention (all patients)",
    "rejected": "every rejected claim, the most recent first",
    "denied": "every denied claim, the most recent first",
}


def _url(name: str, items: list[tuple[str, Any]] | None = None) -> str:
    query = urlencode([(k, str(v)) for k, v in items or []])
    return reverse(name) + (f"?{query}" if query else "")


def calendar(
    choice: Choice, *, provider_id: int | None = None, idle: bool = False, unconfirmed: bool = False
) -> str:
    """The calendar's day view of the huddle's day, location and department (scheduling's
    CalendarFilters: date, location, department, provider, status, idle)."""
    items: list[tuple[str, Any]] = [
        ("date", choice.day.isoformat()),
        ("location", choice.location.pk),
    ]
    if choice.department_id:
        items.append(("department", choice.department_id))
    if provider_id:
        items.append(("provider", provider_id))
    if unconfirmed:
        items.append(("status", AppointmentStatus.SCHEDULED))
    if idle:
        items.append(("idle", "1"))
    return _url("scheduling:calendar_day", items)


def coverage(user: Any, choice: Choice) -> str:
    if can(user, Capability.CHART_COMPLETENESS):
        return records_audit("coverage")
    return calendar(choice)


def authorizations(user: Any) -> str:
    return _url("referrals:auth_alerts") if can(user, Capability.REFERRALS) else ""


def board(choice: Choice) -> str:
    return _url("frontdesk:board", [("location", choice.location.pk)])


def wait_times(choice: Choice) -> str:
    day = choice.day.isoformat()
    items = [("location", choice.location.pk), ("date_from", day), ("date_to", day)]
    return _url("frontdesk:wait_times", items)


def claims(status: str) -> str:
    return _url("claims:worklist", [("status", status)])


def denials() -> str:
    return _url("remittance:denials")


def ar_report(location_id: int, as_of: Any) -> str:
    return _url("billing:ar_report", [("as_of", as_of.isoformat()), ("location", location_id)])


def records_audit(check_key: str) -> str:
    return _url("chart:records_audit") + f"#{check_key}"


def outbox(flt: OutboxFilter) -> str:
    return _url("messaging:outbox", [("status", flt.status), ("purpose", flt.purpose)])
