from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "medoffice.waitlist"
    label = "waitlist"
    verbose_name = "Waitlist"

    def ready(self) -> None:
        from medoffice.waitlist import home_panels, hooks

        hooks.register_all()
        home_panels.register_all()
