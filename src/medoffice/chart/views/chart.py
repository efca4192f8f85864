"""The chart page, encounters and notes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from medoffice.chart import selectors, services
from medoffice.chart.forms import AmendmentForm, EncounterForm, NoteForm
from medoffice.chart.models import NoteStatus
from medoffice.chart.services.notes import may_edit_draft, may_sign
from medoffice.chart.views.common import (
    audit_view,
    errors_to_form,
    may,
    or_404,
    patient_or_404,
)
from medoffice.core.access import requires_patient
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients.merge import resolve_merged


@requires_patient(Capability.CHART)
def chart(request: AuthedRequest, patient_id: int) -> HttpResponse:
    survivor = resolve_merged(patient_id)
    if survivor != patient_id:
        messages.info(request, "That record was merged into this one.")
        return redirect("chart:chart", patient_id=survivor)
    summary = or_404(selectors.chart_summary, patient_id)
    audit_view(request, object_type="chart", object_id=patient_id, patient_id=patient_id)
    return render(
        request,
        "chart/chart.html",
        {
            "s": summary,
            "patient": summary.patient,
            "vital_columns": selectors.VITAL_COLUMNS,
            "can_edit": may(request, Capability.CHART, Need.EDIT, patient_id),
            "stale_hours": selectors.UNSIGNED_NOTE_HOURS,
        },
    )


def _encounter_form(
    request: AuthedRequest, patient_id: int, encounter_id: int | None
) -> HttpResponse:
    encounter = (
        or_404(selectors.encounter_for_patient, patient_id, encounter_id) if encounter_id else None
    )
    patient = encounter.patient if encounter else patient_or_404(patient_id)
    initial = {} if encounter else {"start": timezone.localtime().replace(second=0, microsecond=0)}
    if not encounter and request.user.effective_role_codes() & {"clinician"}:
        initial["provider"] = request.user.pk
    form = EncounterForm(request.POST or None, instance=encounter, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            if encounter:
                services.encounter_update(actor=request.user, encounter=encounter, data=data)
            else:
                encounter = services.encounter_create(
                    actor=request.user, patient_id=patient_id, data=data
                )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Encounter saved.")
            return redirect(
                "chart:encounter_detail", patient_id=patient_id, encounter_id=encounter.pk
            )
    return render(
        request,
        "chart/encounter_form.html",
        {"form": form, "patient": patient, "encounter": encounter},
        status=400 if form.errors else 200,
    )


@requires_patient(Capability.CHART, Need.EDIT)
def encounter_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    return _encounter_form(request, patient_id, None)


@requires_patient(Capability.CHART, Need.EDIT)
def encounter_edit(request: AuthedRequest, patient_id: int, encounter_id: int) -> HttpResponse:
    return _encounter_form(request, patient_id, encounter_id)


@requires_patient(Capability.CHART)
def encounter_detail(request: AuthedRequest, patient_id: int, encounter_id: int) -> HttpResponse:
    encounter = or_404(selectors.encounter_for_patient, patient_id, encounter_id)
    diagnoses, procedures = selectors.encounter_coding(encounter)
    notes = selectors.encounter_notes(encounter)
    audit_view(request, object_type="encounter", object_id=encounter.pk, patient_id=patient_id)
    return render(
        request,
        "chart/encounter_detail.html",
        {
            "patient": encounter.patient,
            "encounter": encounter,
            "diagnoses": diagnoses,
            "procedures": procedures,
            "notes": notes,
            "vitals": encounter.vitals.order_by("taken_at", "kind"),
            "can_edit": may(request, Capability.CHART, Need.EDIT, patient_id),
            "can_code": may(request, Capability.CODING, Need.VIEW, patient_id),
            "stale_hours": selectors.UNSIGNED_NOTE_HOURS,
            "stale_cutoff": selectors.stale_cutoff(),
        },
    )


@requires_patient(Capability.CHART, Need.EDIT)
def note_new(request: AuthedRequest, patient_id: int, encounter_id: int) -> HttpResponse:
    encounter = or_404(selectors.encounter_for_patient, patient_id, encounter_id)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = services.note_create(actor=request.user, encounter=encounter, data=form.cleaned_data)
        messages.success(request, "Draft note saved.")
        return redirect("chart:note_detail", patient_id=patient_id, note_id=note.pk)
    return render(
        request,
        "chart/note_form.html",
        {"form": form, "patient": encounter.patient, "encounter": encounter, "note": None},
        status=400 if form.errors else 200,
    )


@requires_patient(Capability.CHART, Need.EDIT)
def note_edit(request: AuthedRequest, patient_id: int, note_id: int) -> HttpResponse:
    note = or_404(selectors.note_for_patient, patient_id, note_id)
    if note.status != NoteStatus.DRAFT:
        messages.error(request, "This note is signed and locked: add an amendment instead.")
        return redirect("chart:note_detail", patient_id=patient_id, note_id=note.pk)
    form = NoteForm(
        request.POST or None, initial={f: getattr(note, f) for f in NoteForm.base_fields}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.note_update(actor=request.user, note=note, data=form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Draft note saved.")
            return redirect("chart:note_detail", patient_id=patient_id, note_id=note.pk)
    return render(
        request,
        "chart/note_form.html",
        {
            "form": form,
            "patient": note.encounter.patient,
            "encounter": note.encounter,
            "note": note,
        },
        status=400 if form.errors else 200,
    )


@requires_patient(Capability.CHART)
def note_detail(request: AuthedRequest, patient_id: int, note_id: int) -> HttpResponse:
    note = or_404(selectors.note_for_patient, patient_id, note_id)
    audit_view(request, object_type="note", object_id=note.pk, patient_id=patient_id)
    can_edit = may(request, Capability.CHART, Need.EDIT, patient_id)
    return render(
        request,
        "chart/note_detail.html",
        {
            "patient": note.encounter.patient,
            "encounter": note.encounter,
            "note": note,
            "amendments": note.amendments.select_related("author").order_by("created_at", "pk"),
            "stale": selectors.is_stale_draft(note),
            "stale_hours": selectors.UNSIGNED_NOTE_HOURS,
            "can_edit_draft": can_edit
            and note.status == NoteStatus.DRAFT
            and may_edit_draft(request.user, note),
            "can_sign": can_edit
            and note.status == NoteStatus.DRAFT
            and may_sign(request.user, note),
            "can_amend": can_edit
            and note.status == NoteStatus.SIGNED
            and "clinician" in request.user.effective_role_codes(),
            "amend_form": AmendmentForm(),
        },
    )


@requires_patient(Capability.CHART, Need.EDIT)
@require_POST
def note_sign(request: AuthedRequest, patient_id: int, note_id: int) -> HttpResponse:
    note = or_404(selectors.note_for_patient, patient_id, note_id)
    try:
        services.note_sign(actor=request.user, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Note signed. It is now locked; changes are made by amendment.")
    return redirect("chart:note_detail", patient_id=patient_id, note_id=note.pk)


@requires_patient(Capability.CHART, Need.EDIT)
def note_amend(request: AuthedRequest, patient_id: int, note_id: int) -> HttpResponse:
    note = or_404(selectors.note_for_patient, patient_id, note_id)
    form = AmendmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_amend(actor=request.user, note=note, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Amendment added.")
            return redirect("chart:note_detail", patient_id=patient_id, note_id=note.pk)
    return render(
        request,
        "chart/note_amend.html",
        {
            "form": form,
            "patient": note.encounter.patient,
            "encounter": note.encounter,
            "note": note,
        },
        status=400 if form.errors else 200,
    )
