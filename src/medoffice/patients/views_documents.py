"""A patient's scanned documents and consents."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from medoffice.core.access import requires_patient
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability, Need
from medoffice.patients import selectors, services_documents
from medoffice.patients.forms import ConsentForm, ConsentRevokeForm, DocumentForm
from medoffice.patients.models import Consent
from medoffice.patients.views_common import add_service_errors, render_form, to_patient


@requires_patient(Capability.DOCUMENTS, Need.EDIT)
def document_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(
        actor=request.user,
        patient_id=patient_id,
        capability=Capability.DOCUMENTS,
        details={"view": "upload document"},
    )
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = services_documents.document_upload(
                actor=request.user,
                patient=patient,
                upload=form.cleaned_data["file"],
                category=form.cleaned_data["category"],
                title=form.cleaned_data["title"],
                document_date=form.cleaned_data["document_date"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Document “{document.title}” uploaded.")
            return to_patient(patient.pk, "documents")
    context = {"form": form, "patient": patient, "max_upload_mb": settings.MAX_UPLOAD_MB}
    return render_form(request, "patients/document_form.html", context, form)


@requires_patient(Capability.DOCUMENTS)
def document_file(request: AuthedRequest, patient_id: int, document_id: int) -> FileResponse:
    """Open or download a document: access checked (clinical ones need the chart) and each
    opening audited. Files are never reachable by a media URL."""
    download = request.GET.get("download") == "1"
    document = selectors.document_open(
        actor=request.user, patient_id=patient_id, document_id=document_id, download=download
    )
    return FileResponse(
        document.file.open("rb"),
        as_attachment=download,
        filename=f"{slugify(document.title) or 'document'}{document.extension}",
        content_type=document.content_type,
    )


@requires_patient(Capability.DOCUMENTS, Need.EDIT)
def consent_new(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(
        actor=request.user,
        patient_id=patient_id,
        capability=Capability.DOCUMENTS,
        details={"view": "record consent"},
    )
    initial = {"kind": request.GET.get("kind", "")}
    form = ConsentForm(
        request.POST or None, request.FILES or None, patient=patient, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            consent = services_documents.consent_record(
                actor=request.user,
                patient=patient,
                data=form.consent_data(),
                document=form.cleaned_data.get("document"),
                upload=form.cleaned_data.get("upload"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, {"file": "upload"})
        else:
            messages.success(request, f"{consent.get_kind_display()} recorded.")
            return to_patient(patient.pk, "consents")
    context = {"form": form, "patient": patient}
    return render_form(request, "patients/consent_form.html", context, form)


@requires_patient(Capability.DOCUMENTS, Need.EDIT)
@require_POST
def consent_revoke(request: AuthedRequest, patient_id: int, consent_id: int) -> HttpResponse:
    consent = get_object_or_404(
        Consent.objects.select_related("patient"), pk=consent_id, patient_id=patient_id
    )
    form = ConsentRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the date the consent was revoked.")
        return to_patient(patient_id, "consents")
    try:
        services_documents.consent_revoke(
            actor=request.user, consent=consent, on=form.cleaned_data["revoked_on"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{consent.get_kind_display()} revoked.")
    return to_patient(patient_id, "consents")
