"""Scheduling events -> waitlist offers (registered from WaitlistConfig.ready())."""

from __future__ import annotations


def on_freed(appointment_id: int) -> None:
    from medoffice.core.jobs import enqueue_system
    from medoffice.waitlist.tasks import offer_freed_time

    enqueue_system(
        offer_freed_time, appointment_id, idempotency_key=f"waitlist:freed:{appointment_id}"
    )


def register_all() -> None:
    from medoffice.scheduling import hooks

    hooks.register("freed", on_freed)
