from django.urls import path

from medoffice.interop import views

app_name = "interop"

urlpatterns = [
    path("patients/<int:patient_id>/record.json", views.record_bundle, name="record_bundle"),
    path("patients/<int:patient_id>/record.pdf", views.record_pdf, name="record_pdf"),
]
