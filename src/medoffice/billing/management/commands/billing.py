"""medoffice billing reconcile | import-fees: check the books, load a fee schedule."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from medoffice.audit.services import audit_record
from medoffice.billing import fees, selectors
from medoffice.core import context


class Command(BaseCommand):
    help = "Reconcile the billing ledger, or import a fee schedule from CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("reconcile", help="Check every journal balances; exit 1 on a mismatch")
        load = sub.add_parser(
            "import-fees",
            help="Load a payer's fee schedule from CSV (code,modifier,billed,expected)",
        )
        load.add_argument("--payer", required=True, help='Payer id, or "self-pay"')
        load.add_argument("--from", dest="date_from", required=True, type=date.fromisoformat)
        load.add_argument("--name", default="", help="The schedule's name (new schedules)")
        load.add_argument("--as-user", default="", help="Username the audit entries name")
        load.add_argument("file", type=Path)

    def handle(self, *args: Any, **opts: Any) -> None:
        with context.acting_as(None, source="cli"):
            if opts["action"] == "reconcile":
                self._reconcile()
            else:
                self._import(opts)

    def _reconcile(self) -> None:
        result = selectors.ledger_reconcile()
        audit_record(
            action="update",
            object_type="ledger_reconcile",
            outcome="success" if result.ok else "failure",
            details={"journals": result.journals, "problems": len(result.problems)},
        )
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(self.style.ERROR(problem))
            self.stderr.write(f"Ledger does NOT reconcile: {len(result.problems)} problem(s).")
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Ledger reconciles: {result.journals} journals, {result.postings} postings."
            )
        )

    def _import(self, opts: Any) -> None:
        from medoffice.accounts.models import User

        actor = None
        if opts["as_user"]:
            actor = User.objects.filter(username=opts["as_user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {opts['as_user']!r}.")
        payer = opts["payer"]
        payer_id = None if payer == "self-pay" else _int(payer)
        try:
            text = opts["file"].read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {opts['file']}: {exc}") from exc
        try:
            with context.acting_as(actor, source="cli"):
                schedule, count = fees.fee_schedule_import(
                    payer_id=payer_id, effective_from=opts["date_from"], text=text,
                    actor=actor, name=opts["name"], from_command_line=True,
                )  # fmt: skip
        except ValidationError as exc:
            raise CommandError(
                f"{opts['file']}: {'; '.join(exc.messages)} (nothing imported)"
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"{schedule.name}: {count} fee lines loaded."))


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise CommandError(f'--payer takes a payer id or "self-pay", not {raw!r}') from None
