"""What one bundle's import knows as it goes: which entry became which row, what existed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from medoffice.interop.fhir.constants import IMPORT_SOURCE
from medoffice.interop.fhir.importer.bundle import Entry, ReferenceIndex
from medoffice.interop.models import ExternalReference

CREATED, SKIPPED, REJECTED = "created", "skipped", "rejected"


@dataclass
class Result:
    outcome: str
    reason: str = ""


def created() -> Result:
    return Result(CREATED)


def skipped(reason: str) -> Result:
    return Result(SKIPPED, reason)


def rejected(reason: str) -> Result:
    return Result(REJECTED, reason)


class PatientRejected(Exception):
    """A patient could not be imported: the bundle is refused (nothing half-imported)."""


def error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


class ImportState:
    def __init__(self, index: ReferenceIndex, practice: Any) -> None:
        self.index = index
        self.practice = practice
        self.rows: dict[int, models.Model | None] = {}  # entry index -> row (None: not imported)
        self.keys: list[tuple[tuple[str, str, str], models.Model]] = []
        self.pending: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.patients_created: list[Any] = []
        self.per_patient: dict[int, int] = defaultdict(int)
        self._known = self._earlier_imports()

    def _earlier_imports(self) -> dict[tuple[str, str, str], tuple[int, int]]:
        ids = {e.resource_id for e in self.index.entries if e.resource_id}
        ids |= {key[2] for key in self.index.by_identifier} | self.index.outside_ids()
        found = ExternalReference.objects.filter(external_id__in=ids).values_list(
            "source", "resource_type", "external_id", "content_type_id", "object_id"
        )
        return {(s, t, i): (ct, oid) for s, t, i, ct, oid in found}

    def key_of(self, entry: Entry) -> tuple[str, str, str]:
        return (IMPORT_SOURCE, entry.resource_type, entry.resource_id)

    def earlier(self, key: tuple[str, str, str]) -> models.Model | None:
        """The row an earlier import made for this key, or None."""
        hit = self._known.get(key)
        if hit is None:
            return None
        model = ContentType.objects.get_for_id(hit[0]).model_class()
        return model._default_manager.filter(pk=hit[1]).first() if model else None

    def remember(self, entry: Entry, row: models.Model | None, *extra_keys: tuple) -> None:
        self.rows[entry.index] = row
        if row is not None:
            self.keys.append((self.key_of(entry), row))
            for key in extra_keys:
                self.keys.append((key, row))

    def add_leaf(self, entry: Entry, row: models.Model, key_suffix: str = "") -> None:
        """A row nothing else refers to: inserted in bulk at the end, keyed for re-imports."""
        self.pending[type(row)].append(row)
        source, kind, ident = self.key_of(entry)
        self.keys.append(((source, kind, ident + key_suffix), row))
        patient_id = getattr(row, "patient_id", None)
        if patient_id is None and hasattr(row, "encounter"):
            patient_id = row.encounter.patient_id
        if patient_id is not None:
            self.per_patient[patient_id] += 1

    def target(self, reference: Any, expected_type: str | None = None) -> models.Model | None:
        """The row for a Reference (in this bundle or from an earlier import), or None."""
        text = getattr(reference, "reference", None) if reference is not None else None
        if not text or text.startswith("#"):
            return None
        entry = self.index.in_bundle(text)
        if entry is not None:
            if expected_type and entry.resource_type != expected_type:
                return None
            return self.rows.get(entry.index)
        key = ReferenceIndex.external_key(text)
        return self.earlier(key) if key else None

    def flush(self) -> None:
        """Insert the leaf rows in bulk, then record every imported row's external key."""
        for model, rows in self.pending.items():
            model._default_manager.bulk_create(rows, batch_size=500)
        self.pending.clear()
        refs = []
        seen = set()
        for key, row in self.keys:
            if key in seen or key in self._known or row.pk is None:
                continue
            seen.add(key)
            refs.append(
                ExternalReference(
                    source=key[0][:200],
                    resource_type=key[1][:50],
                    external_id=key[2][:200],
                    content_type=ContentType.objects.get_for_model(type(row)),
                    object_id=row.pk,
                )
            )
        ExternalReference.objects.bulk_create(refs, batch_size=500)
        self.keys.clear()
