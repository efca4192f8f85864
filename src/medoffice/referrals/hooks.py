"""What referrals and authorizations do when a visit is booked, freed or moves along its flow
(registered with scheduling.hooks from the app's ready(); they run after the booking commits).

A failure here must not turn a booking that already committed into an error page, so each
handler logs its exception instead of raising it; the authorization worklist then shows the
visit without its unit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from medoffice.referrals import services, services_auth
from medoffice.scheduling import hooks
from medoffice.scheduling.models import Appointment

logger = logging.getLogger(__name__)


def _safely(handler: Callable[[int], object]) -> Callable[[int], None]:
    def run(appointment_id: int) -> None:
        try:
            handler(appointment_id)
        except Exception:
            logger.exception(
                "referrals hook %s failed for appointment %s", handler.__name__, appointment_id
            )

    run.__name__ = f"referrals_{handler.__name__}"
    return run


def on_booked(appointment_id: int) -> None:
    appointment = Appointment.objects.filter(pk=appointment_id).first()
    if appointment is None:
        return
    services_auth.authorization_draw(appointment_id=appointment_id, state="held")
    if appointment.rescheduled_from_id:
        services.referral_follow_appointment(appointment=appointment)


def on_freed(appointment_id: int) -> None:
    services_auth.authorization_release(appointment_id=appointment_id)
    appointment = Appointment.objects.filter(pk=appointment_id).first()
    if appointment is not None and appointment.status == "cancelled":
        services.referral_follow_appointment(appointment=appointment)


def on_status_changed(appointment_id: int) -> None:
    appointment = Appointment.objects.filter(pk=appointment_id).first()
    if appointment is None:
        return
    if appointment.status == "completed":
        services_auth.authorization_mark_used(appointment_id=appointment_id)
    elif appointment.status == "no_show":
        services_auth.authorization_release(appointment_id=appointment_id)
    if appointment.status in ("completed", "no_show"):
        services.referral_follow_appointment(appointment=appointment)


HANDLERS = {
    "booked": _safely(on_booked),
    "freed": _safely(on_freed),
    "status_changed": _safely(on_status_changed),
}


def register_all() -> None:
    for event, handler in HANDLERS.items():
        hooks.register(event, handler)
