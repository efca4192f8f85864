"""Initiatives and cycles: baseline, audit, who may write, the chart's markers, "did it work"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medoffice.audit.models import AuditEvent
from medoffice.quality.models import Initiative, PdsaCycle
from medoffice.quality.selectors import initiative_chart, markers_for, outcome_figures, period_of
from medoffice.quality.services import (
    initiative_create,
    initiative_update,
    pdsa_cycle_add,
    pdsa_cycle_update,
)
from medoffice.quality.tests.fakes import ACCESS_KEY, fake_kpis, visits  # noqa: F401
from medoffice.reports.kpi import Unit
from medoffice.testing.personas import persona

pytestmark = pytest.mark.usefixtures("fake_kpis")
JAN, FEB, MAR, APR, MAY = (date(2026, m, 1) for m in range(1, 6))


def hand_built(provider_id: int | None = None, other: int | None = None) -> None:
    """Baseline Jan-Mar: 6 no-shows in 30 visits (20%). April 1 in 10, May 1 in 10 (10%)."""
    visits(JAN, 10, 2, provider_id)
    visits(FEB, 10, 3, provider_id)
    visits(MAR, 10, 1, provider_id)
    visits(APR, 10, 1, provider_id)
    visits(MAY, 10, 1, provider_id)
    if other is not None:  # another provider, who did not improve: 5 in 10 every month
        for month in (JAN, FEB, MAR, APR, MAY):
            visits(month, 10, 5, other)


def start(manager: Any, **overrides: Any) -> Initiative:
    fields: dict[str, Any] = {
        "title": "Fewer no-shows", "problem": "One visit in five is missed.",
        "kpi_key": ACCESS_KEY, "baseline_start": JAN, "baseline_end": date(2026, 3, 31),
        "target_value": Decimal("12"), "owner": manager, "start_date": APR,
    }  # fmt: skip
    return initiative_create(actor=manager, **(fields | overrides))


def test_the_baseline_is_computed_from_the_metric_unless_given(db):
    hand_built()
    manager = persona("manager")
    initiative = start(manager)
    assert initiative.baseline_value == Decimal("20.00")  # 6 / 30
    given = start(manager, baseline_value=Decimal("18.5"))
    assert given.baseline_value == Decimal("18.5")
    event = AuditEvent.objects.get(object_type="qi_initiative", object_id=str(initiative.pk))
    assert event.action == "create" and event.details["baseline"] == "20.00"


def test_edit_keeps_or_recomputes_the_baseline_and_is_audited(db):
    hand_built()
    manager = persona("manager")
    initiative = start(manager, baseline_value=Decimal("25"))
    fields = {"title": "Fewer no-shows", "problem": "p", "target_value": Decimal("10"),
              "owner": manager, "start_date": APR, "status": "completed"}  # fmt: skip
    initiative_update(actor=manager, initiative=initiative, baseline_value=Decimal("25"), **fields)
    initiative.refresh_from_db()
    assert (initiative.status, initiative.target_value) == ("completed", Decimal("10"))
    assert initiative.baseline_value == Decimal("25")
    initiative_update(actor=manager, initiative=initiative, baseline_value=None, **fields)
    initiative.refresh_from_db()
    assert initiative.baseline_value == Decimal("20.00")
    changes = AuditEvent.objects.filter(object_type="qi_initiative", action="update")
    assert changes.count() == 2
    assert changes.order_by("pk").last().details == {"baseline": ["25.00", "20.00"]}


def test_invalid_initiatives_are_refused(db):
    manager = persona("manager")
    with pytest.raises(ValidationError) as exc:
        start(manager, kpi_key="no_such_report", baseline_end=date(2025, 12, 1))
    assert set(exc.value.message_dict) == {"kpi_key", "baseline_end"}
    assert not Initiative.objects.exists()


@pytest.mark.parametrize("role", ["frontdesk", "compliance", "clinician", "biller"])
def test_only_the_manager_writes(db, role):
    manager = persona("manager")
    initiative = start(manager)
    other = persona(role)
    with pytest.raises(PermissionDenied):
        start(other)
    with pytest.raises(PermissionDenied):
        pdsa_cycle_add(actor=other, initiative=initiative, plan="x", start_date=APR)
    assert Initiative.objects.count() == 1 and not PdsaCycle.objects.exists()


def test_cycles_are_numbered_checked_and_audited(db):
    manager = persona("manager")
    initiative = start(manager)
    first = pdsa_cycle_add(actor=manager, initiative=initiative, plan="Text reminder 48 h before",
                           start_date=date(2026, 4, 6))  # fmt: skip
    second = pdsa_cycle_add(actor=manager, initiative=initiative, plan="Second reminder 2 h before",
                            start_date=date(2026, 5, 4))  # fmt: skip
    assert (first.number, second.number) == (1, 2)
    with pytest.raises(ValidationError) as exc:
        pdsa_cycle_add(actor=manager, initiative=initiative, plan=" ", start_date=MAY,
                       end_date=APR)  # fmt: skip
    assert set(exc.value.message_dict) == {"plan", "end_date"}
    pdsa_cycle_update(actor=manager, cycle=first, plan=first.plan, start_date=first.start_date,
                      end_date=date(2026, 4, 30), study="No-shows fell from 20% to 10%.",
                      act="Adopt")  # fmt: skip
    first.refresh_from_db()
    assert first.act == "Adopt" and first.end_date == date(2026, 4, 30)
    actions = AuditEvent.objects.filter(object_type="qi_pdsa_cycle").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["create", "create", "update"]


def test_markers_fall_in_the_period_each_cycle_started():
    class Cycle:
        def __init__(self, number: int, day: date) -> None:
            self.number, self.start_date = number, day

    cycles = [
        Cycle(1, date(2025, 12, 20)),
        Cycle(2, date(2026, 3, 15)),
        Cycle(3, date(2026, 3, 11)),
    ]
    by_month = markers_for(cycles, "month", JAN, date(2026, 5, 20))  # type: ignore[arg-type]
    # The cycle before the chart begins has no marker.
    assert [(m.label, m.period) for m in by_month] == [("PDSA 2", MAR), ("PDSA 3", MAR)]
    by_week = markers_for(cycles, "week", JAN, date(2026, 5, 20))  # type: ignore[arg-type]
    # Sunday 15 March is in the week of Monday 9 March, as is Wednesday 11 March.
    assert [m.period for m in by_week] == [date(2026, 3, 9), date(2026, 3, 9)]
    assert period_of(date(2026, 3, 15), "day") == date(2026, 3, 15)


def test_did_it_work_on_a_hand_built_dataset(db):
    hand_built()
    manager = persona("manager")
    initiative = start(manager)
    pdsa_cycle_add(actor=manager, initiative=initiative, plan="Reminders",
                   start_date=date(2026, 4, 6))  # fmt: skip
    chart = initiative_chart(initiative, manager, today=date(2026, 5, 20))
    assert [p.period for p in chart.series[0].points] == [JAN, FEB, MAR, APR, MAY]
    assert [p.value for p in chart.series[0].points] == [
        Decimal("20.00"), Decimal("30.00"), Decimal("10.00"), Decimal("10.00"), Decimal("10.00"),
    ]  # fmt: skip
    assert [(m.label, m.period) for m in chart.markers] == [("PDSA 1", APR)]
    o = chart.outcome
    assert (o.baseline, o.latest, o.latest_period) == (Decimal("20.00"), Decimal("10.00"), MAY)
    assert o.change == Decimal("-10.00") and o.improved is True and o.target_met is True
    assert chart.target.value == Decimal("12") and chart.target.better == "lower"
    figures = outcome_figures(o, Unit.PERCENT)
    assert figures["change"] == "\u221210 points" and figures["baseline"] == "20%"


def test_a_clinician_sees_their_own_figures_against_their_own_baseline(db):
    from medoffice.scheduling.models import Provider

    clinician = persona("clinician")
    own = Provider.objects.create(user=clinician, npi="1234567893").pk
    hand_built(provider_id=own, other=own + 1)
    manager = persona("manager")
    initiative = start(manager)
    # Practice-wide: baseline (6 + 15) / 60 = 35%, May (1 + 5) / 20 = 30%.
    practice = initiative_chart(initiative, manager, today=date(2026, 5, 20)).outcome
    assert (practice.baseline, practice.latest) == (Decimal("35.00"), Decimal("30.00"))
    mine = initiative_chart(initiative, clinician, today=date(2026, 5, 20))
    assert mine.own_figures and mine.filters.provider_id == own
    assert (mine.outcome.baseline, mine.outcome.latest) == (Decimal("20.00"), Decimal("10.00"))
