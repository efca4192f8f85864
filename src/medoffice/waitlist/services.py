"""Putting patients on the waitlist and taking them off (the front desk's side)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import deny, own_only, require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.waitlist.models import (
    EntryStatus,
    OfferStatus,
    TimeOfDay,
    WaitlistEntry,
    WaitlistOffer,
)


def _require_edit(actor: Any, provider: Any) -> None:
    """Schedulers manage anyone's waitlist; a clinician only entries for themselves."""
    require_capability(actor, Capability.SCHEDULE, Need.EDIT)
    if own_only(actor, Capability.SCHEDULE, Need.EDIT) and (
        provider is None or provider.user_id != actor.pk
    ):
        raise deny(actor, "You can manage only your own waitlist.", capability=Capability.SCHEDULE)


def waitlist_entry_add(
    *,
    actor: Any,
    patient: Any,
    appointment_type: Any,
    earliest_date: date,
    latest_date: date | None = None,
    provider: Any = None,
    location: Any = None,
    weekdays: Iterable[int] = (),
    times_of_day: Iterable[str] = (),
    note: str = "",
) -> WaitlistEntry:
    _require_edit(actor, provider)
    errors: dict[str, str] = {}
    if patient.status != "active" or patient.merged_into_id:
        errors["patient"] = "Only active patients can wait for an appointment."
    if not appointment_type.is_active:
        errors["appointment_type"] = f"{appointment_type} is no longer offered."
    allowed = set(appointment_type.allowed_providers.values_list("pk", flat=True))
    if provider is not None and allowed and provider.pk not in allowed:
        errors["provider"] = f"{provider} does not see {appointment_type} visits."
    if (
        provider is not None
        and location is not None
        and not provider.locations.filter(pk=location.pk).exists()
    ):
        errors["location"] = f"{provider} does not work at {location}."
    if latest_date and latest_date < earliest_date:
        errors["latest_date"] = "The latest date is before the earliest."
    if latest_date and latest_date < timezone.localdate():
        errors["latest_date"] = "The latest date has passed."
    days = sorted({int(d) for d in weekdays})
    if any(not 0 <= d <= 6 for d in days):
        errors["weekdays"] = "Days are 0 (Monday) to 6 (Sunday)."
    times = sorted(set(times_of_day))
    if set(times) - set(TimeOfDay.values):
        errors["times_of_day"] = "Choose morning, afternoon or evening."
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                patient=patient, appointment_type=appointment_type, provider=provider, location=location,
                earliest_date=earliest_date, latest_date=latest_date, weekdays=days, times_of_day=times,
                note=note.strip()[:300], created_by=actor,
            )  # fmt: skip
            audit_record(
                action="create", actor=actor, object_type="waitlist_entry", object_id=entry.pk,
                patient_id=patient.pk, details={"type": appointment_type.pk, "provider": provider.pk if provider else None},
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError(
            {"appointment_type": "This patient is already waiting for this kind of visit."}
        ) from None
    return entry


def waitlist_entry_remove(*, actor: Any, entry: WaitlistEntry, reason: str) -> WaitlistEntry:
    """Take a patient off the waitlist; an open offer is withdrawn with it."""
    _require_edit(actor, entry.provider)
    reason = (reason or "").strip() or "Removed by the front desk"
    with transaction.atomic():
        changed = WaitlistEntry.objects.filter(
            pk=entry.pk, status__in=[EntryStatus.ACTIVE, EntryStatus.OFFERED]
        ).update(status=EntryStatus.REMOVED, removed_reason=reason[:200])
        if not changed:
            raise ValidationError("This patient is no longer waiting.")
        WaitlistOffer.objects.filter(entry=entry, status=OfferStatus.SENT).update(
            status=OfferStatus.WITHDRAWN, responded_at=timezone.now()
        )
        audit_record(
            action="update", actor=actor, object_type="waitlist_entry", object_id=entry.pk,
            patient_id=entry.patient_id, reason=reason, details={"status": "removed"},
        )  # fmt: skip
    entry.refresh_from_db()
    return entry
