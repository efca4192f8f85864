"""Forms for problems, allergies, medications, immunizations, vital signs and lab results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from medoffice.chart import services
from medoffice.chart.forms import (
    AllergyForm,
    ImmunizationForm,
    LabResultForm,
    MedicationForm,
    ProblemForm,
    VitalsForm,
)
from medoffice.chart.models import Allergy, Immunization, LabResult, Medication, Problem
from medoffice.chart.views.common import errors_to_form, patient_or_404
from medoffice.core.access import requires_patient
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need


@dataclass(frozen=True)
class EntryKind:
    label: str
    model: Any
    form: Any
    service: Any
    instance_arg: str
    needs_patient_in_form: bool = False


KINDS = {
    "problem": EntryKind("Problem", Problem, ProblemForm, services.problem_save, "problem"),
    "allergy": EntryKind("Allergy", Allergy, AllergyForm, services.allergy_save, "allergy"),
    "medication": EntryKind(
        "Medication", Medication, MedicationForm, services.medication_save, "medication"
    ),
    "immunization": EntryKind(
        "Immunization", Immunization, ImmunizationForm, services.immunization_save, "immunization"
    ),
    "lab": EntryKind("Lab result", LabResult, LabResultForm, services.lab_result_save, "lab", True),
}


def _entry_form(
    request: AuthedRequest, patient_id: int, kind: str, entry_id: int | None
) -> HttpResponse:
    spec = KINDS[kind]
    patient = patient_or_404(patient_id)
    instance = None
    if entry_id is not None:
        instance = spec.model.objects.filter(pk=entry_id, patient_id=patient_id).first()
        if instance is None:
            raise Http404("No such entry")
    extra = {"patient_id": patient_id} if spec.needs_patient_in_form else {}
    form = spec.form(request.POST or None, instance=instance, **extra)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            spec.service(
                actor=request.user,
                patient_id=patient_id,
                data=data,
                **{spec.instance_arg: instance},
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{spec.label} saved.")
            return redirect("chart:chart", patient_id=patient_id)
    return render(
        request,
        "chart/entry_form.html",
        {"form": form, "patient": patient, "label": spec.label, "instance": instance},
        status=400 if form.errors else 200,
    )


@requires_patient(Capability.CHART, Need.EDIT)
def entry_new(request: AuthedRequest, patient_id: int, kind: str) -> HttpResponse:
    return _entry_form(request, patient_id, kind, None)


@requires_patient(Capability.CHART, Need.EDIT)
def entry_edit(request: AuthedRequest, patient_id: int, kind: str, entry_id: int) -> HttpResponse:
    return _entry_form(request, patient_id, kind, entry_id)


@requires_patient(Capability.CHART, Need.EDIT)
@require_POST
def allergies_none_known(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient_or_404(patient_id)
    try:
        services.allergies_none_known(
            actor=request.user, patient_id=patient_id, on=timezone.localdate()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Recorded: no known allergies.")
    return redirect("chart:chart", patient_id=patient_id)


@requires_patient(Capability.CHART, Need.EDIT)
def vitals_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = patient_or_404(patient_id)
    initial = {"taken_at": timezone.localtime().replace(second=0, microsecond=0)}
    if request.GET.get("encounter", "").isdigit():
        initial["encounter"] = int(request.GET["encounter"])
    form = VitalsForm(request.POST or None, patient_id=patient_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.vitals_record(
                actor=request.user,
                patient_id=patient_id,
                taken_at=form.cleaned_data["taken_at"],
                values=form.measurements(),
                encounter=form.cleaned_data["encounter"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Vital signs recorded.")
            encounter = form.cleaned_data["encounter"]
            if encounter:
                return redirect(
                    "chart:encounter_detail", patient_id=patient_id, encounter_id=encounter.pk
                )
            return redirect("chart:chart", patient_id=patient_id)
    return render(
        request,
        "chart/vitals_form.html",
        {"form": form, "patient": patient},
        status=400 if form.errors else 200,
    )
