"""A stand-in patient page for break-the-glass tests (the patients app adds real ones)."""

from django.http import HttpResponse
from django.urls import include, path

from medoffice.audit.services import audit_record
from medoffice.core.access import requires_patient
from medoffice.core.permissions import Capability


@requires_patient(Capability.CHART)
def chart(request, patient_id: int) -> HttpResponse:
    audit_record(action="view", object_type="chart", object_id=patient_id, patient_id=patient_id)
    return HttpResponse(f"chart of {patient_id}")


urlpatterns = [
    path("test-chart/<int:patient_id>/", chart, name="test_chart"),
    path("", include("medoffice.config.urls")),
]

handler403 = "medoffice.core.views.error_403"
