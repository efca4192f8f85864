"""Scheduling setup pages (for schedulers): providers, rooms and equipment, visit types, opening
hours. Everyone who sees the schedule may read the setup; the services let only schedulers
(office manager, front desk) change it. Availability, time off and holidays are in
views_setup_availability.py."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from medoffice.core.access import requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.organization.models import Location
from medoffice.patients.views_common import add_service_errors
from medoffice.scheduling.forms_setup import (
    DAY_NAMES,
    AppointmentTypeForm,
    EquipmentForm,
    LocationHoursForm,
    ProviderForm,
    RoomForm,
)
from medoffice.scheduling.models import (
    AppointmentType,
    AvailabilityTemplate,
    Equipment,
    Holiday,
    LocationHours,
    Provider,
    Room,
)
from medoffice.scheduling.services import setup

S = Capability.SCHEDULE


def form_page(
    request: AuthedRequest,
    form: forms.BaseForm,
    *,
    title: str,
    back: str,
    save: Callable[[], Any],
    done: str,
    extra: dict[str, Any] | None = None,
    template: str = "scheduling/setup_form.html",
) -> HttpResponse:
    """GET shows the form (read-only for people who may not change setup); a valid POST calls
    `save` (the service, which checks the actor) and goes back; errors answer 400."""
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(back)
    context = {
        "form": form, "title": title, "back": back, "readonly": not setup.is_scheduler(request.user), **(extra or {}),
    }  # fmt: skip
    return render(request, template, context, status=400 if form.errors else 200)


@requires(S)
def setup_index(request: AuthedRequest) -> HttpResponse:
    hours = Prefetch("hours", queryset=LocationHours.objects.order_by("weekday"))
    locations = list(
        Location.objects.filter(is_active=True).prefetch_related(hours).order_by("name")
    )
    for location in locations:
        location.week = [(DAY_NAMES[h.weekday][:3], h) for h in location.hours.all()]
    context = {
        "locations": locations,
        "counts": {
            "providers": Provider.objects.filter(is_active=True).count(),
            "rooms": Room.objects.filter(is_active=True).count(),
            "equipment": Equipment.objects.filter(is_active=True).count(),
            "types": AppointmentType.objects.filter(is_active=True).count(),
            "templates": AvailabilityTemplate.objects.filter(is_active=True).count(),
            "holidays": Holiday.objects.count(),
        },
        "may_change": setup.is_scheduler(request.user),
    }
    return render(request, "scheduling/setup_index.html", context)


# --- Providers --------------------------------------------------------------------------------


@requires(S)
def providers(request: AuthedRequest) -> HttpResponse:
    rows = (
        Provider.objects.select_related("user")
        .prefetch_related("locations", "departments")
        .annotate(templates_active=Count("templates", filter=Q(templates__is_active=True)))
        .order_by("-is_active", "user__last_name", "user__first_name")
    )
    context = {"providers": rows, "may_change": setup.is_scheduler(request.user)}
    return render(request, "scheduling/setup_providers.html", context)


def _provider_page(request: AuthedRequest, provider: Provider) -> HttpResponse:
    form = ProviderForm(
        request.POST or None, instance=copy.copy(provider) if provider.pk else provider
    )

    def save() -> None:
        instance = form.save(commit=False)
        setup.provider_save(
            actor=request.user, provider=instance,
            location_ids=[loc.pk for loc in form.cleaned_data["locations"]],
            department_ids=[d.pk for d in form.cleaned_data["departments"]],
        )  # fmt: skip

    title = f"Provider: {provider}" if provider.pk else "New provider"
    return form_page(
        request,
        form,
        title=title,
        back=reverse("scheduling:setup_providers"),
        save=save,
        done="Provider saved.",
    )


@requires(S, Need.EDIT)
def provider_new(request: AuthedRequest) -> HttpResponse:
    return _provider_page(request, Provider())


@requires(S, Need.EDIT)
def provider_edit(request: AuthedRequest, provider_id: int) -> HttpResponse:
    return _provider_page(
        request, get_object_or_404(Provider.objects.select_related("user"), pk=provider_id)
    )


# --- Rooms and equipment ----------------------------------------------------------------------


@requires(S)
def rooms(request: AuthedRequest) -> HttpResponse:
    context = {
        "rooms": Room.objects.select_related("location").order_by("location__name", "name"),
        "equipment": Equipment.objects.select_related("location").order_by(
            "location__name", "kind", "name"
        ),
        "may_change": setup.is_scheduler(request.user),
    }
    return render(request, "scheduling/setup_rooms.html", context)


def _room_page(request: AuthedRequest, room: Room) -> HttpResponse:
    form = RoomForm(request.POST or None, instance=copy.copy(room) if room.pk else room)
    return form_page(
        request, form, title=f"Room {room.name}" if room.pk else "New room", back=reverse("scheduling:setup_rooms"),
        save=lambda: setup.room_save(actor=request.user, room=form.save(commit=False)), done="Room saved.",
    )  # fmt: skip


@requires(S, Need.EDIT)
def room_new(request: AuthedRequest) -> HttpResponse:
    return _room_page(request, Room())


@requires(S, Need.EDIT)
def room_edit(request: AuthedRequest, room_id: int) -> HttpResponse:
    return _room_page(request, get_object_or_404(Room, pk=room_id))


def _equipment_page(request: AuthedRequest, item: Equipment) -> HttpResponse:
    form = EquipmentForm(request.POST or None, instance=copy.copy(item) if item.pk else item)
    return form_page(
        request, form, title=item.name if item.pk else "New equipment", back=reverse("scheduling:setup_rooms"),
        save=lambda: setup.equipment_save(actor=request.user, equipment=form.save(commit=False)),
        done="Equipment saved.",
    )  # fmt: skip


@requires(S, Need.EDIT)
def equipment_new(request: AuthedRequest) -> HttpResponse:
    return _equipment_page(request, Equipment())


@requires(S, Need.EDIT)
def equipment_edit(request: AuthedRequest, equipment_id: int) -> HttpResponse:
    return _equipment_page(request, get_object_or_404(Equipment, pk=equipment_id))


# --- Visit types ------------------------------------------------------------------------------


@requires(S)
def types(request: AuthedRequest) -> HttpResponse:
    rows = (
        AppointmentType.objects.select_related("department")
        .prefetch_related("allowed_providers__user")
        .order_by("-is_active", "name")
    )
    return render(
        request,
        "scheduling/setup_types.html",
        {"types": rows, "may_change": setup.is_scheduler(request.user)},
    )


def _type_page(request: AuthedRequest, appt_type: AppointmentType) -> HttpResponse:
    form = AppointmentTypeForm(
        request.POST or None, instance=copy.copy(appt_type) if appt_type.pk else appt_type
    )

    def save() -> None:
        setup.appointment_type_save(
            actor=request.user, appt_type=form.save(commit=False),
            allowed_provider_ids=[p.pk for p in form.cleaned_data["allowed_providers"]],
        )  # fmt: skip

    title = f"Visit type: {appt_type.name}" if appt_type.pk else "New visit type"
    return form_page(
        request,
        form,
        title=title,
        back=reverse("scheduling:setup_types"),
        save=save,
        done="Visit type saved.",
    )


@requires(S, Need.EDIT)
def type_new(request: AuthedRequest) -> HttpResponse:
    return _type_page(request, AppointmentType(duration_minutes=20))


@requires(S, Need.EDIT)
def type_edit(request: AuthedRequest, type_id: int) -> HttpResponse:
    return _type_page(request, get_object_or_404(AppointmentType, pk=type_id))


# --- Opening hours ----------------------------------------------------------------------------


@requires(S, Need.EDIT)
def location_hours(request: AuthedRequest, location_id: int) -> HttpResponse:
    location = get_object_or_404(Location, pk=location_id)
    initial = {}
    for row in LocationHours.objects.filter(location=location):
        initial[f"day_{row.weekday}_opens"] = row.opens
        initial[f"day_{row.weekday}_closes"] = row.closes
    form = LocationHoursForm(request.POST or None, initial=initial)
    return form_page(
        request, form, title=f"Opening hours: {location.name}", back=reverse("scheduling:setup"),
        save=lambda: setup.location_hours_save(actor=request.user, location=location, hours=form.hours()),
        done="Opening hours saved.", extra={"location": location}, template="scheduling/setup_hours.html",
    )  # fmt: skip
