"""Reading patients. Functions that return PHI take the actor, check access and audit the read."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from medoffice.audit.services import audit_record
from medoffice.core.access import patient_access
from medoffice.core.permissions import Capability, Need
from medoffice.patients.models import Patient


def patient_mrn_for_audit(patient_id: int) -> str:
    """The MRN an audit entry records (registered as the audit app's resolver)."""
    return Patient.objects.filter(pk=patient_id).values_list("mrn", flat=True).first() or ""


def patient_get(
    *, actor: Any, patient_id: int, capability: Capability = Capability.DEMOGRAPHICS
) -> Patient:
    """One patient's registration record, for someone allowed to see it; the read is audited."""
    patient_access(actor, capability, Need.VIEW, patient_id)
    patient = Patient.objects.select_related(
        "primary_care_provider", "preferred_pharmacy", "home_location"
    ).get(pk=patient_id)
    audit_record(
        action="view",
        actor=actor,
        object_type="patient",
        object_id=patient.pk,
        patient_id=patient.pk,
        patient_ref=patient.mrn,
    )
    return patient


def patients_active() -> QuerySet[Patient]:
    return Patient.objects.exclude(status="merged")
