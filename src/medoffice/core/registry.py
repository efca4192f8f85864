"""Hooks that later domain apps fill in, so core and audit need not import them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

# Returns patients' chart numbers (MRN) for audit entries, id -> MRN in one query; the patients
# app registers it.
_patient_refs_resolver: Callable[[list[int]], dict[int, str]] | None = None


def register_patient_ref_resolver(resolver: Callable[[list[int]], dict[int, str]]) -> None:
    global _patient_refs_resolver
    _patient_refs_resolver = resolver


def patient_refs(patient_ids: Iterable[int]) -> dict[int, str]:
    ids = [pid for pid in patient_ids if pid is not None]
    if not ids or _patient_refs_resolver is None:
        return {}
    return _patient_refs_resolver(ids)


def patient_ref(patient_id: int | None) -> str:
    if patient_id is None:
        return ""
    return patient_refs([patient_id]).get(patient_id, "")


# The reverse: a chart number (MRN) to the patient's id, for audit reports.
_patient_id_resolver: Callable[[str], int | None] | None = None


def register_patient_id_resolver(resolver: Callable[[str], int | None]) -> None:
    global _patient_id_resolver
    _patient_id_resolver = resolver


def patient_id_for_ref(ref: str) -> int | None:
    if not ref or _patient_id_resolver is None:
        return None
    return _patient_id_resolver(ref)
