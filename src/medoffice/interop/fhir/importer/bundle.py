"""Reading a FHIR Bundle file: JSON, validation with the R4B models, and its references.

Every problem is reported in words that name the file and, when there is one, the entry
(its index and fullUrl), because the person reading the report has to find it in the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from medoffice.interop.fhir.constants import IMPORT_SOURCE
from medoffice.interop.models import ExternalReference

IMPORTABLE_BUNDLE_TYPES = {"transaction", "collection", "batch", "searchset"}


class BundleRejected(Exception):
    """The whole bundle is refused; nothing of it is imported."""


@dataclass
class Entry:
    index: int
    full_url: str
    resource_type: str
    resource_id: str
    raw: dict[str, Any]
    model: Any = None

    @property
    def label(self) -> str:
        return (
            f"entry {self.index} ({self.full_url or self.resource_type + '/' + self.resource_id})"
        )


def read_bundle(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BundleRejected("not a text file (UTF-8 JSON expected)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BundleRejected(
            f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    return data


def _entry_hint(data: dict[str, Any], loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "entry" and isinstance(loc[1], int):
        entries = data.get("entry") or []
        if loc[1] < len(entries) and isinstance(entries[loc[1]], dict):
            entry = entries[loc[1]]
            resource = entry.get("resource") or {}
            where = entry.get("fullUrl") or f"{resource.get('resourceType')}/{resource.get('id')}"
            path = (
                ".".join(str(p) for p in loc[3:]) if len(loc) > 3 else ".".join(map(str, loc[2:]))
            )
            return f"entry {loc[1]} ({where}) {resource.get('resourceType', '')}.{path}"
    return ".".join(str(p) for p in loc)


def validate_bundle(data: Any) -> tuple[Any, list[Entry]]:
    """The validated Bundle model and its entries; BundleRejected when it is not importable."""
    from fhir.resources.R4B.bundle import Bundle

    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        kind = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise BundleRejected(f"not a FHIR Bundle (resourceType {kind!r})")
    if data.get("type") not in IMPORTABLE_BUNDLE_TYPES:
        raise BundleRejected(
            f"a {data.get('type')!r} Bundle cannot be imported "
            f"(expected one of {', '.join(sorted(IMPORTABLE_BUNDLE_TYPES))})"
        )
    try:
        bundle = Bundle.model_validate(data)
    except PydanticValidationError as exc:
        errors = exc.errors()
        parts = [
            f"{_entry_hint(data, tuple(e.get('loc', ())))}: {' '.join(str(e.get('msg')).split())}"
            for e in errors[:3]
        ]
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise BundleRejected("invalid FHIR: " + "; ".join(parts) + more) from None
    entries = []
    for index, (raw_entry, entry) in enumerate(
        zip(data.get("entry") or [], bundle.entry or [], strict=True)
    ):
        if entry.resource is None:
            continue
        raw = raw_entry.get("resource") or {}
        full_url = entry.fullUrl or ""
        resource_id = entry.resource.id or (
            full_url.removeprefix("urn:uuid:") if full_url.startswith("urn:uuid:") else ""
        )
        entries.append(
            Entry(
                index, full_url, raw.get("resourceType", ""), resource_id or "", raw, entry.resource
            )
        )
    return bundle, entries


def _references(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every `reference` in a resource's JSON, with where it is (contained ones excluded)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "contained":
                continue
            if key == "reference" and isinstance(item, str):
                yield path, item
            else:
                yield from _references(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _references(item, path)


@dataclass
class ReferenceIndex:
    """Finds the entry (or the earlier import) a reference points to."""

    entries: list[Entry]
    by_url: dict[str, Entry] = field(default_factory=dict)
    by_type_id: dict[tuple[str, str], Entry] = field(default_factory=dict)
    by_identifier: dict[tuple[str, str, str], Entry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for entry in self.entries:
            if entry.full_url:
                self.by_url[entry.full_url] = entry
            if entry.resource_id:
                self.by_type_id[(entry.resource_type, entry.resource_id)] = entry
            for identifier in entry.raw.get("identifier") or []:
                if isinstance(identifier, dict) and identifier.get("value"):
                    key = (entry.resource_type, identifier.get("system", ""), identifier["value"])
                    self.by_identifier[key] = entry

    def in_bundle(self, reference: str) -> Entry | None:
        if reference in self.by_url:
            return self.by_url[reference]
        if "?" in reference:
            kind, _, query = reference.partition("?")
            name, _, token = query.partition("=")
            if name == "identifier":
                system, _, value = token.rpartition("|")
                return self.by_identifier.get((kind, system, value))
            return None
        parts = reference.rstrip("/").split("/")
        if len(parts) >= 2:
            return self.by_type_id.get((parts[-2], parts[-1]))
        return None

    @staticmethod
    def external_key(reference: str) -> tuple[str, str, str] | None:
        """(source, resource type, id) under which an earlier import would have recorded it."""
        if reference.startswith("urn:uuid:"):
            return None  # a bundle-local name: its type is unknown outside the bundle
        if "?" in reference:
            kind, _, query = reference.partition("?")
            name, _, token = query.partition("=")
            system, _, value = token.rpartition("|")
            return (system, kind, value) if name == "identifier" and value else None
        parts = reference.rstrip("/").split("/")
        return (IMPORT_SOURCE, parts[-2], parts[-1]) if len(parts) >= 2 else None

    def outside_ids(self) -> set[str]:
        """Ids of what references point to outside the bundle (earlier imports, maybe)."""
        ids = set()
        for entry in self.entries:
            for _, reference in _references(entry.raw, entry.resource_type):
                if not reference.startswith("#") and self.in_bundle(reference) is None:
                    key = self.external_key(reference)
                    if key is not None:
                        ids.add(key[2])
        return ids

    def unresolved(self) -> list[str]:
        """Problems with references that are neither in the bundle nor imported before."""
        missing: list[tuple[Entry, str, str, tuple[str, str, str] | None]] = []
        for entry in self.entries:
            for path, reference in _references(entry.raw, entry.resource_type):
                if reference.startswith("#") or self.in_bundle(reference) is not None:
                    continue
                missing.append((entry, path, reference, self.external_key(reference)))
        keys = {key for *_, key in missing if key is not None}
        known: set[tuple[str, str, str]] = set()
        if keys:
            found = ExternalReference.objects.filter(
                external_id__in={k[2] for k in keys}
            ).values_list("source", "resource_type", "external_id")
            known = set(found)
        return [
            f"{entry.label} {entry.resource_type}: {path} refers to {reference}, which is neither "
            "in the bundle nor imported before"
            for entry, path, reference, key in missing
            if key is None or key not in known
        ]
