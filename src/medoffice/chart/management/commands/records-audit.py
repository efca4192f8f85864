"""medoffice records-audit [--hours N] [--csv FILE]: what in the records needs fixing."""

from __future__ import annotations

import contextlib
import csv
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from medoffice.audit.services import audit_patients_shown, audit_record
from medoffice.chart import records_audit
from medoffice.chart.selectors import UNSIGNED_NOTE_HOURS
from medoffice.core import context

COLUMNS = ["check", "patient_id", "mrn", "patient", "date", "detail", "fix_url"]


def _rows(key: str, row: Any) -> list[Any]:
    """One CSV line per finding: never note content."""
    if key == "unsigned_notes":
        p, enc = row.encounter.patient, row.encounter
        return [p.pk, p.mrn, f"{p.family_name}, {p.given_name}", row.created_at.isoformat(),
                f"draft by {row.author.get_username()}",
                f"/chart/patients/{p.pk}/notes/{row.pk}/"]  # fmt: skip
    if key in {"no_diagnosis", "coverage"}:
        p = row.patient
        url = (
            f"/chart/patients/{p.pk}/encounters/{row.pk}/coding/"
            if key == "no_diagnosis"
            else f"/patients/{p.pk}/"
        )
        return [p.pk, p.mrn, f"{p.family_name}, {p.given_name}", row.start.isoformat(),
                row.get_type_display(), url]  # fmt: skip
    if key == "non_billable":
        p, enc = row.encounter.patient, row.encounter
        return [p.pk, p.mrn, f"{p.family_name}, {p.given_name}", enc.start.isoformat(),
                f"{row.code} {row.description}",
                f"/chart/patients/{p.pk}/encounters/{enc.pk}/coding/"]  # fmt: skip
    # consents
    return [row.pk, row.mrn, f"{row.family_name}, {row.given_name}", "",
            "; ".join(records_audit.consent_problems(row)), f"/patients/{row.pk}/"]  # fmt: skip


class Command(BaseCommand):
    help = "List unsigned notes, visits without diagnosis, non-billable codes, consent and coverage gaps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=int, default=UNSIGNED_NOTE_HOURS,
            help=f"A draft note is late after this many hours (default {UNSIGNED_NOTE_HOURS})",
        )  # fmt: skip
        parser.add_argument(
            "--csv", dest="csv_path", help="Write every finding as CSV ('-' for stdout)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        options = records_audit.AuditOptions(hours=max(1, opts["hours"]))
        with context.acting_as(None, source="cli"):
            counts = records_audit.counts(options)
            for check in records_audit.CHECKS:
                self.stdout.write(f"{counts[check.key]:>7}  {check.title}")
            pairs = (
                records_audit.duplicate_pairs() if records_audit.duplicate_pairs_available() else []
            )
            capped = "+" if len(pairs) >= records_audit.DUPLICATE_LIMIT else ""
            self.stdout.write(f"{len(pairs):>6}{capped or ' '}  Possible duplicate patients")
            if opts["csv_path"]:
                patients = self._write_csv(opts["csv_path"], options, pairs)
                audit_patients_shown(
                    patient_ids=patients, object_type="records_audit", view="records-audit --csv"
                )
                audit_record(
                    action="export",
                    object_type="records_audit",
                    details={"format": "csv", "rows": len(patients)},
                )

    def _write_csv(
        self, path: str, options: records_audit.AuditOptions, pairs: list[Any]
    ) -> list[int]:
        patients: list[int] = []
        with contextlib.ExitStack() as stack:
            handle = (
                sys.stdout
                if path == "-"
                else stack.enter_context(open(path, "w", newline="", encoding="utf-8"))
            )
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for check in records_audit.CHECKS:
                for row in check.rows(options).iterator(chunk_size=1000):
                    values = _rows(check.key, row)
                    patients.append(values[0])
                    writer.writerow([check.key, *values])
            for pair in pairs:
                for one, other in ((pair.first, pair.second), (pair.second, pair.first)):
                    patients.append(one.pk)
                    writer.writerow(["duplicates", one.pk, one.mrn,
                                     f"{one.family_name}, {one.given_name}", "",
                                     f"may be {other.mrn}: {'; '.join(pair.reasons)}",
                                     f"/patients/{one.pk}/"])  # fmt: skip
        if path != "-":
            self.stderr.write(f"Wrote {len(patients)} rows to {path}")
        return patients
