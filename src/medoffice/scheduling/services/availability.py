"""Availability: expand templates into blocks, subtract time off and holidays, preview edits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import can, own_only, require_capability
from medoffice.core.permissions import Capability, Need
from medoffice.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AvailabilityBlock,
    AvailabilityTemplate,
    Holiday,
    Provider,
    TimeOff,
    overlapping,
)
from medoffice.scheduling.recurrence import occurrences

# How far ahead blocks are kept materialized; a nightly job rolls the horizon forward.
HORIZON_DAYS = 400


def _subtract(
    start: datetime, end: datetime, holes: Iterable[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    pieces = [(start, end)]
    for hole_start, hole_end in holes:
        next_pieces = []
        for s, e in pieces:
            if hole_end <= s or hole_start >= e:
                next_pieces.append((s, e))
                continue
            if s < hole_start:
                next_pieces.append((s, hole_start))
            if hole_end < e:
                next_pieces.append((hole_end, e))
        pieces = next_pieces
    return pieces


def compute_blocks(
    template: AvailabilityTemplate,
    window_start: date,
    window_end: date,
    *,
    time_off: list[tuple[datetime, datetime]],
    closed_days: set[date],
) -> list[AvailabilityBlock]:
    """The blocks a template yields in a window (not saved): occurrences minus holidays and time off."""
    blocks = []
    zone = template.location.time_zone
    for start, end in occurrences(
        template.rrule, starts_on=template.starts_on, ends_on=template.ends_on, start_time=template.start_time,
        end_time=template.end_time, zone_name=zone, window_start=window_start, window_end=window_end,
        exdates=template.exdates,
    ):  # fmt: skip
        if _local_day(start, zone) in closed_days:
            continue
        for s, e in _subtract(start, end, time_off):
            blocks.append(
                AvailabilityBlock(
                    provider_id=template.provider_id,
                    location_id=template.location_id,
                    template=template,
                    start=s,
                    end=e,
                    kind=template.kind,
                )
            )
    return blocks


def _local_day(moment: datetime, zone_name: str) -> date:
    import zoneinfo

    return moment.astimezone(zoneinfo.ZoneInfo(zone_name)).date()


def _closed_days(location_id: int, start: date, end: date) -> set[date]:
    return set(
        Holiday.objects.filter(date__gte=start, date__lte=end)
        .filter(Q(location__isnull=True) | Q(location_id=location_id))
        .values_list("date", flat=True)
    )


def _time_off(provider_id: int, start: date, end: date) -> list[tuple[datetime, datetime]]:
    lo = datetime.combine(
        start, datetime.min.time(), tzinfo=timezone.get_current_timezone()
    ) - timedelta(days=1)
    hi = datetime.combine(
        end, datetime.min.time(), tzinfo=timezone.get_current_timezone()
    ) + timedelta(days=2)
    return list(
        TimeOff.objects.filter(provider_id=provider_id, end__gt=lo, start__lt=hi).values_list(
            "start", "end"
        )
    )


def availability_materialize(
    *, provider_ids: Iterable[int] | None = None, start: date, end: date
) -> int:
    """Rebuild the blocks of these providers (all when None) for days start..end. Idempotent."""
    templates = AvailabilityTemplate.objects.filter(is_active=True).select_related("location")
    if provider_ids is not None:
        templates = templates.filter(provider_id__in=list(provider_ids))
    by_provider: dict[int, list[AvailabilityTemplate]] = {}
    for template in templates:
        by_provider.setdefault(template.provider_id, []).append(template)
    lo = datetime.combine(start, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    hi = datetime.combine(
        end + timedelta(days=1), datetime.min.time(), tzinfo=timezone.get_current_timezone()
    )
    made = 0
    with transaction.atomic():
        stale = AvailabilityBlock.objects.filter(start__gte=lo, start__lt=hi)
        if provider_ids is not None:
            stale = stale.filter(provider_id__in=list(provider_ids))
        stale.delete()
        for provider_id, provider_templates in by_provider.items():
            off = _time_off(provider_id, start, end)
            rows: list[AvailabilityBlock] = []
            for template in provider_templates:
                rows += compute_blocks(
                    template,
                    start,
                    end,
                    time_off=off,
                    closed_days=_closed_days(template.location_id, start, end),
                )
            AvailabilityBlock.objects.bulk_create(rows, batch_size=2000)
            made += len(rows)
    return made


def _require_scheduler(actor: Any) -> None:
    """Practice-wide changes (holidays) need the full scheduling right, not a clinician's own."""
    require_capability(actor, Capability.SCHEDULE, Need.EDIT)
    if own_only(actor, Capability.SCHEDULE, Need.EDIT):
        from medoffice.core.access import deny

        raise deny(
            actor, "Only schedulers change the practice's holidays.", capability=Capability.SCHEDULE
        )


def _may_edit_availability(actor: Any, provider: Provider) -> None:
    """Schedulers edit anyone's availability; a clinician edits only their own."""
    if can(actor, Capability.SCHEDULE, Need.EDIT) and not own_only(
        actor, Capability.SCHEDULE, Need.EDIT
    ):
        return
    require_capability(actor, Capability.SCHEDULE, Need.EDIT)
    if provider.user_id != actor.pk:
        from medoffice.core.access import deny

        raise deny(
            actor, "You can change only your own availability.", capability=Capability.SCHEDULE
        )


@dataclass
class TemplatePreview:
    """What saving a template change would do over the next weeks."""

    added_hours: float
    removed_hours: float
    days: list[dict[str, Any]] = field(default_factory=list)  # per day: before/after blocks
    stranded: list[Appointment] = field(default_factory=list)  # booked visits left outside hours


def template_preview(*, template: AvailabilityTemplate, weeks: int = 4) -> TemplatePreview:
    """Compare the blocks of the edited (unsaved) template with the saved ones."""
    start = timezone.localdate()
    end = start + timedelta(weeks=weeks)
    off = _time_off(template.provider_id, start, end)
    closed = _closed_days(template.location_id, start, end)
    after = (
        compute_blocks(template, start, end, time_off=off, closed_days=closed)
        if template.is_active
        else []
    )
    before: list[AvailabilityBlock] = []
    if template.pk:
        saved = AvailabilityTemplate.objects.select_related("location").get(pk=template.pk)
        before = (
            compute_blocks(saved, start, end, time_off=off, closed_days=closed)
            if saved.is_active
            else []
        )

    def hours(blocks: list[AvailabilityBlock]) -> float:
        return sum((b.end - b.start).total_seconds() for b in blocks) / 3600

    after_spans = [(b.start, b.end) for b in after]
    stranded = []
    if template.pk:
        booked = Appointment.objects.filter(
            provider_id=template.provider_id, location_id=template.location_id, status__in=ACTIVE_STATUSES,
            start__gte=timezone.now(), start__lt=datetime.combine(end, datetime.min.time(), tzinfo=timezone.get_current_timezone()),
        ).select_related("type", "patient")  # fmt: skip
        before_spans = [(b.start, b.end) for b in before]
        for appt in booked:
            was_inside = any(s <= appt.start and appt.end <= e for s, e in before_spans)
            still_inside = any(s <= appt.start and appt.end <= e for s, e in after_spans)
            if was_inside and not still_inside:
                stranded.append(appt)
    day_map: dict[date, dict[str, list[str]]] = {}
    for label, blocks in (("before", before), ("after", after)):
        for b in blocks:
            local = timezone.localtime(b.start)
            day_map.setdefault(local.date(), {"before": [], "after": []})[label].append(
                f"{local:%H:%M}-{timezone.localtime(b.end):%H:%M}"
            )
    days = [{"date": d, **v} for d, v in sorted(day_map.items()) if v["before"] != v["after"]]
    added = max(0.0, hours(after) - hours(before))
    removed = max(0.0, hours(before) - hours(after))
    return TemplatePreview(added_hours=added, removed_hours=removed, days=days, stranded=stranded)


def template_save(
    *, actor: Any, template: AvailabilityTemplate, reserved_type_ids: Iterable[int] | None = None
) -> AvailabilityTemplate:
    """Save a new or edited template and rebuild that provider's future blocks."""
    _may_edit_availability(actor, template.provider)
    template.full_clean()
    today = timezone.localdate()
    with transaction.atomic():
        created = template.pk is None
        template.save()
        if reserved_type_ids is not None:
            template.reserved_types.set(list(reserved_type_ids))
        availability_materialize(
            provider_ids=[template.provider_id],
            start=today,
            end=today + timedelta(days=HORIZON_DAYS),
        )
        audit_record(
            action="create" if created else "update", actor=actor, object_type="availability_template",
            object_id=template.pk, details={"provider": template.provider_id, "rule": template.rrule},
        )  # fmt: skip
    return template


def time_off_add(
    *, actor: Any, provider: Provider, start: datetime, end: datetime, reason: str = ""
) -> tuple[TimeOff, list[Appointment]]:
    """Record time off; returns the booked visits that now fall in it (to move or cancel)."""
    _may_edit_availability(actor, provider)
    if end <= start:
        raise ValidationError({"end": "Time off ends after it starts."})
    with transaction.atomic():
        off = TimeOff.objects.create(
            provider=provider, start=start, end=end, reason=reason[:200], created_by=actor
        )
        availability_materialize(
            provider_ids=[provider.pk],
            start=timezone.localdate(start) - timedelta(days=1),
            end=timezone.localdate(end) + timedelta(days=1),
        )
        audit_record(
            action="create",
            actor=actor,
            object_type="time_off",
            object_id=off.pk,
            details={"provider": provider.pk},
        )
    affected = list(
        Appointment.objects.filter(
            overlapping(start, end), provider=provider, status__in=ACTIVE_STATUSES
        ).select_related("patient", "type")
    )
    return off, affected


def holidays_load(
    *,
    actor: Any,
    years: Iterable[int],
    country: str = "US",
    subdivision: str | None = None,
    names: Mapping[str, bool] | None = None,
) -> int:
    """Add the public holidays of these years (from the `holidays` package) as closed days."""
    import holidays as holiday_calendars

    _require_scheduler(actor)
    calendar = holiday_calendars.country_holidays(country, subdiv=subdivision, years=list(years))
    rows = [
        Holiday(date=day, name=name[:100])
        for day, name in sorted(calendar.items())
        if names is None or names.get(name, True)
    ]
    with transaction.atomic():
        made = Holiday.objects.bulk_create(rows, ignore_conflicts=True)
        if rows:
            first, last = min(r.date for r in rows), max(r.date for r in rows)
            availability_materialize(start=max(first, timezone.localdate()), end=last)
        audit_record(
            action="update",
            actor=actor,
            object_type="holidays",
            details={"years": sorted(years), "added": len(made)},
        )
    return len(rows)
