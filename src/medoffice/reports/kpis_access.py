"""Access and patient-flow KPIs (see kpi.py for the contract; definitions from kpis.md).

The compute functions live in kpis_access_visits.py (appointment counts and rates),
kpis_access_flow.py (wait times, utilization, fill rate) and kpis_access_tnaa.py (third next
available); this module registers them."""

from __future__ import annotations

from decimal import Decimal

from medoffice.core.permissions import Capability
from medoffice.reports import kpis_access_flow as flow
from medoffice.reports import kpis_access_tnaa as tnaa
from medoffice.reports import kpis_access_visits as visits
from medoffice.reports.kpi import Kpi, Section, Target, Unit, register
from medoffice.reports.kpis_access_common import PLACE_FILTERS


def _access(key: str, title: str, unit: Unit, definition: str, compute, order: int,
            target: Target | None = None) -> Kpi:  # fmt: skip
    return register(
        Kpi(
            key=key,
            title=title,
            section=Section.ACCESS,
            capability=Capability.REPORTS_ACCESS,
            unit=unit,
            definition=definition,
            compute=compute,
            filters=PLACE_FILTERS,
            target=target,
            order=order,
        )
    )


NO_SHOW_TARGET = Target(Decimal("10"), "lower", "< 10% (best < 5%)")

VISITS = _access(
    "visits", "Visits", Unit.COUNT,
    "Completed visits (checked out) dated in the period.",
    visits.visits, 10,
)  # fmt: skip
NEW_PATIENTS = _access(
    "new_patients", "New patients", Unit.COUNT,
    "Completed new-patient appointments (visit types for new patients, which booking allows "
    "only for patients not seen in the last three years) dated in the period.",
    visits.new_patients, 20,
)  # fmt: skip
NO_SHOW_RATE = _access(
    "no_show_rate", "No-show rate", Unit.PERCENT,
    "No-shows ÷ (completed visits + no-shows) for appointments dated in the period.",
    visits.no_show_rate, 30, NO_SHOW_TARGET,
)  # fmt: skip
NO_SHOW_BY_PROVIDER = _access(
    "no_show_by_provider", "No-show rate by provider", Unit.PERCENT,
    "No-shows ÷ (completed visits + no-shows) for appointments dated in the period, per provider.",
    visits.no_show_by_provider, 31, NO_SHOW_TARGET,
)  # fmt: skip
NO_SHOW_BY_TYPE = _access(
    "no_show_by_type", "No-show rate by appointment type", Unit.PERCENT,
    "No-shows ÷ (completed visits + no-shows) for appointments dated in the period, per "
    "appointment type.",
    visits.no_show_by_type, 32, NO_SHOW_TARGET,
)  # fmt: skip
LATE_CANCELLATION_RATE = _access(
    "late_cancellation_rate", "Late-cancellation rate", Unit.PERCENT,
    "Cancellations made < 24 h before the start ÷ appointments dated in the period.",
    visits.late_cancellation_rate, 40, Target(Decimal("5"), "lower", "< 5%"),
)  # fmt: skip
CANCELLATION_BY_LEAD_TIME = _access(
    "cancellation_by_lead_time", "Cancellation rate by lead time", Unit.PERCENT,
    "Cancellations ÷ appointments dated in the period, split by how long before the start "
    "they were made (< 24 h, 1-2 days, 3-7 days, > 7 days).",
    visits.cancellation_by_lead_time, 41,
)  # fmt: skip
TNAA_NEW = _access(
    "tnaa_new", "Third next available, new patients", Unit.DAYS,
    "Days from a given day to the third open slot of the new-patient visit type for a "
    "provider (IHI measure; robust to single random openings); median over providers.",
    tnaa.tnaa_new, 50, Target(Decimal("14"), "lower", "≤ 14 days"),
)  # fmt: skip
TNAA_ESTABLISHED = _access(
    "tnaa_established", "Third next available, established patients", Unit.DAYS,
    "Days from a given day to the third open slot of the established-patient visit type for a "
    "provider (IHI measure; robust to single random openings); median over providers.",
    tnaa.tnaa_established, 51, Target(Decimal("7"), "lower", "≤ 7 days"),
)  # fmt: skip
WAIT_TO_ROOM = _access(
    "wait_to_room", "Wait to room", Unit.MINUTES,
    "Median minutes from arrival to roomed.",
    flow.wait_to_room, 60, Target(Decimal("15"), "lower", "< 15 min"),
)  # fmt: skip
CYCLE_TIME = _access(
    "cycle_time", "Cycle time", Unit.MINUTES,
    "Median minutes from arrival to checkout.",
    flow.cycle_time, 61,
)  # fmt: skip
UTILIZATION = _access(
    "provider_utilization", "Provider utilization", Unit.PERCENT,
    "Booked minutes ÷ available template minutes.",
    flow.utilization, 70, Target(Decimal("85"), "higher", "85-95%"),
)  # fmt: skip
FILL_RATE = _access(
    "fill_rate_freed_slots", "Fill rate of freed slots", Unit.PERCENT,
    "Freed slots rebooked before their start ÷ freed slots (waitlist effect).",
    flow.fill_rate, 80,
)  # fmt: skip
