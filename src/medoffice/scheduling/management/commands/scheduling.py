"""medoffice scheduling prune-occupancy --days 30: drop the occupancy rows of past appointments.

Occupancy rows (one per resource and 5-minute slot) exist so the database refuses a second
booking of the same time. Once an appointment is over nobody books against it any more, so its
rows only make the table (and its unique index) bigger: a three-year calendar would carry
millions of them. The demo writes them from 30 days ago onward; run this nightly to keep it so.
Appointments themselves are untouched.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from medoffice.scheduling.models import Occupancy

CHUNK = 5000


def prune_occupancy(*, days: int, dry_run: bool = False) -> int:
    """Delete the occupancy of appointments that ended more than `days` days ago; returns the
    number of rows (to be) deleted. Works in chunks so a large backlog never holds a long lock."""
    cutoff = timezone.now() - timedelta(days=days)
    # A join, read in occupancy id order: the oldest rows come first and each chunk stops early.
    stale = Occupancy.objects.filter(appointment__end__lt=cutoff)
    if dry_run:
        return stale.count()
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(stale.order_by("pk").values_list("pk", flat=True)[:CHUNK])
            if not ids:
                return deleted
            deleted += Occupancy.objects.filter(pk__in=ids).delete()[0]


class Command(BaseCommand):
    help = "Scheduling maintenance: `prune-occupancy` drops the booking locks of past visits."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        prune = sub.add_parser(
            "prune-occupancy",
            help="Delete occupancy rows of appointments that ended more than --days days ago",
        )
        prune.add_argument("--days", type=int, default=30, help="Keep this many days (default 30)")
        prune.add_argument("--dry-run", action="store_true", help="Only count what would go")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["days"] < 1:
            raise CommandError("--days must be at least 1: today's bookings need their rows.")
        count = prune_occupancy(days=opts["days"], dry_run=opts["dry_run"])
        verb = "would be deleted" if opts["dry_run"] else "deleted"
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} occupancy rows of appointments that ended over {opts['days']} days ago {verb}."
            )
        )
