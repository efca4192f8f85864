"""Scheduling events -> messages (registered from MessagingConfig.ready()).

The handlers run after the booking transaction commits; planning goes to a job so a
messaging problem never turns a booking the front desk made into an error page.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def on_booked(appointment_id: int) -> None:
    from medoffice.core.jobs import enqueue_system
    from medoffice.messaging.tasks import plan_appointment_messages

    enqueue_system(
        plan_appointment_messages,
        appointment_id,
        idempotency_key=f"messaging:plan:{appointment_id}",
    )


def on_freed(appointment_id: int) -> None:
    """Cancelled or moved: its pending reminders must not go out (the moved visit's new
    appointment gets its own)."""
    from medoffice.messaging.services import messages_cancel_for_appointment

    messages_cancel_for_appointment(appointment_id, "The appointment was cancelled or moved.")


def on_status_changed(appointment_id: int) -> None:
    """A visit that has begun (or was a no-show) needs no more reminders."""
    from medoffice.messaging.services import messages_cancel_for_appointment
    from medoffice.scheduling.models import Appointment

    status = Appointment.objects.filter(pk=appointment_id).values_list("status", flat=True).first()
    if status not in (None, "scheduled", "confirmed"):
        messages_cancel_for_appointment(appointment_id, f"The visit is {status}.")


def register_all() -> None:
    from medoffice.scheduling import hooks

    hooks.register("booked", on_booked)
    hooks.register("freed", on_freed)
    hooks.register("status_changed", on_status_changed)
