from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from medoffice.core.permissions import matrix_markdown


class Command(BaseCommand):
    help = "Print the role and capability matrix as a Markdown table (as in the README)."

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write(matrix_markdown())
