from django.urls import path

from medoffice.eligibility import views

app_name = "eligibility"

urlpatterns = [
    path(
        "patients/<int:patient_id>/coverages/<int:coverage_id>/",
        views.coverage_status,
        name="coverage_status",
    ),
    path(
        "patients/<int:patient_id>/coverages/<int:coverage_id>/check/",
        views.check_request,
        name="check_request",
    ),
    path(
        "patients/<int:patient_id>/checks/<int:check_id>/", views.check_detail, name="check_detail"
    ),
]
