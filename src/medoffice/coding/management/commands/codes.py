"""medoffice codes import --system CPT|HCPCS FILE: load a procedure code table;
medoffice codes import-table KIND FILE: load a billing table (CARC, RARC, MUE, NCCI, ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from medoffice.coding.importer import CodeFileError, codes_import
from medoffice.coding.models import ProcedureCode
from medoffice.coding.table_import import ALL_KINDS, KINDS, table_import
from medoffice.core import context


class Command(BaseCommand):
    help = "Import a CPT (CSV) or HCPCS Level II (CSV or CMS fixed-width) code file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Upsert codes from a file (all or nothing)")
        imp.add_argument("--system", required=True, type=str.upper, choices=["CPT", "HCPCS"])
        imp.add_argument(
            "--format", dest="fmt", choices=["auto", "csv", "anweb"], default="auto",
            help="csv, or anweb for CMS's fixed-width HCPCS file (default: detect)",
        )  # fmt: skip
        imp.add_argument("--quiet", action="store_true", help="No progress bar")
        imp.add_argument("file", type=Path)
        table = sub.add_parser(
            "import-table",
            help="Upsert a billing table (CARC, RARC, MUE, NCCI, ...) from a file (all or nothing)",
        )
        table.add_argument("kind", type=str.lower, choices=ALL_KINDS)
        table.add_argument("--quiet", action="store_true", help="No progress bar")
        table.add_argument("file", type=Path)
        sub.add_parser("count", help="How many codes each system has")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "count":
            for system in ("CPT", "HCPCS"):
                n = ProcedureCode.objects.filter(system=system).count()
                self.stdout.write(f"{system}: {n}")
            for spec in KINDS.values():
                n = apps.get_model("coding", spec.model).objects.count()
                self.stdout.write(f"{spec.name} ({spec.label}): {n}")
            return
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if opts["action"] == "import-table":
            self._import_table(path, opts["kind"], opts["quiet"])
            return
        bar = tqdm(total=None, unit="code", desc=f"{opts['system']} codes", disable=opts["quiet"])

        def parsed(total: int) -> None:
            bar.total = total
            bar.refresh()

        def progress(done: int) -> None:
            bar.n = done
            bar.refresh()

        try:
            with context.acting_as(None, source="cli"):
                result = codes_import(
                    path=path,
                    system=opts["system"],
                    fmt=opts["fmt"],
                    progress=progress,
                    on_parsed=parsed,
                )
        except CodeFileError as exc:
            raise CommandError(f"{path.name}: {exc} Nothing was imported.") from exc
        finally:
            bar.close()
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {result}."))

    def _import_table(self, path: Path, kind: str, quiet: bool) -> None:
        bar = tqdm(total=None, unit="row", desc=kind, disable=quiet)

        def parsed(total: int) -> None:
            bar.total = total
            bar.refresh()

        def progress(done: int) -> None:
            bar.n = done
            bar.refresh()

        try:
            with context.acting_as(None, source="cli"):
                result = table_import(path=path, kind=kind, progress=progress, on_parsed=parsed)
        except CodeFileError as exc:
            raise CommandError(f"{path.name}: {exc} Nothing was imported.") from exc
        finally:
            bar.close()
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {result}."))
