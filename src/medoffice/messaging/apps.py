from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "medoffice.messaging"
    label = "messaging"
    verbose_name = "Patient messages"

    def ready(self) -> None:
        from medoffice.messaging import home_panels, hooks

        hooks.register_all()
        home_panels.register_all()
