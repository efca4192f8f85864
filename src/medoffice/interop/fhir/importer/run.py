"""`medoffice fhir import`: files and folders of FHIR Bundles into MedOffice.

Each bundle is imported in its own transaction: a bundle that cannot be imported as a whole
(invalid FHIR, a reference to something neither in it nor imported before, a patient that
fails validation) leaves nothing behind, and the other files still import. Re-importing a
bundle creates nothing: every row made is recorded as an ExternalReference.

The audit trail gets one entry per patient created (not one per observation), so a large
import stays cheap.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from medoffice.audit.services import audit_record_many
from medoffice.interop.fhir.importer import chart, observations, people
from medoffice.interop.fhir.importer.bundle import (
    BundleRejected,
    Entry,
    ReferenceIndex,
    read_bundle,
    validate_bundle,
)
from medoffice.interop.fhir.importer.state import (
    CREATED,
    REJECTED,
    SKIPPED,
    ImportState,
    PatientRejected,
    Result,
    error_text,
    skipped,
)

# In dependency order: what others refer to comes first.
HANDLERS: list[tuple[str, Callable[[ImportState, Entry], Result]]] = [
    ("Organization", people.import_organization),
    ("Location", people.import_location),
    ("Practitioner", people.import_practitioner),
    ("Patient", people.import_patient),
    ("Encounter", chart.import_encounter),
    ("Condition", chart.import_condition),
    ("AllergyIntolerance", chart.import_allergy),
    ("MedicationRequest", chart.import_medication),
    ("MedicationStatement", chart.import_medication),
    ("Immunization", chart.import_immunization),
    ("Observation", observations.import_observation),
    ("Coverage", people.import_coverage),
    ("Claim", people.import_claim_payer),
    ("ExplanationOfBenefit", people.import_claim_payer),
]
NOT_STORED = {
    "Procedure": "procedures are coded in CPT/HCPCS on encounters; these are not imported",
    "DiagnosticReport": "its results are imported from their own Observations",
    "Medication": "read through the MedicationRequest/Statement that names it",
}


@dataclass
class EntryOutcome:
    index: int
    full_url: str
    resource_type: str
    outcome: str
    reason: str


@dataclass
class FileResult:
    name: str
    status: str  # imported | rejected
    message: str = ""
    entries: list[EntryOutcome] = field(default_factory=list)
    patients: list[str] = field(default_factory=list)  # MRNs created
    # Rejected only for references to what is not imported (yet): worth one more try after
    # the other files (Synthea writes practitioners and hospitals to files of their own).
    unresolved: bool = False


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)

    def counts(self) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = defaultdict(Counter)
        for result in self.files:
            if result.status != "imported":
                continue
            for entry in result.entries:
                table[entry.resource_type][entry.outcome] += 1
        return dict(table)

    def reasons(self, outcome: str) -> Counter[tuple[str, str]]:
        return Counter(
            (e.resource_type, e.reason)
            for r in self.files
            if r.status == "imported"
            for e in r.entries
            if e.outcome == outcome and e.reason
        )

    @property
    def rejected_files(self) -> list[FileResult]:
        return [r for r in self.files if r.status == "rejected"]

    def summary_lines(self) -> list[str]:
        lines = []
        imported = [r for r in self.files if r.status == "imported"]
        lines.append(
            f"Bundles: {len(imported)} imported, {len(self.rejected_files)} rejected "
            f"(of {len(self.files)})."
        )
        counts = self.counts()
        if counts:
            width = max(len(t) for t in counts)
            lines.append(f"  {'Resource'.ljust(width)}  created  skipped  rejected")
            for kind in sorted(counts):
                c = counts[kind]
                lines.append(
                    f"  {kind.ljust(width)}  {c[CREATED]:>7}  {c[SKIPPED]:>7}  {c[REJECTED]:>8}"
                )
        for outcome in (SKIPPED, REJECTED):
            reasons = self.reasons(outcome)
            if reasons:
                lines.append(f"{outcome.capitalize()}, by reason:")
                for (kind, reason), n in reasons.most_common():
                    lines.append(f"  {n:>5} x {kind}: {reason}")
        for result in imported:
            for e in result.entries:
                if e.outcome == REJECTED:
                    where = e.full_url or f"{e.resource_type}"
                    lines.append(f"Rejected: {result.name} entry {e.index} ({where}): {e.reason}")
        for result in self.rejected_files:
            lines.append(f"Rejected bundle {result.name}: {result.message}")
        return lines


def bundle_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files named, and the *.json files under the folders named (sorted)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            yield path


def _practice() -> Any:
    from medoffice.organization.models import Practice

    return Practice.objects.order_by("pk").first()


def _import_entries(state: ImportState, entries: list[Entry]) -> list[EntryOutcome]:
    by_type: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_type[entry.resource_type].append(entry)
    outcomes: list[EntryOutcome] = []
    handled = set()
    for kind, handler in HANDLERS:
        handled.add(kind)
        for entry in by_type.get(kind, []):
            result = handler(state, entry)
            outcomes.append(
                EntryOutcome(entry.index, entry.full_url, kind, result.outcome, result.reason)
            )
    for kind, group in by_type.items():
        if kind in handled:
            continue
        reason = NOT_STORED.get(kind, f"MedOffice does not store {kind} resources")
        for entry in group:
            result = skipped(reason)
            outcomes.append(
                EntryOutcome(entry.index, entry.full_url, kind, result.outcome, result.reason)
            )
    return sorted(outcomes, key=lambda o: o.index)


def import_bundle_data(data: Any, name: str) -> FileResult:
    """Import one parsed bundle, all or nothing. Never raises for bad input."""
    try:
        _, entries = validate_bundle(data)
        index = ReferenceIndex(entries)
        problems = index.unresolved()
        if problems:
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            message = "unknown reference: " + "; ".join(problems[:3]) + more
            return FileResult(name, "rejected", message, unresolved=True)
        with transaction.atomic():
            state = ImportState(index, _practice())
            outcomes = _import_entries(state, entries)
            state.flush()
            audit_record_many(
                {
                    "action": "create",
                    "object_type": "patient",
                    "object_id": patient.pk,
                    "patient_id": patient.pk,
                    "patient_ref": patient.mrn,
                    "details": {
                        "via": "FHIR import",
                        "file": name[-200:],
                        "chart_items": state.per_patient.get(patient.pk, 0),
                    },
                }
                for patient in state.patients_created
            )
    except (BundleRejected, PatientRejected) as exc:
        return FileResult(name, "rejected", str(exc))
    except (DatabaseError, ValidationError) as exc:
        # Nothing of the bundle stays (the transaction rolled back); say what broke.
        message = error_text(exc) if isinstance(exc, ValidationError) else str(exc)
        return FileResult(name, "rejected", f"could not be stored: {message}")
    return FileResult(
        name, "imported", entries=outcomes, patients=[p.mrn for p in state.patients_created]
    )


def import_bundle_file(path: Path) -> FileResult:
    try:
        data = read_bundle(path)
    except BundleRejected as exc:
        return FileResult(str(path), "rejected", str(exc))
    except OSError as exc:
        return FileResult(str(path), "rejected", f"cannot be read: {exc.strerror or exc}")
    return import_bundle_data(data, str(path))


def import_paths(
    paths: Iterable[str | Path], *, progress: Callable[[FileResult], None] | None = None
) -> ImportReport:
    report = ImportReport()
    waiting: list[tuple[int, Path]] = []
    for path in bundle_files(paths):
        result = import_bundle_file(path)
        if result.unresolved:
            waiting.append((len(report.files), path))
        report.files.append(result)
        if progress is not None:
            progress(result)
    # Files that referred to what other files hold: try once more, now that those are in.
    if any(result.status == "imported" for result in report.files):
        for position, path in waiting:
            report.files[position] = import_bundle_file(path)
    return report
