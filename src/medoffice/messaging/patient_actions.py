"""What a patient can do through the link in a message, without signing in.

The link is the authorization: it names one appointment (or one offer), so these functions
take the opened link, never an id from the request. Confirming and cancelling go through the
scheduling services' patient entry points, which apply the same rules as the front desk's
and record in the audit log that the patient did it, through which link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.messaging import links, texts
from medoffice.messaging.models import LinkPurpose, PatientLink
from medoffice.messaging.reminders import visit_for

CANCEL_REASON = "cancelled by patient via link"
VIA = "patient link in a message"


@dataclass(frozen=True)
class AppointmentView:
    """What the patient's page shows: first name, when and where, and what can be done."""

    first_name: str
    when: str
    place: str
    status: str
    status_label: str
    can_confirm: bool
    can_cancel: bool
    start: datetime


def _appointment(link: PatientLink):
    from medoffice.scheduling.models import Appointment

    appt = (
        Appointment.objects.select_related("patient", "location")
        .filter(pk=link.appointment_id)
        .first()
    )
    if appt is None:
        raise links.LinkError(
            "This appointment is no longer on file. Please call the office.", status=410
        )
    return appt


def appointment_view(link: PatientLink) -> AppointmentView:
    appt = _appointment(link)
    visit = visit_for(appt)
    open_ = appt.status in ("scheduled", "confirmed") and appt.start > timezone.now()
    audit_record(
        action="view", actor=None, object_type="appointment", object_id=appt.pk,
        patient_id=appt.patient_id, details={"via": VIA},
    )  # fmt: skip
    return AppointmentView(
        first_name=visit.first_name, when=texts.when(appt.start, visit.zone), place=visit.place,
        status=appt.status, status_label=appt.get_status_display(),
        can_confirm=open_ and appt.status == "scheduled", can_cancel=open_, start=appt.start,
    )  # fmt: skip


def appointment_confirm_via_link(link: PatientLink) -> None:
    from medoffice.scheduling.services.flow import appointment_confirm_by_patient

    if link.purpose != LinkPurpose.APPOINTMENT:
        raise ValidationError("This link does not confirm appointments.")
    appt = _appointment(link)
    if appt.start <= timezone.now():
        raise ValidationError("This appointment has already started.")
    appointment_confirm_by_patient(appointment=appt)
    links.link_mark_used(link)


def appointment_cancel_via_link(link: PatientLink) -> None:
    from medoffice.scheduling.services.booking import appointment_cancel_by_patient

    if link.purpose != LinkPurpose.APPOINTMENT:
        raise ValidationError("This link does not cancel appointments.")
    appt = _appointment(link)
    if appt.start <= timezone.now():
        raise ValidationError("This appointment has already started: please call the office.")
    appointment_cancel_by_patient(appointment=appt, reason=CANCEL_REASON, via=VIA)
    links.link_mark_used(link)


def opt_out_via_link(link: PatientLink) -> bool:
    from medoffice.messaging.services import opt_out_record

    if link.purpose != LinkPurpose.OPT_OUT or not link.channel:
        raise ValidationError("This link does not stop messages.")
    created = opt_out_record(patient_id=link.patient_id, channel=link.channel, source="link")
    links.link_mark_used(link)
    return created
