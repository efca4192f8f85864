from django.urls import path

from medoffice.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("export.csv", views.event_export, name="event_export"),
    path("entries/<int:seq>/flag/", views.event_flag, name="event_flag"),
    path("emergency/", views.emergency_list, name="emergency_list"),
    path("emergency/new/", views.emergency_new, name="emergency_new"),
    path("emergency/<int:grant_id>/review/", views.emergency_review, name="emergency_review"),
    path("verify/", views.chain_verify, name="chain_verify"),
]
