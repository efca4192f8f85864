"""The visit's flow on the front-desk board: each step is one conditional update that stamps
its time, so two people clicking "arrived" at once record one arrival."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.scheduling import hooks
from medoffice.scheduling.models import Appointment, AppointmentStatus

S = AppointmentStatus
# A no-show can be recorded this long after the start, not before.
NO_SHOW_GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class Step:
    to: str
    from_statuses: tuple[str, ...]
    stamp: str  # the timestamp field this step sets
    label: str


STEPS: dict[str, Step] = {
    "confirm": Step(S.CONFIRMED, (S.SCHEDULED,), "confirmed_at", "Confirmed"),
    "arrive": Step(S.ARRIVED, (S.SCHEDULED, S.CONFIRMED), "arrived_at", "Checked in"),
    "room": Step(S.ROOMED, (S.ARRIVED,), "roomed_at", "Roomed"),
    "see": Step(S.WITH_PROVIDER, (S.ARRIVED, S.ROOMED), "provider_at", "With provider"),
    "check_out": Step(S.CHECKED_OUT, (S.ROOMED, S.WITH_PROVIDER), "checked_out_at", "Checked out"),
    "complete": Step(S.COMPLETED, (S.CHECKED_OUT,), "completed_at", "Completed"),
    "no_show": Step(S.NO_SHOW, (S.SCHEDULED, S.CONFIRMED), "no_show_at", "No-show"),
}
# Who may take which step beyond the board's capability (confirmations come from the desk or the
# patient's own link; rooming and seeing from the clinical side).
SCHEDULE_STEPS = {"confirm"}


def appointment_step(
    *, actor: Any, appointment: Appointment, step: str, note: str = ""
) -> Appointment:
    """Move a visit one step along; refuses steps out of order, and records who and when."""
    if step not in STEPS:
        raise ValidationError(f"Unknown step {step!r}.")
    if step in SCHEDULE_STEPS:
        require_capability(actor, Capability.SCHEDULE, Need.EDIT)
    else:
        require_capability(actor, Capability.VISIT_FLOW, Need.EDIT)
    return _apply(appointment, STEPS[step], actor=actor, note=note)


def appointment_confirm_by_patient(*, appointment: Appointment) -> Appointment:
    """The patient's signed confirmation link (no sign-in): only confirms, nothing else."""
    return _apply(appointment, STEPS["confirm"], actor=None, note="confirmed by the patient")


def _apply(appointment: Appointment, step: Step, *, actor: Any, note: str) -> Appointment:
    now = timezone.now()
    if step.to == S.NO_SHOW and now < appointment.start + NO_SHOW_GRACE:
        raise ValidationError("A no-show can be recorded 15 minutes after the start time.")
    with transaction.atomic():
        changed = Appointment.objects.filter(
            pk=appointment.pk, status__in=step.from_statuses
        ).update(status=step.to, **{step.stamp: now}, version=appointment.version + 1)
        if not changed:
            appointment.refresh_from_db()
            if appointment.status == step.to:
                return appointment  # already done (a double click): nothing to repeat
            raise ValidationError(
                f"This visit is {appointment.get_status_display().lower()}: it cannot be marked {step.label.lower()}."
            )
        audit_record(
            action="update", actor=actor, object_type="appointment", object_id=appointment.pk,
            patient_id=appointment.patient_id, details={"status": step.to, "note": note[:200]},
        )  # fmt: skip
        transaction.on_commit(lambda: hooks.fire("status_changed", appointment.pk))
    appointment.refresh_from_db()
    return appointment
