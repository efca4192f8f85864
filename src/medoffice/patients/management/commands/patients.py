"""medoffice patients reindex: rebuild the spelling index (NameVariant) that typo search uses."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from medoffice.patients.search_index import index_all_patients


class Command(BaseCommand):
    help = "Patient registry maintenance: `reindex` brings the typo-search index in step."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reindex = sub.add_parser(
            "reindex",
            help="Index every patient's names for typo-tolerant search (after an import or a "
            "bulk load that skipped the registry services)",
        )
        reindex.add_argument(
            "--rebuild",
            action="store_true",
            help="Empty the index first, dropping names no patient has any more",
        )
        reindex.add_argument("--quiet", action="store_true", help="No progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        bar = tqdm(total=None, unit="name", disable=opts["quiet"], desc="Indexing", leave=False)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        total = index_all_patients(progress=progress, rebuild=opts["rebuild"])
        bar.close()
        self.stdout.write(self.style.SUCCESS(f"{total} names indexed for typo-tolerant search."))
