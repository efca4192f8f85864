"""The calendar pages: the day (columns per provider or room), a week of one provider or room,
the printable day sheet, and the colours stylesheet the cards use."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from medoffice.audit.models import AuditAction
from medoffice.audit.services import audit_patients_shown, audit_record, audit_record_many
from medoffice.core.access import authenticated, can, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.organization.models import Department
from medoffice.scheduling.calendar_grid import (
    DEFAULT_STATUSES,
    STATUS_ICONS,
    CalendarDay,
    CalendarFilters,
    CalendarWeek,
)
from medoffice.scheduling.calendar_html import render_cards
from medoffice.scheduling.models import AppointmentStatus, AppointmentType, Provider, Room
from medoffice.scheduling.selectors_calendar import calendar_day
from medoffice.scheduling.selectors_calendar_week import calendar_week

GRID_TEMPLATE = "scheduling/partials/calendar_grid.html"
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def parse_day(value: str | None) -> date:
    """A date from the URL (YYYY-MM-DD); today in the practice's zone when missing or wrong."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return timezone.localdate()


def calendar_url(
    view: str, day: date, filters: CalendarFilters, extra: list[tuple[str, str]] | None = None
) -> str:
    name = "scheduling:calendar_week" if view == "week" else "scheduling:calendar_day"
    items = [("date", day.isoformat()), *filters.query_items(), *(extra or [])]
    return f"{reverse(name)}?{urlencode(items)}"


# What other pages hand the calendar for its booking panel (the desk's follow-up links, a
# referral's "Book"): kept while the person looks for a free time, passed on when they click one.
BOOKING_CONTEXT = ("patient", "visit_type", "follow_up_of", "referral")


def _booking_context_items(request: AuthedRequest) -> list[tuple[str, str]]:
    if not can(request.user, Capability.SCHEDULE, Need.EDIT):
        return []
    items = []
    for name in BOOKING_CONTEXT:
        value = request.GET.get(name, "")
        if value.isdigit() and len(value) < 10:
            items.append((name, value))
    return items


def _booking_for(request: AuthedRequest, items: list[tuple[str, str]]) -> Any:
    """The patient a free time is being looked for (named in a banner; a read, so audited)."""
    from medoffice.core.access import patient_access
    from medoffice.patients.models import Patient

    patient_id = dict(items).get("patient")
    if not patient_id:
        return None
    patient = (
        Patient.objects.only("id", "mrn", "family_name", "given_name")
        .filter(pk=int(patient_id))
        .first()
    )
    if patient is None:
        return None
    patient_access(request.user, Capability.DEMOGRAPHICS, Need.VIEW, patient.pk)
    audit_record(
        action="view", actor=request.user, object_type="patient", object_id=patient.pk,
        patient_id=patient.pk, patient_ref=patient.mrn, details={"view": "calendar_booking_for"},
    )  # fmt: skip
    return patient


def _types() -> list[AppointmentType]:
    return list(
        AppointmentType.objects.filter(is_active=True)
        .only("id", "name", "color", "duration_minutes")
        .order_by("name")
    )


def _colors_version(types: list[AppointmentType], providers: list[Provider]) -> str:
    """Changes when a colour changes, so the browser may keep the stylesheet meanwhile."""
    text = "|".join(f"t{t.pk}{t.color}" for t in types) + "|".join(
        f"p{p.pk}{p.color}" for p in providers
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _status_legend() -> list[dict[str, str]]:
    return [
        {"value": s.value, "label": s.label, "icon": STATUS_ICONS[s.value]}
        for s in AppointmentStatus
        if s.value != AppointmentStatus.RESCHEDULED
    ]


def grid_context(request: AuthedRequest, view: str, query: QueryDict) -> dict[str, Any]:
    """What the grid partial needs, for the pages and for the re-render after a change.

    Every render shows patients, so every render is recorded in the audit log (one batch).
    """
    filters = CalendarFilters.from_query(query)
    day = parse_day(query.get("date"))
    cal: CalendarDay | CalendarWeek
    if view == "week":
        cal = calendar_week(request.user, day, filters)
        shown_day = cal.start
    else:
        cal = calendar_day(request.user, day, filters)
        shown_day = day
    render_cards(cal.columns)
    refs = cal.patient_refs
    if refs:
        audit_patients_shown(
            patient_ids=list(refs), patient_refs=refs, view=f"calendar_{view}", actor=request.user
        )
    return_query = urlencode([("date", shown_day.isoformat()), *filters.query_items()])
    return {
        "focus_minute": _focus_minute(cal, shown_day if view == "day" else None),
        "cal": cal,
        "view": view,
        "day": shown_day,
        "filters": filters,
        "return_query": return_query,
        "may_book": can(request.user, Capability.SCHEDULE, Need.EDIT),
        "today": timezone.localdate(),
    }


def _focus_minute(cal: CalendarDay | CalendarWeek, day: date | None) -> int:
    """Where the grid opens scrolled to: an hour before now on today's page, else a little
    before the first visit (or the first open hours)."""
    if day is not None and day == timezone.localdate():
        now = timezone.localtime()
        return now.hour * 60 + now.minute - 60
    starts = [c.start_minute for c in cal.cards] or [
        s.start_minute for col in cal.columns for s in col.slices if s.kind != "off"
    ]
    return min(starts) - 30 if starts else cal.axis.start_minute


def _page_context(request: AuthedRequest, view: str) -> dict[str, Any]:
    context = grid_context(request, view, request.GET)
    cal, filters, day = context["cal"], context["filters"], context["day"]
    types = _types()
    step = timedelta(days=7 if view == "week" else 1)
    booking_items = _booking_context_items(request)
    departments = list(
        Department.objects.filter(is_active=True, locations__in=[loc.pk for loc in cal.locations])
        .distinct()
        .order_by("name")
    )
    rooms = list(
        Room.objects.filter(is_active=True, location__in=[loc.pk for loc in cal.locations])
        .select_related("location")
        .order_by("location__name", "name")
    )
    one_provider = filters.provider_ids[0] if len(filters.provider_ids) == 1 else None
    narrowed = [filters.location_ids, filters.department_ids, filters.type_ids, filters.statuses]
    if view == "day":  # in the week, the provider or room is what the page is about
        narrowed += [filters.provider_ids, filters.room_ids]
    context.update(
        filters_active=any(narrowed),
        types=types,
        departments=departments,
        rooms=rooms,
        statuses=_status_legend(),
        default_statuses=DEFAULT_STATUSES,
        colors_version=_colors_version(types, cal.providers),
        prev_url=calendar_url(view, day - step, filters, booking_items),
        next_url=calendar_url(view, day + step, filters, booking_items),
        today_url=calendar_url(view, timezone.localdate(), filters, booking_items),
        booking_items=booking_items,
        book_extra=urlencode(booking_items),
        booking_for=_booking_for(request, booking_items),
        day_url=calendar_url("day", day, filters),
        print_url=f"{reverse('scheduling:calendar_day_print')}?{context['return_query']}",
        one_provider=one_provider,
        by_provider_url=calendar_url(view, day, _switch_by(filters, "provider")),
        by_room_url=calendar_url("day", day, _switch_by(filters, "room")),
    )
    if view == "day":
        week_filters = None
        if one_provider:
            week_filters = CalendarFilters(provider_ids=(one_provider,))
        elif filters.by == "room" and len(filters.room_ids) == 1:
            week_filters = CalendarFilters(by="room", room_ids=filters.room_ids)
        context["week_url"] = calendar_url("week", day, week_filters) if week_filters else ""
    return context


def _switch_by(filters: CalendarFilters, by: str) -> CalendarFilters:
    return CalendarFilters(
        location_ids=filters.location_ids, department_ids=filters.department_ids,
        provider_ids=filters.provider_ids, type_ids=filters.type_ids, statuses=filters.statuses, by=by,
    )  # fmt: skip


@requires(Capability.SCHEDULE)
@require_GET
def day(request: AuthedRequest) -> HttpResponse:
    context = _page_context(request, "day")
    if request.headers.get("HX-Request") and request.GET.get("partial") == "grid":
        return render(request, GRID_TEMPLATE, context)
    return render(request, "scheduling/calendar_day.html", context)


@requires(Capability.SCHEDULE)
@require_GET
def week(request: AuthedRequest) -> HttpResponse:
    context = _page_context(request, "week")
    cal: CalendarWeek = context["cal"]
    context["week_days"] = cal.days
    context["week_end"] = cal.start + timedelta(days=6)
    return render(request, "scheduling/calendar_week.html", context)


@requires(Capability.SCHEDULE)
@require_GET
def day_print(request: AuthedRequest) -> HttpResponse:
    """The day sheet: a plain list per provider, for the printer; recorded as a print of each
    patient on it."""
    filters = CalendarFilters.from_query(request.GET)
    filters = _switch_by(filters, "provider")
    shown = parse_day(request.GET.get("date"))
    cal = calendar_day(request.user, shown, filters)
    sheets = [
        {"column": column, "cards": sorted(column.cards, key=lambda c: (c.start, c.id))}
        for column in cal.columns
    ]
    refs = cal.patient_refs
    if refs:
        audit_record_many(
            {
                "action": AuditAction.PRINT, "actor": request.user, "object_type": "appointment",
                "object_id": card.id, "patient_id": card.patient_id, "patient_ref": card.mrn,
                "details": {"view": "calendar_day_print", "date": shown.isoformat()},
            }
            for card in cal.cards
        )  # fmt: skip
    context = {
        "cal": cal,
        "day": shown,
        "sheets": sheets,
        "back_url": calendar_url("day", shown, filters),
        "printed_at": timezone.localtime(),
    }
    return render(request, "scheduling/calendar_print.html", context)


@authenticated
@require_GET
def colors_css(request: AuthedRequest) -> HttpResponse:
    """Appointment-type and provider colours as CSS custom properties (the CSP forbids style
    attributes, so each colour becomes a class). No patient data; cached by version."""
    lines = [
        f".type-{pk}{{--type:{color}}}"
        for pk, color in AppointmentType.objects.values_list("pk", "color")
        if HEX.match(color or "")
    ]
    lines += [
        f".prov-{pk}{{--prov:{color}}}"
        for pk, color in Provider.objects.values_list("pk", "color")
        if HEX.match(color or "")
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=86400"
    return response
