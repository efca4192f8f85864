"""Keeping the spelling index (NameVariant) in step with patients' names."""

from __future__ import annotations

from collections.abc import Iterable

from medoffice.patients.models import NameVariant


def variants_of(folded_name: str) -> set[str]:
    """The name and every form of it with one letter deleted."""
    if not folded_name:
        return set()
    return {folded_name} | {folded_name[:i] + folded_name[i + 1 :] for i in range(len(folded_name))}


def index_names(folded_names: Iterable[str]) -> int:
    """Add the variants of these names; rows already there are skipped. Returns rows offered."""
    rows = [NameVariant(variant=v, name=n) for n in set(folded_names) if n for v in variants_of(n)]
    NameVariant.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)
