"""Writes of the scheduling setup pages: providers, rooms, equipment, visit types, opening
hours, holidays, and removing time off. (Templates, time off and loading holidays are
availability.py's.)

Setup belongs to the schedulers: people whose role edits the whole schedule (office manager,
front desk). A clinician's "own" schedule rights cover their own hours and time off only, so
these refuse them, like any other role without the edit right. Each write is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import can, deny, own_only, require_capability
from medoffice.core.permissions import Capability, Need, RoleCode
from medoffice.organization.models import Location
from medoffice.scheduling.models import (
    AppointmentType,
    Equipment,
    Holiday,
    LocationHours,
    Provider,
    Room,
    TimeOff,
)
from medoffice.scheduling.services.availability import availability_materialize


def is_scheduler(actor: Any) -> bool:
    return can(actor, Capability.SCHEDULE, Need.EDIT) and not own_only(
        actor, Capability.SCHEDULE, Need.EDIT
    )


def require_scheduler(actor: Any) -> None:
    require_capability(actor, Capability.SCHEDULE, Need.EDIT)
    if not is_scheduler(actor):
        raise deny(
            actor,
            "Only schedulers change the practice's setup; you can change your own hours and time off.",
            capability=Capability.SCHEDULE,
        )


def _save(obj: Model, *, actor: Any, object_type: str, details: Mapping[str, Any] | None = None,
          after: Any = None) -> None:  # fmt: skip
    """Validate, save (a unique constraint caught late becomes a form error), audit."""
    obj.full_clean()
    created = obj.pk is None
    try:
        with transaction.atomic():
            obj.save()
            if after is not None:
                after()
            audit_record(
                action="create" if created else "update", actor=actor, object_type=object_type,
                object_id=obj.pk, details=dict(details or {}),
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError(
            "Another entry with the same name or date is already on file."
        ) from None


def provider_save(
    *,
    actor: Any,
    provider: Provider,
    location_ids: Iterable[int],
    department_ids: Iterable[int],
) -> Provider:
    """Create or edit a provider: a clinician user with an NPI (Luhn-checked by the model)."""
    require_scheduler(actor)
    user = provider.user
    if not user.is_active or RoleCode.CLINICIAN.value not in set(user.role_codes()):
        raise ValidationError({"user": "Providers are active users with the clinician role."})
    clash = Provider.objects.filter(user_id=user.pk).exclude(pk=provider.pk).exists()
    if clash:
        raise ValidationError({"user": "That person is already a provider."})
    locations, departments = list(location_ids), list(department_ids)

    def links() -> None:
        provider.locations.set(locations)
        provider.departments.set(departments)

    _save(provider, actor=actor, object_type="provider", details={"npi": provider.npi}, after=links)
    return provider


def room_save(*, actor: Any, room: Room) -> Room:
    require_scheduler(actor)
    _save(room, actor=actor, object_type="room", details={"name": room.name, "kind": room.kind})
    return room


def equipment_save(*, actor: Any, equipment: Equipment) -> Equipment:
    require_scheduler(actor)
    equipment.kind = (equipment.kind or "").strip().lower()
    _save(equipment, actor=actor, object_type="equipment", details={"kind": equipment.kind})
    return equipment


def appointment_type_save(
    *, actor: Any, appt_type: AppointmentType, allowed_provider_ids: Iterable[int]
) -> AppointmentType:
    require_scheduler(actor)
    appt_type.equipment_kinds = sorted(
        {k.strip().lower() for k in appt_type.equipment_kinds or [] if k.strip()}
    )
    appt_type.service_codes = list(
        dict.fromkeys(c.strip().upper() for c in appt_type.service_codes or [] if c.strip())
    )
    unknown = _unknown_codes(appt_type.service_codes)
    if unknown:
        raise ValidationError({"service_codes": f"Not in the code table: {', '.join(unknown)}."})
    allowed = list(allowed_provider_ids)
    _save(
        appt_type, actor=actor, object_type="appointment_type", details={"code": appt_type.code},
        after=lambda: appt_type.allowed_providers.set(allowed),
    )  # fmt: skip
    return appt_type


def _unknown_codes(codes: list[str]) -> list[str]:
    from medoffice.coding.models import ProcedureCode

    known = set(ProcedureCode.objects.filter(code__in=codes).values_list("code", flat=True))
    return [c for c in codes if c not in known]


def location_hours_save(
    *, actor: Any, location: Location, hours: Mapping[int, tuple[time, time] | None]
) -> list[LocationHours]:
    """Replace a location's opening hours: weekday (0 = Monday) -> (opens, closes), or None
    for closed. All seven days at once, so a week is never half saved."""
    require_scheduler(actor)
    errors = {
        f"day_{day}": "Closing comes after opening."
        for day, span in hours.items()
        if span is not None and span[1] <= span[0]
    }
    if errors or set(hours) - set(range(7)):
        raise ValidationError(errors or "Weekdays are 0 (Monday) to 6.")
    rows = [
        LocationHours(location=location, weekday=day, opens=span[0], closes=span[1])
        for day, span in sorted(hours.items())
        if span is not None
    ]
    with transaction.atomic():
        LocationHours.objects.filter(location=location).delete()
        LocationHours.objects.bulk_create(rows)
        audit_record(
            action="update", actor=actor, object_type="location_hours", object_id=location.pk,
            details={"open_days": [r.weekday for r in rows]},
        )  # fmt: skip
    return rows


def _rebuild_day(day: date) -> None:
    """Holidays cut whole days out of every provider's blocks: rebuild the day if it is ahead."""
    if day >= timezone.localdate():
        availability_materialize(start=day, end=day)


def holiday_save(*, actor: Any, holiday: Holiday) -> Holiday:
    require_scheduler(actor)
    before = Holiday.objects.filter(pk=holiday.pk).values_list("date", flat=True).first()
    holiday.name = (holiday.name or "").strip()

    def rebuild() -> None:
        for day in {holiday.date, before} - {None}:
            _rebuild_day(day)

    _save(
        holiday,
        actor=actor,
        object_type="holiday",
        details={"date": holiday.date.isoformat()},
        after=rebuild,
    )
    return holiday


def holiday_delete(*, actor: Any, holiday: Holiday) -> None:
    require_scheduler(actor)
    with transaction.atomic():
        day, pk = holiday.date, holiday.pk
        holiday.delete()
        _rebuild_day(day)
        audit_record(action="delete", actor=actor, object_type="holiday", object_id=pk,
                     details={"date": day.isoformat()})  # fmt: skip


def time_off_remove(*, actor: Any, time_off: TimeOff) -> None:
    """Take back time off (the provider is available again); a clinician only their own."""
    require_capability(actor, Capability.SCHEDULE, Need.EDIT)
    if not is_scheduler(actor) and time_off.provider.user_id != actor.pk:
        raise deny(actor, "You can change only your own time off.", capability=Capability.SCHEDULE)
    start = timezone.localdate(time_off.start) - timedelta(days=1)
    end = timezone.localdate(time_off.end) + timedelta(days=1)
    with transaction.atomic():
        pk, provider_id = time_off.pk, time_off.provider_id
        time_off.delete()
        if end >= timezone.localdate():
            availability_materialize(
                provider_ids=[provider_id], start=max(start, timezone.localdate()), end=end
            )
        audit_record(action="delete", actor=actor, object_type="time_off", object_id=pk,
                     details={"provider": provider_id})  # fmt: skip
