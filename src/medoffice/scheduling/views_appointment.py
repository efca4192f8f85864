"""One appointment from the calendar: its panel (details and the times of each flow step),
moving it (drag and drop, or the keyboard's Move form), cancelling it, recording a no-show.
A drag's refusal comes back as a message (409 taken, 400 not allowed) and the card snaps back.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import AccessDenied, can, own_only, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.organization.models import Location
from medoffice.scheduling.calendar_grid import MOVABLE_STATUSES, STATUS_ICONS, zone_of
from medoffice.scheduling.forms_booking import CancelForm, MoveForm
from medoffice.scheduling.models import (
    Appointment,
)
from medoffice.scheduling.services.booking import (
    BookingConflict,
    appointment_cancel,
    appointment_reschedule,
)
from medoffice.scheduling.services.flow import NO_SHOW_GRACE, appointment_step
from medoffice.scheduling.views_calendar import GRID_TEMPLATE, grid_context
from medoffice.scheduling.views_panels import (
    FLOW_STAMPS,
    apply_errors,
    appointment_in_scope,
    is_htmx,
    location_scope,
    pick,
    providers_for,
    quiet,
    render_done,
    render_panel,
    require_own_schedule,
    return_target,
    rooms_for,
    when_label,
)

# --- one appointment --------------------------------------------------------------------------


def _detail_context(request: AuthedRequest, appointment: Appointment) -> dict[str, Any]:
    user = request.user
    may_edit = can(user, Capability.SCHEDULE, Need.EDIT)
    own = own_only(user, Capability.SCHEDULE, Need.EDIT)
    mine = appointment.provider.user_id == user.pk
    may_change = may_edit and (not own or mine)
    zone = zone_of(appointment.location)
    steps = [
        {"label": label, "at": getattr(appointment, name).astimezone(zone)}
        for name, label in FLOW_STAMPS
        if getattr(appointment, name)
    ]
    no_show_from = appointment.start + NO_SHOW_GRACE
    return {
        "appointment": appointment,
        "patient": appointment.patient,
        "when": when_label(appointment),
        "status_icon": STATUS_ICONS.get(appointment.status, ""),
        "steps": steps,
        "booked_at": appointment.created_at.astimezone(zone),
        "may_move": may_change and appointment.status in MOVABLE_STATUSES,
        "may_cancel": may_change and appointment.status in MOVABLE_STATUSES,
        "may_no_show": can(user, Capability.VISIT_FLOW, Need.EDIT)
        and appointment.status in MOVABLE_STATUSES,
        "no_show_ready": timezone.now() >= no_show_from,
        "no_show_from": no_show_from.astimezone(zone),
        "patient_url": _patient_url(appointment.patient_id),
    }


def _patient_url(patient_id: int) -> str:
    try:
        return reverse("patients:detail", args=[patient_id])
    except Exception:
        return ""


@requires(Capability.SCHEDULE)
def appointment_panel(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_in_scope(request.user, appointment_id)
    audit_record(
        action="view", actor=request.user, object_type="appointment", object_id=appointment.pk,
        patient_id=appointment.patient_id, patient_ref=appointment.patient.mrn,
    )  # fmt: skip
    return render_panel(
        request, "scheduling/partials/booking_detail.html", _detail_context(request, appointment)
    )


def _move_choices(request: AuthedRequest, appointment: Appointment, source: Any) -> dict:
    locations = location_scope(request.user)
    location_qs = Location.objects.filter(pk__in=[loc.pk for loc in locations]).order_by("name")
    location = pick(location_qs, source.get("location")) or appointment.location
    return {
        "locations": location_qs,
        "location": location,
        "providers": providers_for(request.user, location),
        "rooms": rooms_for(location),
    }


def _move_form(request: AuthedRequest, data: Any, choices: dict) -> MoveForm:
    return MoveForm(
        data,
        locations=choices["locations"],
        providers=choices["providers"],
        rooms=choices["rooms"],
        may_overbook=bool(getattr(request.user, "may_overbook", False)),
    )


def _move_initial(appointment: Appointment) -> dict[str, Any]:
    local = appointment.start.astimezone(zone_of(appointment.location))
    return {
        "location": appointment.location_id,
        "provider": appointment.provider_id,
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "version": appointment.version,
    }


@requires(Capability.SCHEDULE, Need.EDIT)
def appointment_move(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    """Move to another time, provider or room: from a drag and drop (source=drag: the grid is
    the target, a refusal becomes a message and the card goes back) or the Move form."""
    appointment = appointment_in_scope(request.user, appointment_id)
    drag = request.POST.get("source") == "drag"
    if request.method != "POST":
        choices = _move_choices(request, appointment, request.GET)
        data = {**_move_initial(appointment), **request.GET.dict()}
        form = _move_form(request, data, choices)
        form.is_valid()
        quiet(form)
        context = {
            "form": form,
            "appointment": appointment,
            "when": when_label(appointment),
            "quiet": True,
        }
        return render_panel(request, "scheduling/partials/booking_move.html", context)
    data = request.POST.copy()
    for name in ("location", "provider"):
        data.setdefault(name, str(getattr(appointment, f"{name}_id")))
    choices = _move_choices(request, appointment, data)
    form = _move_form(request, data, choices)
    status, message = 400, ""
    try:
        require_own_schedule(request.user, appointment)
    except AccessDenied as exc:
        status, message = 403, exc.message
    if status != 403 and form.is_valid():
        cleaned = form.cleaned_data
        try:
            result = appointment_reschedule(
                actor=request.user, appointment=appointment, start=form.start(),
                provider=cleaned["provider"], location_id=cleaned["location"].pk,
                room=cleaned.get("room"), version=cleaned["version"], overbook=bool(cleaned.get("overbook")),
            )  # fmt: skip
        except BookingConflict as exc:
            status, message = 409, exc.message
        except ValidationError as exc:
            apply_errors(form, exc)
        except AccessDenied as exc:
            status, message = 403, exc.message
        else:
            moved = Appointment.objects.select_related("location", "provider__user").get(
                pk=result.appointment.pk
            )
            when = when_label(moved)
            text = f"Moved to {when} with {moved.provider}."
            if result.warnings:
                text += " " + " ".join(result.warnings)
            if drag and is_htmx(request):
                view, query = return_target(request)
                context = grid_context(request, view, query)
                response = render(request, GRID_TEMPLATE, context)
                status_html = render_to_string(
                    "scheduling/partials/calendar_status.html",
                    {"oob": True, "message": text, "tone": "warn" if result.warnings else "ok"},
                )
                response.content += status_html.encode()
                return response
            context = {"appointment": moved, "when": when, "warnings": result.warnings}
            return render_done(
                request, "scheduling/partials/booking_moved.html", context, text, cleaned["date"]
            )
    if not message:
        message = (
            " ".join(str(e) for errors in form.errors.values() for e in errors)
            or "That move is not possible."
        )
    if drag and is_htmx(request):
        response = render(
            request,
            "scheduling/partials/calendar_status.html",
            {"message": message, "tone": "bad"},
            status=status,
        )
        response["HX-Retarget"] = "#cal-status"
        response["HX-Reswap"] = "outerHTML"
        return response
    if status in (403, 409):
        form.add_error(None, message)
    context = {"form": form, "appointment": appointment, "when": when_label(appointment)}
    return render_panel(request, "scheduling/partials/booking_move.html", context, status=status)


@requires(Capability.SCHEDULE, Need.EDIT)
def appointment_cancel_view(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_in_scope(request.user, appointment_id)
    if request.method != "POST":
        context = {
            "form": CancelForm(),
            "appointment": appointment,
            "when": when_label(appointment),
        }
        return render_panel(request, "scheduling/partials/booking_cancel.html", context)
    form = CancelForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            require_own_schedule(request.user, appointment)
            appointment = appointment_cancel(
                actor=request.user, appointment=appointment,
                reason=form.cleaned_data["reason"], cancelled_by=form.cleaned_data["cancelled_by"],
            )  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        except AccessDenied as exc:
            status = 403
            form.add_error(None, exc.message)
        else:
            when = when_label(appointment)
            context = {"appointment": appointment, "when": when}
            day = appointment.start.astimezone(zone_of(appointment.location)).date()
            return render_done(
                request, "scheduling/partials/booking_cancelled.html", context,
                f"Cancelled the appointment of {when}.", day,
            )  # fmt: skip
    context = {"form": form, "appointment": appointment, "when": when_label(appointment)}
    return render_panel(request, "scheduling/partials/booking_cancel.html", context, status=status)


@requires(Capability.VISIT_FLOW, Need.EDIT)
def appointment_no_show(request: AuthedRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_in_scope(request.user, appointment_id)
    if request.method != "POST":
        return redirect(
            f"{reverse('scheduling:appointment_panel', args=[appointment.pk])}?{request.GET.urlencode()}"
        )
    error = ""
    try:
        appointment = appointment_step(actor=request.user, appointment=appointment, step="no_show")
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except AccessDenied as exc:
        error = exc.message
    context = _detail_context(request, appointment)
    if error:
        context["error"] = error
        return render_panel(request, "scheduling/partials/booking_detail.html", context, status=400)
    day = appointment.start.astimezone(zone_of(appointment.location)).date()
    context["notice"] = "Recorded as a no-show."
    return render_done(
        request, "scheduling/partials/booking_detail.html", context, "Recorded as a no-show.", day
    )
