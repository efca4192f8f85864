from django.urls import path

from medoffice.referrals import views, views_auth

app_name = "referrals"

P = "patients/<int:patient_id>/"

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("authorizations/", views_auth.auth_alerts, name="auth_alerts"),
    path(P, views.patient_referrals, name="patient"),
    path(P + "summary/", views.patient_summary, name="patient_summary"),
    path(P + "new/", views.referral_new, name="referral_new"),
    path(P + "<int:referral_id>/", views.referral_detail, name="referral_detail"),
    path(P + "<int:referral_id>/edit/", views.referral_edit, name="referral_edit"),
    path(P + "<int:referral_id>/status/", views.referral_status, name="referral_status"),
    path(P + "<int:referral_id>/link/", views.referral_link, name="referral_link"),
    path(P + "authorizations/new/", views_auth.auth_new, name="auth_new"),
    path(P + "authorizations/<int:auth_id>/", views_auth.auth_detail, name="auth_detail"),
    path(P + "authorizations/<int:auth_id>/edit/", views_auth.auth_edit, name="auth_edit"),
]
