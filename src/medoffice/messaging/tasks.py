"""Background jobs of messaging: plan an appointment's messages, send one, send what is due."""

from __future__ import annotations

from medoffice.core.jobs import JobContext, job


@job("Plan an appointment's confirmation and reminders")
def plan_appointment_messages(ctx: JobContext, appointment_id: int) -> str:
    from medoffice.messaging.reminders import appointment_messages_plan

    queued = appointment_messages_plan(appointment_id)
    return f"{len(queued)} message(s) queued"


@job("Send a patient message")
def send_message(ctx: JobContext, message_id: int) -> str:
    from medoffice.messaging.services import message_send

    return message_send(message_id)


@job("Send the patient messages that are due")
def send_due_messages(ctx: JobContext) -> dict[str, int]:
    from medoffice.messaging.services import messages_send_due

    return messages_send_due(progress=lambda done, total: ctx.progress(done, total))
