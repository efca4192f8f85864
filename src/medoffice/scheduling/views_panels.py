"""What the calendar's side panels share: rendering a panel (an htmx partial, or a page of
its own without JavaScript), re-rendering the grid after a change (an out-of-band swap), and
the choices a person may book with (their locations, the providers they book for)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string

from medoffice.core.access import deny, own_only
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.organization.models import Location
from medoffice.scheduling.calendar_grid import DASH
from medoffice.scheduling.models import (
    Appointment,
    AppointmentType,
    Provider,
    Room,
)
from medoffice.scheduling.selectors_calendar import (
    visible_locations,
    zone_of,
)
from medoffice.scheduling.views_calendar import GRID_TEMPLATE, calendar_url, grid_context, parse_day

PAGE_TEMPLATE = "scheduling/booking_page.html"
# Flow steps in the order a visit goes through them, for the detail panel.
FLOW_STAMPS = (
    ("confirmed_at", "Confirmed"),
    ("arrived_at", "Checked in"),
    ("roomed_at", "Roomed"),
    ("provider_at", "With provider"),
    ("checked_out_at", "Checked out"),
    ("completed_at", "Completed"),
    ("no_show_at", "No-show recorded"),
    ("cancelled_at", "Cancelled"),
)


# --- helpers ----------------------------------------------------------------------------------


def is_htmx(request: AuthedRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def return_target(request: AuthedRequest) -> tuple[str, QueryDict]:
    """The calendar the panel was opened from (view and query), to re-render it after a change."""
    source = request.POST if request.method == "POST" else request.GET
    view = "week" if source.get("view") == "week" else "day"
    query = QueryDict(source.get("return", "")[:2000])
    return view, query


def render_panel(
    request: AuthedRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The panel alone for htmx, or inside a page of its own without JavaScript."""
    view, query = return_target(request)
    context.setdefault("return_view", view)
    context.setdefault("return_query", query.urlencode())
    context.setdefault(
        "back_url", calendar_url(view, parse_day(query.get("date")), filters_of(query))
    )
    if is_htmx(request):
        return render(request, template, context, status=status)
    return render(request, PAGE_TEMPLATE, {**context, "panel_template": template}, status=status)


def filters_of(query: QueryDict) -> Any:
    from medoffice.scheduling.calendar_grid import CalendarFilters

    return CalendarFilters.from_query(query)


def grid_oob(request: AuthedRequest) -> str:
    """The calendar grid re-rendered for an out-of-band swap (when opened from the calendar)."""
    view, query = return_target(request)
    if not query.get("date"):
        return ""
    context = grid_context(request, view, query)
    return render_to_string(GRID_TEMPLATE, {**context, "oob": True}, request=request)


def render_done(
    request: AuthedRequest, template: str, context: dict[str, Any], message: str, day: Any
) -> HttpResponse:
    """After a change: the panel's confirmation plus the fresh grid (htmx), or back to the day."""
    if is_htmx(request):
        response = render_panel(request, template, context)
        response.content += grid_oob(request).encode()
        return response
    messages.success(request, message)
    view, query = return_target(request)
    filters = filters_of(query)
    return redirect(calendar_url(view, day, filters))


def location_scope(user: Any) -> list[Location]:
    return visible_locations(user)


def providers_for(user: Any, location: Location | None) -> Any:
    """Providers this person may book for at this location (a clinician: only themselves)."""
    qs = Provider.objects.filter(is_active=True).select_related("user")
    if location is not None:
        qs = qs.filter(locations=location)
    if own_only(user, Capability.SCHEDULE, Need.EDIT):
        qs = qs.filter(user=user)
    return qs.order_by("user__last_name", "user__first_name")


def types_for(provider: Provider | None) -> Any:
    qs = AppointmentType.objects.filter(is_active=True)
    if provider is not None:
        qs = qs.filter(Q(allowed_providers=None) | Q(allowed_providers=provider)).distinct()
    return qs.order_by("name")


def rooms_for(location: Location | None) -> Any:
    if location is None:
        return Room.objects.none()
    return Room.objects.filter(location=location, is_active=True).order_by("name")


def pick(queryset: Any, value: Any) -> Any:
    """The object with this id from the queryset, or None (ids from the URL are untrusted)."""
    value = str(value or "").strip()
    if not value.isdigit() or len(value) > 9:
        return None
    return queryset.filter(pk=int(value)).first()


def appointment_in_scope(user: Any, appointment_id: int) -> Appointment:
    """The appointment, if it is at a location this person sees (404 otherwise)."""
    location_ids = [loc.pk for loc in location_scope(user)]
    appointment = (
        Appointment.objects.select_related("patient", "type", "provider__user", "location", "room")
        .filter(pk=appointment_id, location_id__in=location_ids)
        .first()
    )
    if appointment is None:
        raise Http404("No such appointment")
    return appointment


def require_own_schedule(user: Any, appointment: Appointment) -> None:
    """Clinicians change only their own schedule (the matrix's "O")."""
    if own_only(user, Capability.SCHEDULE, Need.EDIT) and appointment.provider.user_id != user.pk:
        raise deny(
            user,
            "You can change only your own schedule.",
            capability=Capability.SCHEDULE,
            object_type="appointment",
            object_id=str(appointment.pk),
        )


def quiet(form: Any) -> None:
    """A panel opened with some choices made: show them, without complaining yet about the
    ones still missing (the errors would also mark the fields aria-invalid)."""
    form._errors = ErrorDict()


def apply_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def when_label(appointment: Appointment) -> str:
    zone = zone_of(appointment.location)
    start, end = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
    return f"{start:%a %b} {start.day}, {start:%-I:%M} {DASH} {end:%-I:%M %p} {start.tzname()}"
