from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "medoffice.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from medoffice.reports import kpis_access, kpis_revenue  # noqa: F401  (they register)
