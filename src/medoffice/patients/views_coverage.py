"""Insurance coverage of a patient (with card images) and the payer table."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from medoffice.core.access import can, requires, requires_patient
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients import selectors, services_coverage, uploads
from medoffice.patients.forms import CoverageEndForm, CoverageForm, PayerForm
from medoffice.patients.models import Payer
from medoffice.patients.views_common import add_service_errors, render_form, to_patient

_TYPE_BY_EXTENSION = {ext: content_type for content_type, ext in uploads.EXTENSIONS.items()}


@requires_patient(Capability.COVERAGE, Need.EDIT)
def coverage_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(
        actor=request.user,
        patient_id=patient_id,
        capability=Capability.COVERAGE,
        details={"view": "new coverage"},
    )
    form = CoverageForm(
        request.POST or None,
        request.FILES or None,
        initial={"effective_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_coverage.coverage_create(
                actor=request.user, patient=patient, data=form.coverage_data(), cards=form.cards()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Coverage added.")
            return to_patient(patient.pk, "coverage")
    context = {"form": form, "patient": patient, "coverage": None}
    return render_form(request, "patients/coverage_form.html", context, form)


@requires_patient(Capability.COVERAGE, Need.EDIT)
def coverage_edit(request: AuthedRequest, patient_id: int, coverage_id: int) -> HttpResponse:
    coverage = selectors.coverage_get(
        actor=request.user, patient_id=patient_id, coverage_id=coverage_id, need=Need.EDIT
    )
    if request.method == "POST":
        form = CoverageForm(request.POST, request.FILES, current_payer_id=coverage.payer_id)
        if form.is_valid():
            try:
                services_coverage.coverage_update(
                    actor=request.user,
                    coverage=coverage,
                    data=form.coverage_data(),
                    cards=form.cards(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Coverage saved.")
                return to_patient(patient_id, "coverage")
    else:
        form = CoverageForm(instance=coverage, current_payer_id=coverage.payer_id)
    context = {
        "form": form,
        "patient": coverage.patient,
        "coverage": coverage,
        "end_form": CoverageEndForm(initial={"end_date": timezone.localdate()}),
    }
    return render_form(request, "patients/coverage_form.html", context, form)


@requires_patient(Capability.COVERAGE, Need.EDIT)
@require_POST
def coverage_end(request: AuthedRequest, patient_id: int, coverage_id: int) -> HttpResponse:
    coverage = selectors.coverage_get(
        actor=request.user, patient_id=patient_id, coverage_id=coverage_id, need=Need.EDIT
    )
    form = CoverageEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the last day of coverage.")
        return redirect("patients:coverage_edit", patient_id, coverage_id)
    try:
        services_coverage.coverage_end(
            actor=request.user, coverage=coverage, end_date=form.cleaned_data["end_date"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("patients:coverage_edit", patient_id, coverage_id)
    messages.success(request, f"Coverage ends on {form.cleaned_data['end_date']:%Y-%m-%d}.")
    return to_patient(patient_id, "coverage")


@requires_patient(Capability.COVERAGE)
def coverage_card(
    request: AuthedRequest, patient_id: int, coverage_id: int, side: str
) -> FileResponse:
    """A card image, through an access check and an audit entry (never a media URL)."""
    download = request.GET.get("download") == "1"
    _, card = selectors.coverage_card_open(
        actor=request.user,
        patient_id=patient_id,
        coverage_id=coverage_id,
        side=side,
        download=download,
    )
    extension = "." + card.name.rsplit(".", 1)[-1] if "." in card.name else ""
    return FileResponse(
        card.open("rb"),
        as_attachment=download,
        filename=f"insurance-card-{side}{extension}",
        content_type=_TYPE_BY_EXTENSION.get(extension, "application/octet-stream"),
    )


@requires(Capability.COVERAGE)
def payer_list(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "patients/payer_list.html",
        {
            "payers": Payer.objects.all(),
            "can_edit": can(request.user, Capability.COVERAGE, Need.EDIT),
        },
    )


@requires(Capability.COVERAGE, Need.EDIT)
def payer_new(request: AuthedRequest) -> HttpResponse:
    return _payer_form(request, None)


@requires(Capability.COVERAGE, Need.EDIT)
def payer_edit(request: AuthedRequest, payer_id: int) -> HttpResponse:
    return _payer_form(request, get_object_or_404(Payer, pk=payer_id))


def _payer_form(request: AuthedRequest, payer: Payer | None) -> HttpResponse:
    if request.method == "POST":
        # A fresh copy as the instance, so the unique payer id check skips this payer.
        copy = Payer.objects.get(pk=payer.pk) if payer is not None else None
        form = PayerForm(request.POST, instance=copy)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in PayerForm.Meta.fields}
            try:
                if payer is None:
                    services_coverage.payer_create(actor=request.user, data=data)
                else:
                    services_coverage.payer_update(actor=request.user, payer=payer, data=data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Payer {data['name']} saved.")
                return redirect("patients:payer_list")
    else:
        form = PayerForm(instance=payer)
    return render_form(request, "patients/payer_form.html", {"form": form, "payer": payer}, form)
