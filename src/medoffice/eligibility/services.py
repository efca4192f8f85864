"""Sending a 270 for one coverage and service date.

The inquiry names the patient as the subscriber (relationship self) or as a dependent of the
subscriber on the coverage; the information receiver is the visit's location NPI, else the
practice's group NPI; the payer is addressed by its EDI id. The check is recorded (queued)
with its audit entry in one transaction, then handed to the clearinghouse transport; what the
transport did (sent, or the error it raised) is recorded with a conditional update.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import patient_access
from medoffice.core.permissions import Capability, Need
from medoffice.eligibility.models import CheckStatus, EligibilityCheck
from medoffice.interop.x12.eligibility import EligibilityInquiry, Member, write_270
from medoffice.interop.x12.envelope import Envelope, Party, reserve_control_numbers

SUBSCRIBER_SELF = "18"


@dataclass(frozen=True)
class OutgoingFile:
    """What the transport sends: it reads `file_name` and `content` (as of a claim batch)."""

    file_name: str
    content: str


def check_may_request(actor: Any, patient_id: int) -> None:
    """Front desk and billers ask payers; everyone else with coverage access only reads."""
    patient_access(actor, Capability.COVERAGE, Need.EDIT, patient_id)


def _envelope() -> Envelope:
    return Envelope(
        sender=Party(settings.X12_SENDER_ID, settings.X12_SENDER_QUALIFIER),
        receiver=Party(settings.X12_RECEIVER_ID, settings.X12_RECEIVER_QUALIFIER),
        created=timezone.localtime(),
        production=settings.X12_PRODUCTION,
    )


def _receiver(location_id: int | None) -> tuple[str, str, str]:
    """(name, NPI, originator id) of the practice asking: the location's NPI, else the
    group NPI; TRN03 is "1" + the practice's EIN, else "9" + our sender id."""
    from medoffice.organization.models import Location, Practice

    practice = Practice.objects.order_by("pk").first()
    name = (practice.legal_name or practice.name) if practice else settings.PRACTICE_NAME
    npi = ""
    if location_id is not None:
        npi = Location.objects.filter(pk=location_id).values_list("npi", flat=True).first() or ""
    if not npi and practice is not None:
        npi = practice.group_npi
    if not npi:
        location_npi = Location.objects.exclude(npi="").order_by("pk").values_list("npi", flat=True)
        npi = location_npi.first() or ""
    ein = re.sub(r"\D", "", practice.tax_id if practice else "")
    originator = f"1{ein}" if len(ein) == 9 else f"9{settings.X12_SENDER_ID}"[:10]
    return name, npi, originator


def _inquiry(coverage: Any, service_date: date, trace: str, location_id: int | None):
    patient, payer = coverage.patient, coverage.payer
    problems = []
    if not payer.payer_id:
        problems.append(f"{payer.name} has no EDI payer id; add it on the payer's page.")
    if not coverage.member_id:
        problems.append("The coverage has no member id.")
    name, npi, originator = _receiver(location_id)
    if not npi:
        problems.append("Neither the location nor the practice has an NPI.")
    if problems:
        raise ValidationError(problems)
    as_patient = Member(
        patient.family_name.upper(), patient.given_name.upper(), patient.birth_date,
        patient.sex_at_birth if patient.sex_at_birth in ("F", "M") else "",
    )  # fmt: skip
    if coverage.relationship == SUBSCRIBER_SELF:
        subscriber = Member(
            as_patient.last_name, as_patient.first_name, as_patient.birth_date, as_patient.sex,
            coverage.member_id,
        )  # fmt: skip
        dependent = None
    else:
        subscriber = Member(
            coverage.subscriber_family_name.upper(), coverage.subscriber_given_name.upper(),
            coverage.subscriber_birth_date,
            coverage.subscriber_sex if coverage.subscriber_sex in ("F", "M") else "",
            coverage.member_id,
        )  # fmt: skip
        dependent = as_patient
    return EligibilityInquiry(
        payer_name=payer.name.upper(), payer_id=payer.payer_id, provider_name=name.upper(), provider_npi=npi,
        subscriber=subscriber, dependent=dependent, trace_number=trace,
        originator_id=originator, service_date=service_date,
    )  # fmt: skip


def eligibility_request(
    *,
    coverage: Any,
    service_date: date,
    actor: Any,
    appointment: Any = None,
    transport: Any = None,
) -> EligibilityCheck:
    """Write a 270 for the coverage on the service date and send it; returns the check (sent,
    or error with the transport's message)."""
    from medoffice.submission.transport import get_transport

    check_may_request(actor, coverage.patient_id)
    location_id = appointment.location_id if appointment is not None else None
    control = reserve_control_numbers()
    trace = f"EL{control.interchange:09d}"
    text = write_270(_inquiry(coverage, service_date, trace, location_id), _envelope(), control)
    with transaction.atomic():
        check = EligibilityCheck.objects.create(
            coverage=coverage, patient_id=coverage.patient_id, appointment=appointment,
            requested_by=actor, requested_at=timezone.now(), service_date=service_date,
            trace_number=trace, interchange_control=control.interchange,
            file_name=f"270-{control.interchange:09d}.x12", request_text=text,
        )  # fmt: skip
        audit_record(
            action="create", actor=actor, object_type="eligibility_check", object_id=check.pk,
            patient_id=coverage.patient_id,
            details={"trace": trace, "payer": coverage.payer.payer_id,
                     "service_date": service_date.isoformat(),
                     "appointment": appointment.pk if appointment is not None else None},
        )  # fmt: skip
    try:
        where = (transport or get_transport()).send(OutgoingFile(check.file_name, text))
    except Exception as exc:  # the transport's failure is the check's outcome, not a crash
        error = f"Could not send the 270: {type(exc).__name__}: {exc}"[:2000]
        EligibilityCheck.objects.filter(pk=check.pk, status=CheckStatus.QUEUED).update(
            status=CheckStatus.ERROR, error_text=error
        )
        check.status, check.error_text = CheckStatus.ERROR, error
        return check
    EligibilityCheck.objects.filter(pk=check.pk, status=CheckStatus.QUEUED).update(
        status=CheckStatus.SENT, sent_to=str(where)[:300]
    )
    check.status, check.sent_to = CheckStatus.SENT, str(where)[:300]
    return check
