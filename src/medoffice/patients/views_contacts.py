"""What hangs off the registration record: alerts, emergency contacts, the guarantor and
identifiers from other systems. All of it is demographics: the front desk edits it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from medoffice.core.access import requires_patient
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients import selectors, services
from medoffice.patients.forms import AlertForm, EmergencyContactForm, GuarantorForm, IdentifierForm
from medoffice.patients.models import (
    EmergencyContact,
    Guarantor,
    Patient,
    PatientAlert,
    PatientIdentifier,
)
from medoffice.patients.views_common import add_service_errors, is_htmx, render_form, to_patient

EDIT_DEMOGRAPHICS = requires_patient(Capability.DEMOGRAPHICS, Need.EDIT)


def _patient(request: AuthedRequest, patient_id: int, view: str) -> Patient:
    return selectors.patient_get(actor=request.user, patient_id=patient_id, details={"view": view})


def _record_form(
    request: AuthedRequest,
    *,
    patient: Patient,
    form: forms.BaseForm,
    save: Callable[[], Any],
    title: str,
    section: str,
    done: str,
) -> HttpResponse:
    """The shared flow of the small forms: validate, call the service, go back to the patient."""
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return to_patient(patient.pk, section)
    context = {"form": form, "patient": patient, "title": title, "section": section}
    return render_form(request, "patients/record_form.html", context, form)


# --- Alerts (htmx: the alerts box is replaced in place) ------------------------------------


def _alerts_box(
    request: AuthedRequest, patient: Patient, form: AlertForm | None = None
) -> HttpResponse:
    # htmx swaps only 2xx answers, so a refused text comes back as 200 with its error shown.
    return render(
        request,
        "patients/partials/alerts.html",
        {
            "patient": patient,
            "alerts": patient.alerts.filter(active=True).select_related("created_by"),
            "alert_form": form or AlertForm(),
            "can_edit": True,
        },
    )


@EDIT_DEMOGRAPHICS
def alert_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, "add alert")
    form = AlertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_alert_add(
                actor=request.user, patient=patient, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if is_htmx(request):
                return _alerts_box(request, patient)
            messages.success(request, "Alert added.")
            return to_patient(patient.pk, "alerts")
    if is_htmx(request):
        return _alerts_box(request, patient, form)
    context = {"form": form, "patient": patient, "title": "Add an alert", "section": "alerts"}
    return render_form(request, "patients/record_form.html", context, form)


@EDIT_DEMOGRAPHICS
@require_POST
def alert_deactivate(request: AuthedRequest, patient_id: int, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(
        PatientAlert.objects.select_related("patient"), pk=alert_id, patient_id=patient_id
    )
    services.patient_alert_deactivate(actor=request.user, alert=alert)
    if is_htmx(request):
        return _alerts_box(request, alert.patient)
    messages.success(request, "Alert removed.")
    return to_patient(patient_id, "alerts")


# --- Emergency contacts ------------------------------------------------------------------


@EDIT_DEMOGRAPHICS
def contact_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, "add emergency contact")
    form = EmergencyContactForm(request.POST or None)
    return _record_form(
        request,
        patient=patient,
        form=form,
        save=lambda: services.emergency_contact_add(
            actor=request.user, patient=patient, data=form.cleaned_data
        ),
        title="Add an emergency contact",
        section="contacts",
        done="Emergency contact added.",
    )


@EDIT_DEMOGRAPHICS
def contact_edit(request: AuthedRequest, patient_id: int, contact_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, "edit emergency contact")
    contact = get_object_or_404(EmergencyContact, pk=contact_id, patient=patient)
    form = (
        EmergencyContactForm(request.POST)
        if request.method == "POST"
        else EmergencyContactForm(instance=contact)
    )
    return _record_form(
        request,
        patient=patient,
        form=form,
        save=lambda: services.emergency_contact_update(
            actor=request.user, contact=contact, data=form.cleaned_data
        ),
        title=f"Edit emergency contact {contact.name}",
        section="contacts",
        done="Emergency contact saved.",
    )


@EDIT_DEMOGRAPHICS
@require_POST
def contact_remove(request: AuthedRequest, patient_id: int, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(
        EmergencyContact.objects.select_related("patient"), pk=contact_id, patient_id=patient_id
    )
    services.emergency_contact_remove(actor=request.user, contact=contact)
    messages.success(request, f"Emergency contact {contact.name} removed.")
    return to_patient(patient_id, "contacts")


# --- Guarantor ---------------------------------------------------------------------------


@EDIT_DEMOGRAPHICS
def guarantor_edit(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, "edit guarantor")
    current = Guarantor.objects.filter(patient=patient).first()
    form = (
        GuarantorForm(request.POST) if request.method == "POST" else GuarantorForm(instance=current)
    )
    return _record_form(
        request,
        patient=patient,
        form=form,
        save=lambda: services.guarantor_set(
            actor=request.user, patient=patient, data=form.cleaned_data
        ),
        title="Guarantor (who receives the statements)",
        section="guarantor",
        done="Guarantor saved.",
    )


@EDIT_DEMOGRAPHICS
@require_POST
def guarantor_clear(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=patient_id)
    services.guarantor_clear(actor=request.user, patient=patient)
    messages.success(request, "The patient is their own guarantor again.")
    return to_patient(patient_id, "guarantor")


# --- Identifiers from other systems --------------------------------------------------------


@EDIT_DEMOGRAPHICS
def identifier_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, "add identifier")
    form = IdentifierForm(request.POST or None)
    return _record_form(
        request,
        patient=patient,
        form=form,
        save=lambda: services.identifier_add(
            actor=request.user, patient=patient, **form.cleaned_data
        ),
        title="Add an identifier from another system",
        section="identifiers",
        done="Identifier added.",
    )


@EDIT_DEMOGRAPHICS
@require_POST
def identifier_remove(request: AuthedRequest, patient_id: int, identifier_id: int) -> HttpResponse:
    identifier = get_object_or_404(
        PatientIdentifier.objects.select_related("patient"), pk=identifier_id, patient_id=patient_id
    )
    services.identifier_remove(actor=request.user, identifier=identifier)
    messages.success(request, "Identifier removed.")
    return to_patient(patient_id, "identifiers")
