from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "medoffice.coding"
    label = "coding"
    verbose_name = "Code tables"

    def ready(self) -> None:
        from medoffice.coding import navigation

        navigation.register_all()
