"""Writes of quality-improvement initiatives and their PDSA cycles (the office manager's)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import deny, effective_roles
from medoffice.core.permissions import RoleCode
from medoffice.quality.models import Initiative, InitiativeStatus, PdsaCycle
from medoffice.reports import kpi as kpi_registry
from medoffice.reports.kpi import Grain, Kpi, ReportFilters

CENT = Decimal("0.01")


def require_manager(actor: Any) -> None:
    if RoleCode.MANAGER not in effective_roles(actor):
        raise deny(actor, "Only the office manager manages quality-improvement initiatives.")


def baseline_compute(
    kpi: Kpi, start: date, end: date, *, grain: str = Grain.MONTH
) -> Decimal | None:
    """The KPI over the baseline period, practice-wide (the initiative is the practice's)."""
    from medoffice.reports.selectors import kpi_result

    headline = kpi_result(kpi, ReportFilters(start=start, end=end, grain=Grain(grain))).headline
    return None if headline is None else Decimal(str(headline)).quantize(CENT)


def _check_owner(owner: Any, errors: dict[str, str]) -> None:
    if owner is None or not owner.is_active or not (effective_roles(owner) - {RoleCode.PATIENT}):
        errors["owner"] = "The owner must be an active member of staff."


def initiative_create(
    *,
    actor: Any,
    title: str,
    problem: str,
    kpi_key: str,
    baseline_start: date,
    baseline_end: date,
    target_value: Decimal,
    owner: Any,
    start_date: date,
    grain: str = Grain.MONTH,
    baseline_value: Decimal | None = None,
) -> Initiative:
    """Start an initiative; the baseline is computed from the KPI unless given."""
    require_manager(actor)
    errors: dict[str, str] = {}
    kpi = kpi_registry.get(kpi_key)
    if kpi is None:
        errors["kpi_key"] = "Choose a registered report as the goal metric."
    if not title.strip():
        errors["title"] = "Give the initiative a title."
    if baseline_end < baseline_start:
        errors["baseline_end"] = "The baseline period ends before it starts."
    elif baseline_end > timezone.localdate():
        errors["baseline_end"] = "The baseline period must be in the past."
    if grain not in Grain._value2member_map_:
        errors["grain"] = "Choose day, week or month."
    _check_owner(owner, errors)
    if errors:
        raise ValidationError(errors)
    assert kpi is not None
    if baseline_value is None:
        baseline_value = baseline_compute(kpi, baseline_start, baseline_end, grain=grain)
    baseline_value = None if baseline_value is None else Decimal(baseline_value).quantize(CENT)
    target_value = Decimal(target_value).quantize(CENT)
    with transaction.atomic():
        initiative = Initiative.objects.create(
            title=title.strip()[:200], problem=problem.strip(), kpi_key=kpi.key, grain=grain,
            baseline_start=baseline_start, baseline_end=baseline_end, baseline_value=baseline_value,
            target_value=target_value, owner=owner, start_date=start_date, created_by=actor,
        )  # fmt: skip
        audit_record(
            action="create", actor=actor, object_type="qi_initiative", object_id=initiative.pk,
            details={"kpi": kpi.key, "baseline": str(baseline_value), "target": str(target_value),
                     "owner": owner.pk},
        )  # fmt: skip
    return initiative


def initiative_update(
    *,
    actor: Any,
    initiative: Initiative,
    title: str,
    problem: str,
    target_value: Decimal,
    owner: Any,
    start_date: date,
    status: str,
    baseline_value: Decimal | None = None,
) -> Initiative:
    """Change an initiative; an emptied baseline is computed again from the KPI."""
    require_manager(actor)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Give the initiative a title."
    if status not in InitiativeStatus.values:
        errors["status"] = "Choose a status."
    _check_owner(owner, errors)
    kpi = kpi_registry.get(initiative.kpi_key)
    if kpi is None:
        errors["title"] = f"The goal metric {initiative.kpi_key!r} is no longer available."
    if errors:
        raise ValidationError(errors)
    assert kpi is not None
    if baseline_value is None:
        baseline_value = baseline_compute(
            kpi, initiative.baseline_start, initiative.baseline_end, grain=initiative.grain
        )
    # As stored (two places), so the audit's before/after compare like with like.
    target_value = Decimal(target_value).quantize(CENT)
    baseline_value = None if baseline_value is None else Decimal(baseline_value).quantize(CENT)
    before = {
        "title": initiative.title, "target": str(initiative.target_value),
        "baseline": str(initiative.baseline_value), "status": initiative.status,
        "owner": initiative.owner_id, "start": str(initiative.start_date),
    }  # fmt: skip
    initiative.title, initiative.problem = title.strip()[:200], problem.strip()
    initiative.target_value, initiative.baseline_value = target_value, baseline_value
    initiative.owner, initiative.start_date, initiative.status = owner, start_date, status
    initiative.updated_at = timezone.now()
    after = {
        "title": initiative.title, "target": str(target_value), "baseline": str(baseline_value),
        "status": status, "owner": owner.pk, "start": str(start_date),
    }  # fmt: skip
    with transaction.atomic():
        initiative.save()
        audit_record(
            action="update", actor=actor, object_type="qi_initiative", object_id=initiative.pk,
            details={k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )  # fmt: skip
    return initiative


def _check_cycle(start_date: date, end_date: date | None, plan: str) -> None:
    errors: dict[str, str] = {}
    if not plan.strip():
        errors["plan"] = "Say what the cycle plans to change."
    if end_date is not None and end_date < start_date:
        errors["end_date"] = "The cycle ends before it starts."
    if errors:
        raise ValidationError(errors)


def pdsa_cycle_add(
    *,
    actor: Any,
    initiative: Initiative,
    plan: str,
    start_date: date,
    do: str = "",
    study: str = "",
    act: str = "",
    end_date: date | None = None,
    result_notes: str = "",
) -> PdsaCycle:
    require_manager(actor)
    _check_cycle(start_date, end_date, plan)
    with transaction.atomic():
        # Lock the initiative so two cycles added at once do not take the same number.
        Initiative.objects.select_for_update().filter(pk=initiative.pk).first()
        last = initiative.cycles.aggregate(n=Max("number"))["n"] or 0
        cycle = PdsaCycle.objects.create(
            initiative=initiative, number=last + 1, plan=plan.strip(), do=do.strip(),
            study=study.strip(), act=act.strip(), start_date=start_date, end_date=end_date,
            result_notes=result_notes.strip(), created_by=actor,
        )  # fmt: skip
        audit_record(
            action="create", actor=actor, object_type="qi_pdsa_cycle", object_id=cycle.pk,
            details={"initiative": initiative.pk, "number": cycle.number,
                     "start": str(start_date), "end": str(end_date) if end_date else None},
        )  # fmt: skip
    return cycle


def pdsa_cycle_update(
    *,
    actor: Any,
    cycle: PdsaCycle,
    plan: str,
    start_date: date,
    do: str = "",
    study: str = "",
    act: str = "",
    end_date: date | None = None,
    result_notes: str = "",
) -> PdsaCycle:
    """Record what was done and learnt (study, act, results) as the cycle runs."""
    require_manager(actor)
    _check_cycle(start_date, end_date, plan)
    cycle.plan, cycle.do, cycle.study, cycle.act = (
        plan.strip(),
        do.strip(),
        study.strip(),
        act.strip(),
    )
    cycle.start_date, cycle.end_date, cycle.result_notes = (
        start_date,
        end_date,
        result_notes.strip(),
    )
    with transaction.atomic():
        cycle.save()
        audit_record(
            action="update", actor=actor, object_type="qi_pdsa_cycle", object_id=cycle.pk,
            details={"initiative": cycle.initiative_id, "number": cycle.number,
                     "start": str(start_date), "end": str(end_date) if end_date else None},
        )  # fmt: skip
    return cycle
