from django.urls import path

from medoffice.submission import views

app_name = "submission"

urlpatterns = [
    path("", views.index, name="index"),
    path("batches/", views.batch_create, name="batch_create"),
    path("batches/<int:batch_id>/send/", views.batch_send, name="batch_send"),
    path("batches/<int:batch_id>/download/", views.batch_download, name="batch_download"),
    path("poll/", views.poll, name="poll"),
]
