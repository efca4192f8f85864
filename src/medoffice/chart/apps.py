from django.apps import AppConfig


class ChartConfig(AppConfig):
    name = "medoffice.chart"
    label = "chart"
    verbose_name = "Clinical chart"

    def ready(self) -> None:
        from medoffice.chart import home_panels

        home_panels.register_all()
