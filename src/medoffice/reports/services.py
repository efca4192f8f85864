"""Writes of the reports app: a practice's own KPI targets (the office manager's call)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_record
from medoffice.core.access import deny, effective_roles
from medoffice.core.permissions import RoleCode
from medoffice.reports import kpi as registry
from medoffice.reports.kpi import Kpi, Unit
from medoffice.reports.models import KpiTarget

MAX_TARGET = Decimal("9999999999.99")  # KpiTarget.value: 12 digits, 2 places


def _require_manager(actor: Any) -> None:
    # Seeing the reports (REPORTS_* at V) is not setting the practice's goals: that is the
    # office manager's decision, whatever else a role may see.
    if RoleCode.MANAGER not in effective_roles(actor):
        raise deny(actor, "Only the office manager sets the practice's targets.")


def _kpi_with_target(kpi_key: str) -> Kpi:
    kpi = registry.get(kpi_key)
    if kpi is None:
        raise ValidationError({"kpi_key": "No such report."})
    if kpi.target is None:
        raise ValidationError({"kpi_key": "This report has no target to override."})
    return kpi


def _clean_value(kpi: Kpi, value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": "Enter a number."}) from None
    if not number.is_finite():
        raise ValidationError({"value": "Enter a number."})
    number = number.quantize(Decimal("0.01"))
    if number < 0:
        raise ValidationError({"value": "A target cannot be negative."})
    if kpi.unit is Unit.PERCENT and number > 100:
        raise ValidationError({"value": "A percentage target is at most 100."})
    if number > MAX_TARGET:
        raise ValidationError({"value": "That number is too large."})
    return number


def kpi_target_set(*, kpi_key: str, value: Any, actor: Any) -> KpiTarget:
    """Set (or change) the practice's target value for one KPI."""
    _require_manager(actor)
    kpi = _kpi_with_target(kpi_key)
    number = _clean_value(kpi, value)
    with transaction.atomic():
        previous = KpiTarget.objects.select_for_update().filter(kpi_key=kpi.key).first()
        target, created = KpiTarget.objects.update_or_create(
            kpi_key=kpi.key,
            defaults={"value": number, "updated_by": actor, "updated_at": timezone.now()},
        )
        audit_record(
            action=AuditAction.CREATE if created else AuditAction.UPDATE, actor=actor,
            object_type="kpi_target", object_id=kpi.key,
            details={"value": str(number), "previous": str(previous.value) if previous else None,
                     "industry": str(kpi.target.value) if kpi.target else None},
        )  # fmt: skip
    return target


def kpi_target_clear(*, kpi_key: str, actor: Any) -> bool:
    """Go back to the industry target; False when there was no override."""
    _require_manager(actor)
    kpi = _kpi_with_target(kpi_key)
    with transaction.atomic():
        previous = KpiTarget.objects.select_for_update().filter(kpi_key=kpi.key).first()
        if previous is None:
            return False
        previous.delete()
        audit_record(
            action=AuditAction.DELETE, actor=actor, object_type="kpi_target", object_id=kpi.key,
            details={"previous": str(previous.value)},
        )  # fmt: skip
    return True
