from django.urls import path

from medoffice.reports import views_schedules as views

app_name = "report_schedules"

urlpatterns = [
    path("", views.schedule_list, name="list"),
    path("new/", views.schedule_new, name="new"),
    path("<int:schedule_id>/", views.schedule_detail, name="detail"),
    path("<int:schedule_id>/edit/", views.schedule_edit, name="edit"),
    path("<int:schedule_id>/delete/", views.schedule_delete, name="delete"),
    path("<int:schedule_id>/send/", views.schedule_send_now, name="send_now"),
]
