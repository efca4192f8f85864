from django.urls import path

from medoffice.waitlist import views

app_name = "waitlist"

urlpatterns = [
    path("", views.waitlist, name="list"),
    path("new/", views.entry_new, name="entry_new"),
    path("<int:entry_id>/remove/", views.entry_remove, name="entry_remove"),
]
