"""ICD-10-CM look-ups through simple-icd-10-cm (the CDC's tabular list, shipped as data)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import ModuleType


def _cm() -> ModuleType:
    """simple-icd-10-cm parses its 11 MB table at import (seconds): load it on first use."""
    import simple_icd_10_cm

    return simple_icd_10_cm


@dataclass(frozen=True)
class Icd10Code:
    code: str  # with the dot, e.g. E11.9
    description: str
    billable: bool
    excludes1: tuple[str, ...]
    excludes2: tuple[str, ...]


def normalize(code: str) -> str:
    """'e119' or 'E11.9 ' -> 'E11.9' (the dotted form the tabular list uses)."""
    raw = (code or "").strip().upper().replace(".", "")
    if len(raw) > 3:
        return f"{raw[:3]}.{raw[3:]}"
    return raw


@functools.lru_cache(maxsize=8192)
def lookup(code: str) -> Icd10Code | None:
    dotted = normalize(code)
    if not dotted or not _cm().is_valid_item(dotted):
        return None
    if _cm().is_chapter_or_block(dotted):
        return None
    return Icd10Code(
        code=dotted,
        description=_cm().get_description(dotted),
        billable=_cm().is_leaf(dotted),
        excludes1=tuple(_cm().get_excludes1(dotted)),
        excludes2=tuple(_cm().get_excludes2(dotted)),
    )


def is_billable(code: str) -> bool:
    found = lookup(code)
    return bool(found and found.billable)


@functools.lru_cache(maxsize=4096)
def coding_notes(code: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Excludes1 and Excludes2 notes that apply to a code: its own and its ancestors'
    (the tabular list states them once, at the category, for every code below)."""
    dotted = normalize(code)
    if not dotted or not _cm().is_valid_item(dotted):
        return (), ()
    excludes1: list[str] = []
    excludes2: list[str] = []
    for item in [dotted, *_cm().get_ancestors(dotted)]:
        excludes1.extend(_cm().get_excludes1(item))
        excludes2.extend(_cm().get_excludes2(item))
    return tuple(dict.fromkeys(excludes1)), tuple(dict.fromkeys(excludes2))
