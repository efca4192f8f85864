"""medoffice demo --size small|large --seed N: build the synthetic demo practice."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from medoffice.core import demo


def demo_password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-password"


def demo_password() -> str | None:
    """The demo password: MEDOFFICE_DEMO_PASSWORD, or the one generated at seeding."""
    if os.environ.get("MEDOFFICE_DEMO_PASSWORD"):
        return os.environ["MEDOFFICE_DEMO_PASSWORD"]
    path = demo_password_file()
    return path.read_text().strip() if path.exists() else None


class Command(BaseCommand):
    help = "Create the deterministic demo practice (staff, and the data later modules add)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(demo.SIZES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when a practice already exists."
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bars.")

    def handle(self, *args: Any, **opts: Any) -> None:
        from medoffice.audit.models import AuditAction
        from medoffice.audit.services import audit_record
        from medoffice.organization.models import Practice

        if Practice.objects.exists():
            if opts["if_empty"]:
                self.stdout.write("The database already has a practice; demo data not added.")
                return
            raise CommandError(
                "The database already has a practice. Use an empty database for the demo."
            )
        password = os.environ.get("MEDOFFICE_DEMO_PASSWORD") or f"demo-{secrets.token_urlsafe(9)}"
        ctx = demo.DemoContext(
            size=demo.SIZES[opts["size"]], seed=opts["seed"], password=password, quiet=opts["quiet"]
        )
        self.stdout.write(f"Building the {opts['size']} demo practice (seed {opts['seed']})...")
        started = time.monotonic()
        for step in demo.steps():
            step_started = time.monotonic()
            with transaction.atomic():
                summary = step.run(ctx)
            if connection.vendor == "postgresql":
                # Bulk loads leave the planner without statistics until autovacuum comes by
                # (never, inside a test's transaction): later steps' queries then picked
                # nested loops over thousands of rows. ANALYZE sees this transaction's rows.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            self.stdout.write(f"  {step.name}: {summary} ({time.monotonic() - step_started:.1f} s)")
        audit_record(
            action=AuditAction.ADMIN_CHANGE,
            actor=None,
            object_type="demo",
            details={"size": opts["size"], "seed": opts["seed"]},
        )
        if not os.environ.get("MEDOFFICE_DEMO_PASSWORD"):
            path = demo_password_file()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(password + "\n")
            path.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(f"Demo practice ready in {time.monotonic() - started:.1f} s.")
        )
