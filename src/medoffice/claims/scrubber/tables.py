"""The code-table look-ups the rules need, behind a small protocol: `DatabaseCodeTables` reads
the coding app's tables; `MemoryCodeTables` holds a few rows for tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol


@dataclass(frozen=True)
class UnitsLimit:
    code: str
    max_units: int
    adjudication: int  # 1 per line, 2 and 3 per day


@dataclass(frozen=True)
class PairEdit:
    column1: str
    column2: str
    effective_date: date
    deletion_date: date | None
    modifier_indicator: str  # "0" never together, "1" a modifier may allow it, "9" not applied

    def active_on(self, day: date) -> bool:
        if day < self.effective_date:
            return False
        return self.deletion_date is None or day <= self.deletion_date


class CodeTables(Protocol):
    def procedure_valid(self, code: str, on: date) -> bool:
        """The CPT/HCPCS code exists and is in effect on that day."""
        ...

    def modifier_known(self, code: str) -> bool: ...

    def place_of_service_known(self, code: str) -> bool: ...

    def units_limit(self, code: str) -> UnitsLimit | None: ...

    def pair_edits(self, column1: str, column2: str) -> tuple[PairEdit, ...]:
        """Every edit of the pair (in that column order), current or deleted."""
        ...

    def diagnosis_prefixes(self, procedure_code: str) -> tuple[str, ...]:
        """Dotless ICD-10-CM prefixes that support the procedure; () when no rule says so."""
        ...


@dataclass
class MemoryCodeTables:
    procedures: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)
    modifiers: set[str] = field(default_factory=set)
    places_of_service: set[str] = field(default_factory=set)
    limits: dict[str, UnitsLimit] = field(default_factory=dict)
    pairs: list[PairEdit] = field(default_factory=list)
    dx_rules: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def procedure_valid(self, code: str, on: date) -> bool:
        if code not in self.procedures:
            return False
        start, end = self.procedures[code]
        return not ((start and on < start) or (end and on > end))

    def modifier_known(self, code: str) -> bool:
        return code in self.modifiers

    def place_of_service_known(self, code: str) -> bool:
        return code in self.places_of_service

    def units_limit(self, code: str) -> UnitsLimit | None:
        return self.limits.get(code)

    def pair_edits(self, column1: str, column2: str) -> tuple[PairEdit, ...]:
        return tuple(p for p in self.pairs if (p.column1, p.column2) == (column1, column2))

    def diagnosis_prefixes(self, procedure_code: str) -> tuple[str, ...]:
        return self.dx_rules.get(procedure_code, ())


class DatabaseCodeTables:
    """The coding app's tables. Answers are kept for the life of the object: make one per
    scrubbing run (a batch of claims), not one per process, so an import is seen next run."""

    def __init__(self) -> None:
        self._memo: dict[tuple[str, tuple[str, ...]], Any] = {}
        self._modifiers: frozenset[str] | None = None
        self._places: frozenset[str] | None = None

    def _kept(self, kind: str, key: tuple[str, ...], compute: Callable[[], Any]) -> Any:
        if (kind, key) not in self._memo:
            self._memo[(kind, key)] = compute()
        return self._memo[(kind, key)]

    def procedure_valid(self, code: str, on: date) -> bool:
        from medoffice.coding.models import ProcedureCode

        row = self._kept(
            "procedure",
            (code,),
            lambda: (
                ProcedureCode.objects.filter(code=code)
                .values_list("active", "effective_date", "termination_date")
                .first()
            ),
        )
        if row is None:
            return False
        active, start, end = row
        if start and on < start:
            return False
        if end:
            return bool(on <= end)
        return bool(active)

    def modifier_known(self, code: str) -> bool:
        if self._modifiers is None:
            from medoffice.coding.models import Modifier

            self._modifiers = frozenset(Modifier.objects.values_list("code", flat=True))
        return code in self._modifiers

    def place_of_service_known(self, code: str) -> bool:
        if self._places is None:
            from medoffice.coding.models import PlaceOfService

            self._places = frozenset(PlaceOfService.objects.values_list("code", flat=True))
        return code in self._places

    def units_limit(self, code: str) -> UnitsLimit | None:
        from medoffice.coding.models import MedicallyUnlikelyEdit

        def compute() -> UnitsLimit | None:
            row = MedicallyUnlikelyEdit.objects.filter(code=code).first()
            return UnitsLimit(row.code, row.max_units, row.adjudication) if row else None

        result: UnitsLimit | None = self._kept("mue", (code,), compute)
        return result

    def pair_edits(self, column1: str, column2: str) -> tuple[PairEdit, ...]:
        from medoffice.coding.models import CodePairEdit

        def compute() -> tuple[PairEdit, ...]:
            rows = CodePairEdit.objects.filter(column1=column1, column2=column2)
            return tuple(
                PairEdit(
                    r.column1, r.column2, r.effective_date, r.deletion_date, r.modifier_indicator
                )
                for r in rows
            )

        result: tuple[PairEdit, ...] = self._kept("ncci", (column1, column2), compute)
        return result

    def diagnosis_prefixes(self, procedure_code: str) -> tuple[str, ...]:
        from medoffice.coding.models import ProcedureDiagnosisRule

        def compute() -> tuple[str, ...]:
            rows = ProcedureDiagnosisRule.objects.filter(procedure_code=procedure_code)
            return tuple(rows.values_list("diagnosis_prefix", flat=True))

        result: tuple[str, ...] = self._kept("dx", (procedure_code,), compute)
        return result
