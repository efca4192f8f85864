"""medoffice fhir import PATH... | export --patient MRN [--out FILE] [--pdf FILE]."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from medoffice.core import context


class Command(BaseCommand):
    help = "Import FHIR R4 Bundles (e.g. Synthea), or export one patient's record as FHIR + PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import files or folders of FHIR Bundles (JSON)")
        imp.add_argument("paths", nargs="+", help="Bundle files, or folders searched for *.json")
        imp.add_argument("--quiet", action="store_true", help="No progress bar")
        exp = sub.add_parser("export", help="One patient's whole record (HIPAA right of access)")
        exp.add_argument("--patient", required=True, help="MRN")
        exp.add_argument("--out", help="Write the FHIR Bundle here (default: standard output)")
        exp.add_argument("--pdf", help="Also write a printable PDF summary here")

    def handle(self, *args: Any, **opts: Any) -> None:
        with context.acting_as(None, source="cli"):
            if opts["action"] == "import":
                self._import(opts)
            else:
                self._export(opts)

    def _import(self, opts: Any) -> None:
        from medoffice.interop.fhir.importer.run import bundle_files, import_paths

        missing = [p for p in opts["paths"] if not Path(p).exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        files = list(bundle_files(opts["paths"]))
        bar = tqdm(total=len(files), unit="bundle", disable=opts["quiet"], desc="Importing")

        def progress(result: Any) -> None:
            bar.set_postfix_str(Path(result.name).name[:30])
            bar.update(1)

        report = import_paths(files, progress=progress)
        bar.close()
        for line in report.summary_lines():
            self.stdout.write(line)
        if report.rejected_files:
            raise CommandError(f"{len(report.rejected_files)} bundle(s) rejected (see above).")

    def _export(self, opts: Any) -> None:
        from medoffice.interop.fhir.exporter import ExportRefused, export_patient

        try:
            bundle, pdf = export_patient(
                mrn=opts["patient"], actor=None, with_pdf=bool(opts["pdf"])
            )
        except ExportRefused as exc:
            raise CommandError(str(exc)) from None
        text = json.dumps(bundle, indent=2, default=str)
        if opts["out"]:
            Path(opts["out"]).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"FHIR Bundle with {len(bundle['entry'])} resources: {opts['out']}")
        else:
            sys.stdout.write(text + "\n")
        if opts["pdf"] and pdf is not None:
            Path(opts["pdf"]).write_bytes(pdf)
            self.stderr.write(f"PDF summary: {opts['pdf']}")
