"""Quick patients for the search, duplicate and merge tests (no access checks, no audit)."""

from __future__ import annotations

from datetime import date
from typing import Any

from medoffice.patients.models import Coverage, Patient, Payer
from medoffice.patients.search_index import index_names
from medoffice.patients.search_query import normalize_member_id
from medoffice.patients.services import apply_derived_fields, new_mrns


def make_patient(
    family: str, given: str, born: date | str = "1980-03-04", **fields: Any
) -> Patient:
    """A saved patient with its search columns and spelling index filled, as registering does."""
    patient = Patient(
        family_name=family,
        given_name=given,
        birth_date=date.fromisoformat(born) if isinstance(born, str) else born,
        sex_at_birth=fields.pop("sex_at_birth", "U"),
        **fields,
    )
    apply_derived_fields(patient)
    patient.mrn = new_mrns(1)[0]
    patient.save()
    index_names([patient.family_norm, patient.given_norm])
    return patient


def add_coverage(patient: Patient, member_id: str, **fields: Any) -> Coverage:
    payer = fields.pop("payer", None) or Payer.objects.get_or_create(name="Test Health Plan")[0]
    return Coverage.objects.create(
        patient=patient,
        payer=payer,
        member_id=member_id,
        member_id_norm=normalize_member_id(member_id),
        effective_date=fields.pop("effective_date", date(2020, 1, 1)),
        **fields,
    )
