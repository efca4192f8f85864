"""The front desk's waitlist page: who waits for what, add an entry, take one off."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from medoffice.audit.services import audit_patients_shown
from medoffice.core.access import can, patient_access, requires
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.waitlist import selectors, services
from medoffice.waitlist.forms import EntryFilterForm, EntryForm
from medoffice.waitlist.models import WaitlistEntry


@requires(Capability.SCHEDULE)
def waitlist(request: AuthedRequest) -> HttpResponse:
    form = EntryFilterForm(request.GET or None)
    entries = list(selectors.waitlist_entries(actor=request.user, flt=form.to_filter())[:300])
    audit_patients_shown(patient_ids=[e.patient_id for e in entries], view="waitlist")
    context: dict[str, Any] = {
        "form": form,
        "entries": entries,
        "may_edit": can(request.user, Capability.SCHEDULE, Need.EDIT),
    }
    return render(request, "waitlist/waitlist.html", context)


@requires(Capability.SCHEDULE, Need.EDIT)
def entry_new(request: AuthedRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("mrn"):
        initial["mrn"] = request.GET["mrn"][:20]
    form = EntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        patient = data["mrn"]
        patient_access(request.user, Capability.DEMOGRAPHICS, Need.VIEW, patient.pk)
        try:
            services.waitlist_entry_add(
                actor=request.user, patient=patient, appointment_type=data["appointment_type"],
                provider=data["provider"], location=data["location"], earliest_date=data["earliest_date"],
                latest_date=data["latest_date"], weekdays=data["weekdays"], times_of_day=data["times_of_day"],
                note=data["note"],
            )  # fmt: skip
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request, f"{patient.given_name} {patient.family_name} is on the waitlist."
            )
            return redirect("waitlist:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "waitlist/entry_form.html", {"form": form}, status=status)


def _attach(form: EntryForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@requires(Capability.SCHEDULE, Need.EDIT)
@require_POST
def entry_remove(request: AuthedRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(WaitlistEntry.objects.select_related("provider"), pk=entry_id)
    try:
        services.waitlist_entry_remove(
            actor=request.user, entry=entry, reason=request.POST.get("reason", "")
        )
        messages.success(request, "Taken off the waitlist.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("waitlist:list")
