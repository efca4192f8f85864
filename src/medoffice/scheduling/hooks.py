"""Extension points other apps fill (waitlist offers, authorization draw-down, reminders),
so booking does not import them. Handlers run after the booking transaction commits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# name -> handlers(appointment_id); see EVENTS for the names.
_handlers: dict[str, list[Callable[[int], Any]]] = {}

EVENTS = (
    "booked",  # a new appointment holds time (also the new half of a reschedule)
    "freed",  # an appointment gave its time back (cancelled, rescheduled away)
    "status_changed",  # a visit moved along its flow (arrived, completed, no-show...)
)


def register(event: str, handler: Callable[[int], Any]) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown scheduling event {event!r}")
    handlers = _handlers.setdefault(event, [])
    if handler not in handlers:
        handlers.append(handler)


def fire(event: str, appointment_id: int) -> None:
    for handler in _handlers.get(event, []):
        handler(appointment_id)
