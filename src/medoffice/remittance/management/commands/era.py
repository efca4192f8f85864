"""medoffice era import --as-user USER FILE...: post 835 remittance files (ERAs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from medoffice.core import context
from medoffice.core.access import AccessDenied
from medoffice.core.commands import acting_user
from medoffice.remittance.models import FileStatus
from medoffice.remittance.services import era_import


class Command(BaseCommand):
    help = "Import 835 remittance files (ERAs): post payments and adjustments to the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Post each file (all of a file or none of it)")
        imp.add_argument(
            "--as-user", required=True, help="Username of the biller the postings name"
        )
        imp.add_argument("--quiet", action="store_true", help="No progress bar")
        imp.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = acting_user(opts["as_user"], what="biller")
        failed = 0
        bar = tqdm(opts["files"], unit="file", desc="ERA files", disable=opts["quiet"])
        for path in bar:
            try:
                content = path.read_bytes()
            except OSError as exc:
                bar.write(self.style.ERROR(f"{path.name}: cannot read ({exc.strerror})"))
                failed += 1
                continue
            try:
                with context.acting_as(actor, source="cli"):
                    result = era_import(name=path.name, content=content, actor=actor)
            except AccessDenied as exc:
                bar.close()
                raise CommandError(f"{opts['as_user']}: {exc.message}") from exc
            style = self.style.ERROR if result.file.status == FileStatus.REJECTED else (
                self.style.WARNING if result.claims_unmatched else self.style.SUCCESS
            )  # fmt: skip
            bar.write(style(f"{path.name}: {result}"))
            failed += result.file.status == FileStatus.REJECTED
        bar.close()
        if failed:
            raise CommandError(f"{failed} of {len(opts['files'])} file(s) not posted.")
