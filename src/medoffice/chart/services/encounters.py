"""Encounters (visits): created and changed by the chart's editors (clinicians, nurses)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from medoffice.accounts.selectors import users_with_role
from medoffice.chart.models import Encounter
from medoffice.chart.services.common import apply, audit, changed_fields, check_chart_edit
from medoffice.core.permissions import RoleCode

ENCOUNTER_FIELDS = frozenset(
    {"location", "department", "provider", "type", "reason", "start", "end", "status"}
)


def _check_provider(encounter: Encounter) -> None:
    if encounter.provider_id and not (
        users_with_role(RoleCode.CLINICIAN).filter(pk=encounter.provider_id).exists()
    ):
        raise ValidationError({"provider": "The provider must be an active clinician."})


def encounter_create(*, actor: Any, patient_id: int, data: Mapping[str, Any]) -> Encounter:
    check_chart_edit(actor, patient_id)
    encounter = Encounter(patient_id=patient_id)
    apply(encounter, dict(data), ENCOUNTER_FIELDS)
    encounter.full_clean()
    _check_provider(encounter)
    with transaction.atomic():
        encounter.save()
        audit(
            actor=actor,
            action="create",
            object_type="encounter",
            object_id=encounter.pk,
            patient_id=patient_id,
        )
    return encounter


def encounter_update(*, actor: Any, encounter: Encounter, data: Mapping[str, Any]) -> Encounter:
    check_chart_edit(actor, encounter.patient_id)
    data = dict(data)
    changed = changed_fields(encounter, {k: v for k, v in data.items() if k in ENCOUNTER_FIELDS})
    apply(encounter, data, ENCOUNTER_FIELDS)
    encounter.full_clean()
    _check_provider(encounter)
    with transaction.atomic():
        encounter.save()
        audit(
            actor=actor,
            action="update",
            object_type="encounter",
            object_id=encounter.pk,
            patient_id=encounter.patient_id,
            details={"fields": changed},
        )
    return encounter
