from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "medoffice.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from medoffice.reports import (  # noqa: F401  (importing registers them)
            kpis_access,
            kpis_productivity,
            kpis_revenue,
            navigation,
        )

        navigation.register_all()
