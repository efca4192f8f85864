"""medoffice audit verify | report: check the chain, and who accessed what."""

from __future__ import annotations

import contextlib
import csv
import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from medoffice.audit import chain, selectors
from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_record
from medoffice.core import context


class Command(BaseCommand):
    help = "Verify the audit chain, or report accesses by patient or by user."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify", help="Re-check every entry's hash and link; exit 1 at the first bad one"
        )
        verify.add_argument("--quiet", action="store_true", help="No progress bar")
        report = sub.add_parser(
            "report", help="Accesses to one patient (--patient) or by one user (--user)"
        )
        who = report.add_mutually_exclusive_group(required=True)
        who.add_argument("--patient", help="MRN (or internal patient id)")
        who.add_argument("--user", help="Username")
        report.add_argument("--from", dest="date_from", type=date.fromisoformat)
        report.add_argument("--to", dest="date_to", type=date.fromisoformat)
        report.add_argument(
            "--csv", dest="csv_path", help="Write the entries as CSV to this file ('-' for stdout)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        with context.acting_as(None, source="cli"):
            if opts["action"] == "verify":
                self._verify(opts)
            else:
                self._report(opts)

    def _verify(self, opts: Any) -> None:
        bar = tqdm(total=None, unit="entry", disable=opts["quiet"], desc="Verifying", leave=False)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        result = chain.verify(progress=progress)
        bar.close()
        audit_record(
            action=AuditAction.AUDIT_VERIFY,
            outcome="success" if result.ok else "failure",
            details={"checked": result.checked, "problem": result.problem},
        )
        if not result.ok:
            self.stderr.write(
                self.style.ERROR(
                    f"Audit chain BROKEN at entry #{result.first_bad_seq}: {result.problem}"
                )
            )
            self.stderr.write(f"{result.checked} entries before it are intact.")
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {result.checked} entries, head #{result.head_seq} {result.head_hash}"
            )
        )

    def _report(self, opts: Any) -> None:
        flt = selectors.AuditFilter(
            patient=opts["patient"] or "",
            username=opts["user"] or "",
            date_from=opts["date_from"],
            date_to=opts["date_to"],
        )
        events = selectors.audit_events(flt)
        audit_record(
            action=AuditAction.EXPORT,
            object_type="audit_log",
            details={
                "report": "patient" if opts["patient"] else "user",
                "term": opts["patient"] or opts["user"],
            },
        )
        if opts["csv_path"]:
            with contextlib.ExitStack() as stack:
                handle = sys.stdout
                if opts["csv_path"] != "-":
                    handle = stack.enter_context(open(opts["csv_path"], "w", newline=""))
                writer = csv.writer(handle)
                writer.writerow(selectors.CSV_COLUMNS)
                count = 0
                for event in events.iterator(chunk_size=2000):
                    writer.writerow(selectors.csv_row(event))
                    count += 1
            if opts["csv_path"] != "-":
                self.stdout.write(f"Wrote {count} entries to {opts['csv_path']}")
            return
        if not events.exists():
            raise CommandError("No audit entries match.")
        if opts["patient"]:
            self.stdout.write(f"Who accessed patient {opts['patient']}:")
            for row in selectors.access_summary_by_user(events):
                self.stdout.write(
                    f"  {row['actor_username'] or '(not signed in)':<20} {row['entries']:>6} entries  "
                    f"{row['first']:%Y-%m-%d %H:%M} .. {row['last']:%Y-%m-%d %H:%M} UTC"
                )
        else:
            self.stdout.write(f"Patients accessed by {opts['user']}:")
            rows = selectors.access_summary_by_patient(events)
            for row in rows:
                self.stdout.write(
                    f"  {row['patient_ref'] or row['patient_id']:<12} {row['entries']:>6} entries  "
                    f"{row['first']:%Y-%m-%d %H:%M} .. {row['last']:%Y-%m-%d %H:%M} UTC"
                )
            if not rows:
                self.stdout.write("  (no patient records; other activity only)")
        self.stdout.write("Latest entries:")
        for event in events[:20]:
            self.stdout.write(
                f"  #{event.seq} {event.occurred_at:%Y-%m-%d %H:%M:%S} {event.actor_username or '-'} "
                f"{event.action} {event.object_type} {event.object_id} {event.patient_ref}".rstrip()
            )
