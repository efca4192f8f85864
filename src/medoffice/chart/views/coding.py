"""The coding page of an encounter: diagnoses and procedures, never the notes.

Billers code from here; clinicians too. Nurses, managers and compliance see it read-only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from medoffice.chart import selectors, services
from medoffice.chart.forms import DiagnosisForm, ProcedureForm
from medoffice.chart.models import EncounterDiagnosis, EncounterProcedure
from medoffice.chart.views.common import audit_view, errors_to_form, may, or_404
from medoffice.coding import icd10, icd10_search
from medoffice.coding.models import ProcedureCode
from medoffice.core.access import requires_patient
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need


def _render_coding(
    request: AuthedRequest,
    patient_id: int,
    encounter_id: int,
    dx_form: DiagnosisForm | None = None,
    proc_form: ProcedureForm | None = None,
) -> HttpResponse:
    encounter = or_404(selectors.encounter_for_patient, patient_id, encounter_id)
    diagnoses, procedures = selectors.encounter_coding(encounter)
    rows = []
    for dx in diagnoses:
        excludes1, excludes2 = icd10.coding_notes(dx.code)
        rows.append({"dx": dx, "excludes1": excludes1, "excludes2": excludes2})
    audit_view(
        request, object_type="encounter_coding", object_id=encounter.pk, patient_id=patient_id
    )
    bad = bool((dx_form and dx_form.errors) or (proc_form and proc_form.errors))
    return render(
        request,
        "chart/coding.html",
        {
            "patient": encounter.patient,
            "encounter": encounter,
            "diagnoses": rows,
            "procedures": procedures,
            "can_code": may(request, Capability.CODING, Need.EDIT, patient_id),
            "can_chart": may(request, Capability.CHART, Need.VIEW, patient_id),
            "dx_form": dx_form or DiagnosisForm(),
            "proc_form": proc_form or ProcedureForm(),
            "max_diagnoses": services.coding.MAX_DIAGNOSES,
        },
        status=400 if bad else 200,
    )


@requires_patient(Capability.CODING)
def coding(request: AuthedRequest, patient_id: int, encounter_id: int) -> HttpResponse:
    return _render_coding(request, patient_id, encounter_id)


@requires_patient(Capability.CODING, Need.EDIT)
@require_POST
def diagnosis_add(request: AuthedRequest, patient_id: int, encounter_id: int) -> HttpResponse:
    encounter = or_404(selectors.encounter_for_patient, patient_id, encounter_id)
    form = DiagnosisForm(request.POST)
    if form.is_valid():
        try:
            dx = services.diagnosis_add(
                actor=request.user,
                encounter=encounter,
                code=form.cleaned_data["code"],
                rank=form.cleaned_data["rank"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{dx.code} added as diagnosis {dx.rank}.")
            return redirect("chart:coding", patient_id=patient_id, encounter_id=encounter.pk)
    return _render_coding(request, patient_id, encounter_id, dx_form=form)


def _diagnosis(encounter_id: int, patient_id: int, diagnosis_id: int) -> EncounterDiagnosis:
    dx = (
        EncounterDiagnosis.objects.select_related("encounter")
        .filter(pk=diagnosis_id, encounter_id=encounter_id, encounter__patient_id=patient_id)
        .first()
    )
    if dx is None:
        raise Http404("No such diagnosis")
    return dx


@requires_patient(Capability.CODING, Need.EDIT)
@require_POST
def diagnosis_remove(
    request: AuthedRequest, patient_id: int, encounter_id: int, diagnosis_id: int
) -> HttpResponse:
    dx = _diagnosis(encounter_id, patient_id, diagnosis_id)
    try:
        services.diagnosis_remove(actor=request.user, diagnosis=dx)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{dx.code} removed.")
    return redirect("chart:coding", patient_id=patient_id, encounter_id=encounter_id)


@requires_patient(Capability.CODING, Need.EDIT)
@require_POST
def diagnosis_move(
    request: AuthedRequest, patient_id: int, encounter_id: int, diagnosis_id: int
) -> HttpResponse:
    dx = _diagnosis(encounter_id, patient_id, diagnosis_id)
    try:
        rank = int(request.POST.get("rank", ""))
        services.diagnosis_move(actor=request.user, diagnosis=dx, rank=rank)
    except ValueError:
        messages.error(request, "Choose a rank.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{dx.code} is now diagnosis {rank}.")
    return redirect("chart:coding", patient_id=patient_id, encounter_id=encounter_id)


@requires_patient(Capability.CODING, Need.EDIT)
@require_POST
def procedure_add(request: AuthedRequest, patient_id: int, encounter_id: int) -> HttpResponse:
    encounter = or_404(selectors.encounter_for_patient, patient_id, encounter_id)
    form = ProcedureForm(request.POST)
    if form.is_valid():
        try:
            proc = services.procedure_add(
                actor=request.user,
                encounter=encounter,
                code=form.cleaned_data["code"],
                units=form.cleaned_data["units"],
                modifiers=services.coding.parse_modifiers(form.cleaned_data["modifiers"]),
                pointers=form.cleaned_data["pointers"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{proc.code.code} added.")
            return redirect("chart:coding", patient_id=patient_id, encounter_id=encounter.pk)
    return _render_coding(request, patient_id, encounter_id, proc_form=form)


@requires_patient(Capability.CODING, Need.EDIT)
@require_POST
def procedure_remove(
    request: AuthedRequest, patient_id: int, encounter_id: int, procedure_id: int
) -> HttpResponse:
    proc = (
        EncounterProcedure.objects.select_related("encounter", "code")
        .filter(pk=procedure_id, encounter_id=encounter_id, encounter__patient_id=patient_id)
        .first()
    )
    if proc is None:
        raise Http404("No such procedure")
    services.procedure_remove(actor=request.user, procedure=proc)
    messages.success(request, f"{proc.code.code} removed.")
    return redirect("chart:coding", patient_id=patient_id, encounter_id=encounter_id)


@requires_patient(Capability.CODING)
def icd10_options(request: AuthedRequest, patient_id: int, encounter_id: int) -> HttpResponse:
    """htmx: <option>s for the diagnosis code box (codes only: no patient data)."""
    hits = icd10_search.search(request.GET.get("code", "")[:60], limit=25)
    return render(request, "chart/partials/icd10_options.html", {"hits": hits})


@requires_patient(Capability.CODING)
def procedure_options(request: AuthedRequest, patient_id: int, encounter_id: int) -> HttpResponse:
    query = request.GET.get("code", "").strip()[:60]
    codes = ProcedureCode.objects.none()
    if query:
        codes = ProcedureCode.objects.filter(active=True).filter(
            Q(code__istartswith=query) | Q(description__icontains=query)
        )[:25]
    return render(request, "chart/partials/procedure_options.html", {"codes": codes})
