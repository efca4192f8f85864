"""Find first available: the filters, the next open slots, and a "Book" button on each that
opens the calendar's booking panel with everything filled in."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from medoffice.audit.services import audit_record
from medoffice.core.access import can, own_only, patient_access, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.organization.models import Location
from medoffice.patients.models import Patient
from medoffice.scheduling.forms_find import FindForm
from medoffice.scheduling.models import Provider
from medoffice.scheduling.selectors_calendar import visible_locations
from medoffice.scheduling.services.find import Slot, first_available

S = Capability.SCHEDULE


def _patient(request: AuthedRequest, value: Any) -> Patient | None:
    """The patient the slots are for (their own visits are kept free); an audited look-up."""
    value = str(value or "")
    if not value.isdigit() or len(value) > 9:
        return None
    patient = Patient.objects.filter(pk=int(value)).first()
    if patient is None:
        return None
    patient_access(request.user, Capability.DEMOGRAPHICS, Need.VIEW, patient.pk)
    audit_record(
        action="view", actor=request.user, object_type="patient", object_id=patient.pk,
        patient_id=patient.pk, patient_ref=patient.mrn, details={"view": "find_first_available"},
    )  # fmt: skip
    return patient


def _book_url(slot: Slot, data: dict[str, Any], patient: Patient | None) -> str:
    local = slot.local_start
    params: dict[str, Any] = {
        "location": slot.location_id, "provider": slot.provider_id, "type": data["type"].pk,
        "date": local.date().isoformat(), "time": local.strftime("%H:%M"),
    }  # fmt: skip
    if slot.room_id:
        params["room"] = slot.room_id
    if patient is not None:
        params["patient"] = patient.pk
    if data.get("referral"):
        params["referral"] = data["referral"]
    return f"{reverse('scheduling:booking_new')}?{urlencode(params)}"


@requires(S)
def find(request: AuthedRequest) -> HttpResponse:
    mine_only = own_only(request.user, S)
    providers = (
        Provider.objects.filter(is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    if mine_only:
        providers = providers.filter(user=request.user)
    locations = Location.objects.filter(pk__in=[loc.pk for loc in visible_locations(request.user)])
    bound = request.GET if "type" in request.GET else None
    form = FindForm(bound, providers=providers, locations=locations,
                    initial={"patient": request.GET.get("patient"), "referral": request.GET.get("referral"),
                             "provider": request.GET.get("provider")})  # fmt: skip
    patient = _patient(request, request.GET.get("patient"))
    context: dict[str, Any] = {"form": form, "patient": patient, "slots": None}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        provider = data["provider"] or (providers.first() if mine_only else None)
        found = first_available(
            appt_type=data["type"], provider=provider, location=data["location"], department=data["department"],
            date_from=data["date_from"], date_to=data["date_to"], weekdays=data["weekdays"] or None,
            time_from=data["time_from"], time_to=data["time_to"], limit=data["limit"],
            patient_id=patient.pk if patient else None,
        )  # fmt: skip
        may_book = can(request.user, S, Need.EDIT)
        own_provider = providers.first() if own_only(request.user, S, Need.EDIT) else None
        context["slots"] = [
            {
                "slot": slot,
                "book": _book_url(slot, data, patient)
                if may_book and (own_provider is None or own_provider.pk == slot.provider_id)
                else "",
            }
            for slot in found
        ]
        context["appt_type"] = data["type"]
    if request.headers.get("HX-Request"):
        # htmx swaps only successful answers: field errors come back in the results box.
        return render(request, "scheduling/find_results.html", context)
    return render(request, "scheduling/find_page.html", context, status=400 if form.errors else 200)
