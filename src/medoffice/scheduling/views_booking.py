"""Booking from the calendar: the panel opened by clicking a free time (prefilled with the
provider, location and time), its patient search, and the booking itself. Field errors answer
400, a taken time 409 with the reason; warnings (coverage, authorization) show before and after.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from medoffice.audit.services import audit_record
from medoffice.core.access import AccessDenied, own_only, patient_access, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.organization.models import Location
from medoffice.patients.models import Patient
from medoffice.scheduling.calendar_grid import zone_abbreviation
from medoffice.scheduling.forms_booking import BookingForm
from medoffice.scheduling.models import (
    Appointment,
)
from medoffice.scheduling.services.booking import (
    BookingConflict,
    BookingRequest,
    appointment_book,
)
from medoffice.scheduling.views_panels import (
    apply_errors,
    location_scope,
    pick,
    providers_for,
    quiet,
    render_done,
    render_panel,
    rooms_for,
    types_for,
    when_label,
)

# --- booking ----------------------------------------------------------------------------------


def _booking_choices(request: AuthedRequest, source: Any) -> dict[str, Any]:
    """The form's choices follow what is already chosen: providers at the location, the types
    that provider offers, the rooms of the location."""
    locations = location_scope(request.user)
    location_qs = Location.objects.filter(pk__in=[loc.pk for loc in locations]).order_by("name")
    location = pick(location_qs, source.get("location")) or (
        location_qs.first() if len(locations) == 1 else None
    )
    providers = providers_for(request.user, location)
    provider = pick(providers, source.get("provider"))
    if provider is None and own_only(request.user, Capability.SCHEDULE, Need.EDIT):
        provider = providers.first()
    return {
        "locations": location_qs,
        "location": location,
        "providers": providers,
        "provider": provider,
        "types": types_for(provider),
        "rooms": rooms_for(location),
    }


PATIENT_FIELDS = ("id", "mrn", "family_name", "given_name", "preferred_name", "birth_date",
                  "phone_mobile", "phone_home", "status")  # fmt: skip


def _patient_summary(request: AuthedRequest, patient_id: Any) -> Patient | None:
    value = str(patient_id or "")
    if not value.isdigit() or len(value) > 9:
        return None
    patient = Patient.objects.only(*PATIENT_FIELDS).filter(pk=int(value)).first()
    if patient is None:
        return None
    patient_access(request.user, Capability.DEMOGRAPHICS, Need.VIEW, patient.pk)
    audit_record(
        action="view", actor=request.user, object_type="patient", object_id=patient.pk,
        patient_id=patient.pk, patient_ref=patient.mrn, details={"view": "booking_panel"},
    )  # fmt: skip
    return patient


def _warnings_before(request: AuthedRequest, form: BookingForm, patient: Patient | None) -> list:
    """Coverage and authorization warnings for what is chosen so far (shown before booking)."""
    from medoffice.scheduling import warnings

    if patient is None or not form.is_bound:
        return []
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    needed = ("type", "location", "date", "time")
    if not all(data.get(k) for k in needed):
        return []
    found = warnings.for_booking(patient_id=patient.pk, appt_type=data["type"], start=form.start())
    audit_record(
        action="view", actor=request.user, object_type="booking_check", patient_id=patient.pk,
        patient_ref=patient.mrn, details={"warnings": len(found)},
    )  # fmt: skip
    return found


def _booking_context(request: AuthedRequest, form: BookingForm, choices: dict) -> dict[str, Any]:
    patient = _patient_summary(request, form.data.get("patient") if form.is_bound else None)
    overbook_types = [t.pk for t in choices["types"] if t.allows_overbooking]
    chosen_type = choices["types"].filter(pk=_int(form.data.get("type"))).first()
    follow_up_id = _int(form.data.get("follow_up_of"))
    follow_up = None
    if follow_up_id and patient is not None:  # the visit this one follows, if it is theirs
        follow_up = (
            Appointment.objects.select_related("type", "provider__user")
            .filter(pk=follow_up_id, patient_id=patient.pk)
            .first()
        )
    return {
        "follow_up": follow_up,
        "form": form,
        "patient": patient,
        "provider": choices["provider"],
        "location": choices["location"],
        "chosen_type": chosen_type,
        "show_overbook": "overbook" in form.fields
        and chosen_type is not None
        and chosen_type.allows_overbooking,
        "overbook_types": overbook_types,
        "zone": _zone_label(form, choices["location"]),
    }


def _zone_label(form: BookingForm, location: Location | None) -> str:
    """EST or EDT (or CST...): the location's zone on the chosen day."""
    if location is None:
        return ""
    day = getattr(form, "cleaned_data", {}).get("date") or timezone.localdate()
    return zone_abbreviation(location, day)


def _int(value: Any) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _booking_form(request: AuthedRequest, data: Any, choices: dict) -> BookingForm:
    return BookingForm(
        data,
        locations=choices["locations"],
        providers=choices["providers"],
        rooms=choices["rooms"],
        types=choices["types"],
        may_overbook=bool(getattr(request.user, "may_overbook", False)),
    )


@requires(Capability.SCHEDULE, Need.EDIT)
def book(request: AuthedRequest) -> HttpResponse:
    """GET: the booking panel, prefilled from the slot clicked (and re-rendered as choices
    change, with warnings once patient, type and time are known). POST: book."""
    source = request.POST if request.method == "POST" else request.GET
    choices = _booking_choices(request, source)
    data = source.copy()
    # Fill in what the person did not choose (the only location, a clinician's own column);
    # never replace what they did choose, even when it is not theirs to choose.
    for name in ("location", "provider"):
        if not source.get(name) and choices[name] is not None:
            data[name] = str(choices[name].pk)
    if not source.get("type") and source.get("visit_type"):  # from the desk's follow-up links
        data["type"] = source["visit_type"]
    form = _booking_form(request, data, choices)
    if request.method != "POST":
        form.is_valid()  # to read what is chosen so far (for the warnings)
        context = _booking_context(request, form, choices)
        context["warnings"] = _warnings_before(request, form, context["patient"])
        quiet(form)
        context["quiet"] = True
        query = source.get("q", "").strip()[:200]
        if query and context["patient"] is None:  # the Search button, without JavaScript
            context.update(query=query, result=_search(request, query))
        return render_panel(request, "scheduling/partials/booking_form.html", context)
    if not form.is_valid():
        context = _booking_context(request, form, choices)
        return render_panel(request, "scheduling/partials/booking_form.html", context, status=400)
    data = form.cleaned_data
    overbook = bool(data.get("overbook")) and data["type"].allows_overbooking
    booking = BookingRequest(
        patient_id=data["patient"], type=data["type"], provider=data["provider"],
        location_id=data["location"].pk, start=form.start(), room=data.get("room"),
        reason=data.get("reason", ""), front_desk_note=data.get("front_desk_note", ""),
        overbook=overbook, outside_hours=bool(data.get("outside_hours")),
    )  # fmt: skip
    status, conflict = 400, ""
    try:
        if not Patient.objects.filter(pk=booking.patient_id).exists():
            raise ValidationError({"patient": "Choose the patient from the search results."})
        result = appointment_book(actor=request.user, request=booking)
    except BookingConflict as exc:
        status, conflict = 409, exc.message
    except ValidationError as exc:
        apply_errors(form, exc)
    except AccessDenied as exc:
        status = 403
        form.add_error(None, exc.message)
    else:
        appointment = result.appointment
        context = {
            "appointment": appointment,
            "warnings": result.warnings,
            "when": when_label(Appointment.objects.select_related("location").get(pk=appointment.pk)),
            "provider": booking.provider,
            "patient_name": _patient_name(appointment.patient_id),
            "again_query": urlencode(
                {"location": booking.location_id, "provider": booking.provider.pk,
                 "date": data["date"].isoformat(), "time": data["time"].strftime("%H:%M")}
            ),
        }  # fmt: skip
        context["warnings"] = [*result.warnings, *_link_referral(request, form, appointment)]
        message = f"Booked {context['patient_name']}, {context['when']}."
        if context["warnings"]:
            message += " " + " ".join(context["warnings"])
        return render_done(
            request, "scheduling/partials/booking_done.html", context, message, data["date"]
        )
    context = _booking_context(request, form, choices)
    context["conflict"] = conflict
    return render_panel(request, "scheduling/partials/booking_form.html", context, status=status)


def _link_referral(request: AuthedRequest, form: BookingForm, appointment: Appointment) -> list:
    """Opened from a referral ("Book" on it): the new visit becomes the referral's. The booking
    stands even if the link is refused; the refusal is said with the warnings."""
    from medoffice.referrals.models import Referral
    from medoffice.referrals.services import referral_link_appointment

    referral_id = form.cleaned_data.get("referral")
    if not referral_id:
        return []
    referral = Referral.objects.filter(pk=referral_id, patient_id=appointment.patient_id).first()
    if referral is None:
        return ["The referral was not linked: it is not this patient's."]
    try:
        referral_link_appointment(actor=request.user, referral=referral, appointment=appointment)
    except (ValidationError, AccessDenied) as exc:
        text = exc.message if isinstance(exc, AccessDenied) else " ".join(exc.messages)
        return [f"The referral was not linked: {text}"]
    return []


def _patient_name(patient_id: int) -> str:
    p = Patient.objects.only("family_name", "given_name").get(pk=patient_id)
    return f"{p.given_name} {p.family_name}"


@requires(Capability.SCHEDULE, Need.EDIT)
def booking_patients(request: AuthedRequest) -> HttpResponse:
    """Patient search inside the booking panel: the registry's search, shown as choices."""
    query = request.GET.get("q", "").strip()[:200]
    return render(
        request,
        "scheduling/partials/booking_patients.html",
        {"query": query, "result": _search(request, query)},
    )


def _search(request: AuthedRequest, query: str) -> Any:
    from medoffice.patients.search import patient_search

    if len(query) < 2:
        return None
    return patient_search(actor=request.user, query=query, limit=8, view="booking_search")
