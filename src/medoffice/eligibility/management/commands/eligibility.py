"""medoffice eligibility check | import | check-tomorrow | poll.

- `check --patient MRN [--date YYYY-MM-DD]`: a 270 for each coverage of the patient active on
  the date (default today), sent through the clearinghouse transport.
- `import FILE...`: read 271 files into the checks they answer.
- `check-tomorrow`: 270s for tomorrow's visits without a recent answer (what the scheduled
  job does), then `poll`: read the 271s waiting at the clearinghouse.
All act as a user with coverage edit rights (--as-user, or MEDOFFICE_CLEARINGHOUSE_USER); the
checks and audit entries name that person.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from medoffice.core import context
from medoffice.core.commands import acting_user


class Command(BaseCommand):
    help = "Send 270 eligibility inquiries and read 271 answers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="Ask the payers of one patient's active coverage")
        check.add_argument("--patient", required=True, help="The patient's MRN")
        check.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
        imp = sub.add_parser("import", help="Read 271 files")
        imp.add_argument("files", nargs="+", type=Path)
        tomorrow = sub.add_parser("check-tomorrow", help="270s for tomorrow's visits, then poll")
        poll = sub.add_parser("poll", help="Read the 271s waiting at the clearinghouse")
        for each in (check, imp, tomorrow, poll):
            each.add_argument("--as-user", default="", help="Username acting")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = _actor(opts["as_user"] or settings.CLEARINGHOUSE_USER)
        with context.acting_as(actor, source="cli"):
            try:
                getattr(self, "_" + opts["action"].replace("-", "_"))(actor, opts)
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc

    def _check(self, actor: Any, opts: Any) -> None:
        from medoffice.eligibility.services import eligibility_request
        from medoffice.patients.models import Coverage, Patient

        patient = Patient.objects.filter(mrn=opts["patient"]).first()
        if patient is None:
            raise CommandError(f"No patient with MRN {opts['patient']!r}.")
        day = opts["date"] or timezone.localdate()
        coverages = (
            Coverage.objects.filter(patient=patient, effective_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .select_related("payer", "patient")
        )
        if not coverages:
            raise CommandError(f"{patient.mrn} has no coverage active on {day:%Y-%m-%d}.")
        failed = 0
        for coverage in coverages:
            try:
                check = eligibility_request(coverage=coverage, service_date=day, actor=actor)
            except ValidationError as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{coverage}: {'; '.join(exc.messages)}"))
                continue
            if check.error_text:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{coverage}: {check.error_text}"))
            else:
                self.stdout.write(f"{coverage}: 270 {check.trace_number} sent to {check.sent_to}")
        if failed:
            raise CommandError(f"{failed} inquiry(ies) not sent.")

    def _import(self, actor: Any, opts: Any) -> None:
        from medoffice.eligibility.imports import eligibility_responses_import

        failed = 0
        for path in opts["files"]:
            try:
                result = eligibility_responses_import(
                    name=path.name, content=path.read_bytes(), actor=actor
                )
            except (OSError, ValidationError) as exc:
                failed += 1
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else exc
                self.stderr.write(self.style.ERROR(f"{path}: {message}"))
                continue
            if result.duplicate:
                self.stdout.write(f"{path}: imported before; nothing changed")
                continue
            self.stdout.write(
                f"{path}: {len(result.answered)} answered"
                + (
                    f", {len(result.already_answered)} already answered"
                    if result.already_answered
                    else ""
                )
                + (f", not ours: {'; '.join(result.unmatched)}" if result.unmatched else "")
            )
        if failed:
            raise CommandError(f"{failed} file(s) could not be imported.")

    def _check_tomorrow(self, actor: Any, opts: Any) -> None:
        from medoffice.eligibility.batch import eligibility_check_visits_tomorrow

        self.stdout.write(eligibility_check_visits_tomorrow(actor=actor).message())
        self._poll(actor, opts)

    def _poll(self, actor: Any, opts: Any) -> None:
        from medoffice.eligibility.batch import eligibility_poll

        self.stdout.write(eligibility_poll(actor=actor))


def _actor(username: str) -> Any:
    return acting_user(username)
