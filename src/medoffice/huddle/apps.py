from django.apps import AppConfig


class HuddleConfig(AppConfig):
    name = "medoffice.huddle"
    label = "huddle"
    verbose_name = "Morning huddle"

    def ready(self) -> None:
        from medoffice.huddle import home_panels

        home_panels.register_all()
