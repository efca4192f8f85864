from django.urls import path

from medoffice.remittance import views, views_appeals

app_name = "remittance"

urlpatterns: list = [
    path("", views.file_list, name="file_list"),
    path("upload/", views.file_upload, name="file_upload"),
    path("files/<int:file_id>/", views.file_detail, name="file_detail"),
    path("unmatched/", views.unmatched_list, name="unmatched_list"),
    path(
        "unmatched/<int:remittance_claim_id>/resolve/",
        views.unmatched_resolve,
        name="unmatched_resolve",
    ),
    path(
        "unmatched/<int:remittance_claim_id>/not-ours/",
        views.unmatched_not_ours,
        name="unmatched_not_ours",
    ),
    path("denials/", views.denials, name="denials"),
    path("denials/<int:work_id>/", views.denial_work_update, name="denial_work_update"),
    path("denials/<int:work_id>/appeal/", views_appeals.appeal_new, name="appeal_new"),
    path("appeals/<int:letter_id>/", views_appeals.appeal_letter, name="appeal_letter"),
    path(
        "appeals/<int:letter_id>/letter.pdf",
        views_appeals.appeal_letter_pdf,
        name="appeal_letter_pdf",
    ),
]
