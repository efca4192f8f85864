"""medoffice messaging send-due | scheduler: send what is due now, or keep enqueueing it.

`send-due` sends the due messages in this process (for cron). `scheduler` runs beside
`medoffice worker`: every minute it enqueues one job that sends the due messages, one that
closes expired waitlist offers and one that sends the due scheduled report e-mails, only when
there is something to do (and, every MEDOFFICE_ELIGIBILITY_INTERVAL_MINUTES, the eligibility
job); an idempotency key keeps a single run of each at a time, so several schedulers never
double the work.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from medoffice.core import context


class Command(BaseCommand):
    help = "Send due patient messages now (send-due), or enqueue them every minute (scheduler)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send-due", help="Send the messages that are due, then exit")
        send.add_argument("--limit", type=int, default=500)
        loop = sub.add_parser("scheduler", help="Every minute, enqueue the due work for the worker")
        loop.add_argument("--interval", type=int, default=60, help="Seconds between rounds")
        loop.add_argument("--once", action="store_true", help="One round, then exit")

    def handle(self, *args: Any, **opts: Any) -> None:
        with context.acting_as(None, source="cli"):
            if opts["action"] == "send-due":
                self._send_due(opts)
            else:
                self._scheduler(opts)

    def _send_due(self, opts: Any) -> None:
        from medoffice.messaging.services import messages_send_due
        from medoffice.waitlist.offers import offers_expire

        outcome = messages_send_due(limit=opts["limit"])
        expired = offers_expire()
        self.stdout.write(
            f"{outcome['due']} due: {outcome['sent']} sent, {outcome['retrying']} to retry, "
            f"{outcome['failed']} failed; {expired} waitlist offer(s) expired"
        )

    def _scheduler(self, opts: Any) -> None:
        verbosity = opts["verbosity"]
        while True:
            started = time.monotonic()
            queued = scheduler_round()
            if verbosity > 1 or (queued and verbosity > 0):
                self.stdout.write(
                    f"{timezone.now():%H:%M:%S} enqueued: {', '.join(queued) or 'nothing'}"
                )
            if opts["once"]:
                return
            time.sleep(max(1.0, opts["interval"] - (time.monotonic() - started)))


def scheduler_round() -> list[str]:
    """Enqueue the periodic jobs that have work; returns their names."""
    from medoffice.core.jobs import enqueue_system
    from medoffice.eligibility.tasks import enqueue_if_due as eligibility_enqueue_if_due
    from medoffice.messaging.services import messages_due, messages_stale
    from medoffice.messaging.tasks import send_due_messages
    from medoffice.waitlist.offers import offers_due_to_expire
    from medoffice.waitlist.tasks import expire_offers

    queued = []
    if messages_due().exists() or messages_stale().exists():
        enqueue_system(send_due_messages, idempotency_key="messaging:send-due")
        queued.append("send due messages")
    if offers_due_to_expire().exists():
        enqueue_system(expire_offers, idempotency_key="waitlist:expire-offers")
        queued.append("expire waitlist offers")
    if eligibility_enqueue_if_due():  # hourly: 270s for tomorrow's visits, 271s received
        queued.append("eligibility checks")
    from medoffice.reports import tasks as report_tasks
    from medoffice.reports.selectors_schedules import schedules_due

    if schedules_due().exists():
        enqueue_system(
            report_tasks.send_due_report_schedules, idempotency_key=report_tasks.IDEMPOTENCY_KEY
        )
        queued.append("scheduled report e-mails")
    return queued
