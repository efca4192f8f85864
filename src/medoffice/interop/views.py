"""Downloads of a patient's whole record for the people who may see the chart: the FHIR
Bundle (HIPAA right of access) and the printable PDF summary. Both are audited exports."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from medoffice.core.access import requires_patient
from medoffice.core.http import AuthedRequest
from medoffice.core.permissions import Capability
from medoffice.interop.fhir.constants import FHIR_JSON
from medoffice.interop.fhir.exporter import ExportRefused, export_patient
from medoffice.interop.fhir.http import json_default
from medoffice.patients.models import Patient


def _mrn(patient_id: int) -> str:
    mrn = Patient.objects.filter(pk=patient_id).values_list("mrn", flat=True).first()
    if mrn is None:
        raise Http404("No such patient.")
    return mrn


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires_patient(Capability.CHART)
@require_GET
def record_bundle(request: AuthedRequest, patient_id: int) -> HttpResponse:
    mrn = _mrn(patient_id)
    try:
        bundle, _ = export_patient(mrn=mrn, actor=request.user)
    except ExportRefused as exc:
        raise Http404(str(exc)) from None
    text = json.dumps(bundle, indent=1, default=json_default)
    return _download(text.encode(), FHIR_JSON, f"health-record-{mrn}.json")


@requires_patient(Capability.CHART)
@require_GET
def record_pdf(request: AuthedRequest, patient_id: int) -> HttpResponse:
    mrn = _mrn(patient_id)
    try:
        _, pdf = export_patient(mrn=mrn, actor=request.user, with_pdf=True, with_bundle=False)
    except ExportRefused as exc:
        raise Http404(str(exc)) from None
    return _download(pdf or b"", "application/pdf", f"health-record-{mrn}.pdf")
