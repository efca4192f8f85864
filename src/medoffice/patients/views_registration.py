"""Registering a patient, editing demographics, and the patient's overview page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from medoffice.core.access import requires, requires_patient, requires_role
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need, RoleCode
from medoffice.patients import selectors, services
from medoffice.patients.forms import AlertForm, DuplicateConfirmForm, PatientForm
from medoffice.patients.merge import resolve_merged
from medoffice.patients.views_common import add_service_errors, is_htmx, render_form, to_patient


@requires(Capability.DEMOGRAPHICS, Need.EDIT)
def patient_new(request: AuthedRequest) -> HttpResponse:
    """The registration form. Before saving, possible duplicates are listed; registering
    anyway needs the "none of these" box ticked for exactly the candidates shown."""
    form = PatientForm(request.POST or None)
    confirm = DuplicateConfirmForm(request.POST or None)
    duplicates: list = []
    if request.method == "POST" and form.is_valid():
        data = form.registration_data()
        duplicates = selectors.registration_duplicates(actor=request.user, data=data)
        unconfirmed = {d.patient.pk for d in duplicates} - confirm.confirmed_ids()
        if not unconfirmed:
            try:
                patient = services.patient_register(actor=request.user, data=data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, f"{patient.display_name} is registered: MRN {patient.mrn}."
                )
                return to_patient(patient.pk)
    context = {
        "form": form,
        "duplicates": duplicates,
        "duplicate_ids": ",".join(str(d.patient.pk) for d in duplicates),
        "title": "New patient",
    }
    return render_form(request, "patients/patient_form.html", context, form)


@requires_patient(Capability.DEMOGRAPHICS, Need.EDIT)
def patient_edit(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(
        actor=request.user, patient_id=patient_id, details={"view": "edit"}
    )
    if request.method == "POST":
        form = PatientForm(request.POST, editing=patient)
        if form.is_valid():
            try:
                services.patient_update(
                    actor=request.user, patient=patient, data=form.registration_data()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Demographics saved.")
                return to_patient(patient.pk)
    else:
        form = PatientForm(instance=patient, editing=patient)
    context = {"form": form, "patient": patient, "title": f"Edit {patient.display_name}"}
    return render_form(request, "patients/patient_form.html", context, form)


@requires_patient(Capability.DEMOGRAPHICS)
def patient_detail(request: AuthedRequest, patient_id: int) -> HttpResponse:
    survivor = resolve_merged(patient_id)
    if survivor != patient_id:
        messages.info(request, "That record was merged into this one.")
        return redirect("patients:detail", patient_id=survivor)
    overview = selectors.patient_overview(actor=request.user, patient_id=patient_id)
    return render(
        request,
        "patients/patient_detail.html",
        {"o": overview, "patient": overview.patient, "alert_form": AlertForm()},
    )


@requires_role(RoleCode.FRONT_DESK, RoleCode.BILLER)
@require_POST
def patient_ssn(request: AuthedRequest, patient_id: int) -> HttpResponse:
    """Show the full SSN once (POST, so it is never prefetched or cached); audited."""
    ssn = selectors.patient_ssn_reveal(actor=request.user, patient_id=patient_id)
    template = "patients/partials/ssn.html" if is_htmx(request) else "patients/ssn.html"
    return render(request, template, {"ssn": ssn, "patient_id": patient_id, "revealed": True})
