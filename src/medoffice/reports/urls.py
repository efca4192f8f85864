from django.urls import path

from medoffice.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:key>/", views.kpi_page, name="kpi"),
    path("<slug:key>/export.<slug:fmt>", views.kpi_export, name="kpi_export"),
    path("<slug:key>/target/", views.kpi_target, name="kpi_target"),
]
