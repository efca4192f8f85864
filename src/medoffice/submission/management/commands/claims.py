"""medoffice claims export-837 | import-acks: write 837P batches of the ready claims, read 999
and 277CA files. Both act as a billing user (--as-user, or MEDOFFICE_CLEARINGHOUSE_USER): the
claims' status changes and audit entries name that person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from medoffice.core import context
from medoffice.core.commands import acting_user


class Command(BaseCommand):
    help = "Export ready claims as 837P batch files, or import 999/277CA acknowledgements."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export-837", help="One 837P file per payer of the ready claims")
        export.add_argument("--out", required=True, type=Path, help="Folder for the files")
        export.add_argument("--payer", default="", help="Only this payer (its EDI payer id)")
        export.add_argument("--validate", action="store_true", help="Check with pyx12 first")
        acks = sub.add_parser("import-acks", help="Read 999 and 277CA files")
        acks.add_argument("files", nargs="+", type=Path)
        for each in (export, acks):
            each.add_argument("--as-user", default="", help="Billing username acting")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = _actor(opts["as_user"] or settings.CLEARINGHOUSE_USER)
        with context.acting_as(actor, source="cli"):
            try:
                if opts["action"] == "export-837":
                    self._export(actor, opts)
                else:
                    self._import(actor, opts["files"])
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc

    def _export(self, actor: Any, opts: Any) -> None:
        from medoffice.patients.models import Payer
        from medoffice.submission.services import batches_create_for_ready_claims

        payer = None
        if opts["payer"]:
            payer = Payer.objects.filter(payer_id=opts["payer"]).first()
            if payer is None:
                raise CommandError(f"No payer with EDI payer id {opts['payer']!r}.")
        out: Path = opts["out"]
        out.mkdir(parents=True, exist_ok=True)
        try:
            batches = batches_create_for_ready_claims(
                actor=actor, payer=payer, validate=opts["validate"] or None
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if not batches:
            self.stdout.write("No claims are ready to submit.")
            return
        for batch in batches:
            path = out / batch.file_name
            path.write_text(batch.content, encoding="utf-8")
            self.stdout.write(
                f"{path}  payer {batch.receiver_name} ({batch.receiver_id})  "
                f"claims {batch.claim_count}  total {batch.total_billed}"
            )

    def _import(self, actor: Any, files: list[Path]) -> None:
        from medoffice.submission.acks import acks_import

        failed = 0
        for path in files:
            try:
                result = acks_import(name=path.name, content=path.read_bytes(), actor=actor)
            except (OSError, ValidationError) as exc:
                failed += 1
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else exc
                self.stderr.write(self.style.ERROR(f"{path}: {message}"))
                continue
            if result.duplicate:
                self.stdout.write(f"{path}: {result.kind} imported before; nothing changed")
                continue
            self.stdout.write(
                f"{path}: {result.kind}  batches {_counts(result.batches)}  "
                f"claims {_counts(result.claims)}"
                + (f"  unknown {', '.join(result.unmatched)}" if result.unmatched else "")
            )
        if failed:
            raise CommandError(f"{failed} file(s) could not be imported.")


def _counts(changes: dict[str, str]) -> str:
    if not changes:
        return "none changed"
    tally: dict[str, int] = {}
    for status in changes.values():
        tally[status] = tally.get(status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(tally.items()))


def _actor(username: str) -> Any:
    return acting_user(username, what="billing user")
