from django.apps import AppConfig


class ChartConfig(AppConfig):
    name = "medoffice.chart"
    label = "chart"
    verbose_name = "Clinical chart"
