"""Helpers the chart services share: access checks and the audit entry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from medoffice.audit.services import audit_record
from medoffice.core.access import effective_roles, patient_access
from medoffice.core.permissions import Capability, Need, RoleCode


def check_chart_edit(actor: Any, patient_id: int) -> str:
    return patient_access(actor, Capability.CHART, Need.EDIT, patient_id)


def check_coding_edit(actor: Any, patient_id: int) -> str:
    return patient_access(actor, Capability.CODING, Need.EDIT, patient_id)


def is_clinician(actor: Any) -> bool:
    return RoleCode.CLINICIAN in effective_roles(actor)


def audit(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    patient_id: int,
    details: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    audit_record(
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        details=details or {},
        reason=reason,
    )


def validated(instance: Any, exclude: list[str] | None = None) -> Any:
    """full_clean() that raises the model's field errors (forms show them)."""
    instance.full_clean(exclude=exclude)
    return instance


def changed_fields(instance: Any, data: dict[str, Any]) -> list[str]:
    return sorted(k for k, v in data.items() if getattr(instance, k) != v)


def apply(instance: Any, data: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(f"Not editable here: {', '.join(sorted(unknown))}")
    for key, value in data.items():
        setattr(instance, key, value)
