from django.urls import path

from medoffice.quality import views

app_name = "quality"

urlpatterns = [
    path("", views.initiative_list, name="list"),
    path("new/", views.initiative_new, name="new"),
    path("<int:initiative_id>/", views.initiative_detail, name="detail"),
    path("<int:initiative_id>/edit/", views.initiative_edit, name="edit"),
    path("<int:initiative_id>/cycles/new/", views.cycle_new, name="cycle_new"),
    path("<int:initiative_id>/cycles/<int:cycle_id>/edit/", views.cycle_edit, name="cycle_edit"),
]
