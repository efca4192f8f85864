"""Hooks that later domain apps fill in, so core and audit need not import them."""

from __future__ import annotations

from collections.abc import Callable

# Returns a patient's chart number (MRN) for audit entries; the patients app registers it.
_patient_ref_resolver: Callable[[int], str] | None = None


def register_patient_ref_resolver(resolver: Callable[[int], str]) -> None:
    global _patient_ref_resolver
    _patient_ref_resolver = resolver


def patient_ref(patient_id: int | None) -> str:
    if patient_id is None or _patient_ref_resolver is None:
        return ""
    return _patient_ref_resolver(patient_id)
