from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "medoffice.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from medoffice.audit import home_panels

        home_panels.register_all()
