from django.urls import path

from medoffice.huddle import views

app_name = "huddle"

urlpatterns = [
    path("", views.huddle_page, name="huddle"),
    path("print/", views.huddle_print, name="print"),
    path("ar/", views.ar_fragment, name="ar"),
]
