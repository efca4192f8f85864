from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "medoffice.core"
    label = "core"
    verbose_name = "MedOffice core"

    def ready(self) -> None:
        from medoffice.core import checks, home_panels  # noqa: F401 (checks register themselves)

        home_panels.register_all()
