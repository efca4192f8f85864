from django.urls import path

from medoffice.billing import views, views_accounts, views_ar

app_name = "billing"

urlpatterns: list = [
    path("patients/<int:patient_id>/ledger/", views.patient_ledger, name="patient_ledger"),
    path("patients/<int:patient_id>/payments/", views.payment_new, name="payment_new"),
    path("adjustments/", views.adjustment_list, name="adjustment_list"),
    path("adjustments/new/", views.adjustment_new, name="adjustment_new"),
    path("adjustments/<int:request_id>/decide/", views.adjustment_decide, name="adjustment_decide"),
    path("fees/", views.fee_list, name="fee_list"),
    path("fees/new/", views.fee_new, name="fee_new"),
    path("fees/<int:schedule_id>/", views.fee_detail, name="fee_detail"),
    path("fees/<int:schedule_id>/items/", views.fee_item_set, name="fee_item_set"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/close/", views.period_close, name="period_close"),
    path("periods/<int:year>/<int:month>/<str:fmt>.csv", views.period_export, name="period_export"),
    path("ar/", views_ar.ar_report, name="ar_report"),
    path("ar/export.csv", views_ar.ar_export, name="ar_export"),
    path("statements/", views_accounts.statement_list, name="statement_list"),
    path("statements/run/", views_accounts.statement_run, name="statement_run"),
    path("statements/<int:statement_id>.pdf", views_accounts.statement_pdf, name="statement_pdf"),
    path(
        "statements/<int:statement_id>/sent/", views_accounts.statement_sent, name="statement_sent"
    ),
    path("patients/<int:patient_id>/plan/", views_accounts.plan_new, name="plan_new"),
    path("patients/<int:patient_id>/plan/close/", views_accounts.plan_close, name="plan_close"),
    path(
        "patients/<int:patient_id>/collections/",
        views_accounts.collections_edit,
        name="collections_edit",
    ),
]
