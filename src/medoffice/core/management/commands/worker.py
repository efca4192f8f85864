"""medoffice worker: run background jobs with the configured backend."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Run the background job worker (database backend by default, RQ when configured)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        verbosity = 0 if opts["quiet"] else opts["verbosity"]
        if settings.TASK_BACKEND == "database":
            extra = ["--batch"] if opts["batch"] else []
            call_command(
                "db_worker",
                "--queue-name",
                "*",
                "--no-startup-delay",
                "--no-reload",
                *extra,
                verbosity=verbosity,
            )
        elif settings.TASK_BACKEND == "rq":
            extra = ["--burst"] if opts["batch"] else []
            call_command("rqworker", "default", *extra, verbosity=verbosity)
        else:
            raise CommandError(
                "The immediate backend runs jobs in the request; there is nothing to work on."
            )
