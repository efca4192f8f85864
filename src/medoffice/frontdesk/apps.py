from django.apps import AppConfig


class FrontDeskConfig(AppConfig):
    name = "medoffice.frontdesk"
    label = "frontdesk"
    verbose_name = "Front desk"

    def ready(self) -> None:
        from medoffice.frontdesk import home_panels

        home_panels.register_all()
