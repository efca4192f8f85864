from django.urls import path

from medoffice.coding import views

app_name = "coding"

urlpatterns = [
    path("tables/", views.tables, name="tables"),
    path("tables/results/", views.tables_results, name="tables_results"),
]
